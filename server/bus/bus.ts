/** The bus between ingest and streams: assigns event ids, keeps history for resume, fans out per tenant. */
import type { StreamEvent, StreamEventMap } from '../../src/shared/events';

/** Event types that travel on the bus; `reset` is made per client by the stream, never published. */
export type BusEventType = Exclude<keyof StreamEventMap, 'reset'>;

/** An event as handed to `publish`, before the bus gave it an id. */
export type UnpublishedEvent = { [K in BusEventType]: { type: K; data: StreamEventMap[K] } }[BusEventType];

/** An event that went through the bus (it has an id). */
export type BusEvent = Extract<StreamEvent, { type: BusEventType }>;

/** Receives a tenant's events in id order, one call per published batch. */
export type BusListener = (events: readonly BusEvent[]) => void;

/** Receives every tenant's events in id order (the fleet store's projection uses it). */
export type BusTapListener = (tenant: string, events: readonly BusEvent[]) => void;

/**
 * Carries events per tenant. Implementations: MemoryBus (one process, ring buffer per tenant) and,
 * later, a Redis Streams bus whose ids are global across server instances.
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
  publish(tenant: string, events: readonly UnpublishedEvent[]): Promise<BusEvent[]>;
  /** Listens to a tenant's events published from now on; returns the unsubscribe function. */
  subscribe(tenant: string, listener: BusListener): () => void;
  /** Listens to every tenant; called before per-tenant listeners so projections are current first. */
  tap(listener: BusTapListener): () => void;
  /**
   * Every retained event after `afterId`, oldest first; `'reset'` when that is impossible (another
   * epoch, malformed, newer than anything published, or events after it were already dropped).
   */
  replay(tenant: string, afterId: string): Promise<BusEvent[] | 'reset'>;
  /** Id of the tenant's newest event, or null when none was published. */
  lastId(tenant: string): Promise<string | null>;
  /** Stops the bus; publishing afterwards rejects. */
  close(): Promise<void>;
}
