/** The bus between ingest and streams: assigns event ids, keeps history for resume, fans out per tenant. */
import type { StreamEvent, StreamEventMap } from '../../src/shared/events';

/** Event types that travel on the bus; `reset` is made per client by the stream, never published. */
export type BusEventType = Exclude<keyof StreamEventMap, 'reset'>;

/** An event as handed to `publish`, before the bus gave it an id. */
export type UnpublishedEvent = { [K in BusEventType]: { type: K; data: StreamEventMap[K] } }[BusEventType];

/** An event that went through the bus (it has an id). */
export type BusEvent = Extract<StreamEvent, { type: BusEventType }>;

/**
 * Events per page of a replay (`Bus.replayPages`): what one resuming stream holds at a time. Small
 * enough that thousands of stuck resumes stay cheap, large enough that a full retention (50,000)
 * is 50 reads.
 */
export const REPLAY_PAGE = 1_000;

/** One step of a paged replay: the next events after the previous page, or `'reset'` (always the last step). */
export type ReplayPage = readonly BusEvent[] | 'reset';

/** Receives a tenant's events in id order, one call per published batch. */
export type BusListener = (events: readonly BusEvent[]) => void;

/** Receives every tenant's events in id order (the fleet store's projection uses it). */
export type BusTapListener = (tenant: string, events: readonly BusEvent[]) => void;

/**
 * A per-truck record written together with a publish, only if it still holds what the publisher read
 * (optimistic concurrency between server instances; `expected` null = the record must not exist).
 */
export interface GuardedWrite {
  field: string;
  expected: string | null;
  next: string;
}

/** Extras of a publish. */
export interface PublishOptions {
  /** Alert tracker states to store atomically with the events (Redis bus; the memory bus ignores them). */
  trackerStates?: readonly GuardedWrite[];
}

/** A guarded write found another value: nothing was published; read again and retry. */
export class PublishConflictError extends Error {
  constructor(readonly field: string) {
    super(`Another server instance changed "${field}" first; the publish was not applied.`);
    this.name = 'PublishConflictError';
  }
}

/** Whether the bus's backing service answers (`/healthz`). */
export interface BusHealth {
  ok: boolean;
  /** What is wrong, in words, when not ok. */
  message?: string;
}

/** Read-loop numbers of a bus that reads from a shared log (`/metrics`). */
export interface BusStats {
  /** 1 while the read loop's last read succeeded, else 0. */
  readLoopUp: number;
  /** Times the read loop failed and started over. */
  readLoopRestarts: number;
  /** Seconds between the newest delivered event's append and its local delivery. */
  lagSeconds: number;
  /** Seconds since the read loop last returned (data or an empty block). */
  sinceLastReadSeconds: number;
  /** 1 while the command connection is ready, else 0. */
  connectionUp: number;
}

/**
 * Carries events per tenant. Implementations: MemoryBus (one process, ring buffer per tenant) and
 * RedisBus (Redis Streams), whose ids are global across server instances.
 */
export interface Bus {
  /** `memory` or `redis`, for logs and metrics. */
  readonly kind: string;
  /**
   * Identifies this bus's id space. For the memory bus: the process start in ms, as a string, which
   * is also the `<ms>` of every id it assigns; an id from another epoch cannot be resumed.
   */
  readonly epoch: string;
  /** Appends events for a tenant; resolves with the assigned events (ids increasing, input order). */
  publish(tenant: string, events: readonly UnpublishedEvent[], options?: PublishOptions): Promise<BusEvent[]>;
  /** Listens to a tenant's events published from now on; returns the unsubscribe function. */
  subscribe(tenant: string, listener: BusListener): () => void;
  /** Listens to every tenant; called before per-tenant listeners so projections are current first. */
  tap(listener: BusTapListener): () => void;
  /**
   * The retained events after `afterId` (up to the newest one when the replay starts), oldest first,
   * one page of at most REPLAY_PAGE events per step: a page is read only when the consumer asks for
   * the next, so a replay holds one page however long the backlog. Yields `'reset'` (and ends) when
   * the events after the id cannot all be given: at once (another epoch, malformed, newer than
   * anything published, successors already dropped) or mid-way (history trimmed or lost while
   * paging; the pages before it were whole and in order). Pages are never empty.
   */
  replayPages(tenant: string, afterId: string): AsyncIterable<ReplayPage>;
  /** Id of the tenant's newest event, or null when none was published. */
  lastId(tenant: string): Promise<string | null>;
  /** Stops the bus; publishing afterwards rejects. */
  close(): Promise<void>;
  /** Connects and starts reading, for buses backed by a service; buildApp awaits it. */
  start?(): Promise<void>;
  /** Reachability of the backing service. */
  health?(): Promise<BusHealth>;
  /** Read-loop numbers for metrics. */
  stats?(): BusStats;
}
