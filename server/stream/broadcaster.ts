/**
 * Fan-out of a tenant's bus events to its open streams: one bus subscription per tenant, one
 * encoded buffer per batch written to every client, one heartbeat timer for all clients, and
 * slow clients cut before they hold megabytes of unsent events.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { compareEventIds } from '../../src/shared/events';
import type { Bus, BusEvent } from '../bus';
import type { FleetwireMetrics } from '../metrics';
import { HEARTBEAT_FRAME, batchFrame, eventFrame } from './sse';

/**
 * A client whose unsent bytes pass this bound is disconnected (it resumes by id). 1 MiB is ~3,000
 * events: minutes of a busy tenant, far beyond a healthy client's jitter, small enough that a
 * thousand stuck clients cannot take a gigabyte.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Live events queued for a client still catching up on a replay; past this it is cut like a slow one. */
export const MAX_PENDING_EVENTS = 20_000;
/** Replayed events per write: large enough to be cheap, small enough to respect backpressure. */
const REPLAY_CHUNK_EVENTS = 500;

/** One open stream. */
export interface StreamClient {
  readonly tenant: string;
  readonly sid: string;
  readonly res: ServerResponse;
  /** Live events that arrived while the client was replaying; null once live. */
  pending: BusEvent[] | null;
  closed: boolean;
}

interface Channel {
  clients: Set<StreamClient>;
  unsubscribe: () => void;
}

/** Options of the broadcaster. */
export interface BroadcasterOptions {
  bus: Bus;
  metrics: FleetwireMetrics;
  heartbeatMs: number;
  maxBufferedBytes?: number;
  onSlowClient?: (client: StreamClient, bufferedBytes: number) => void;
}

/** Owns every open stream of the app. */
export class Broadcaster {
  private readonly channels = new Map<string, Channel>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly maxBufferedBytes: number;

  constructor(private readonly options: BroadcasterOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    // One sweep for all clients: per-client timers would be thousands of timers doing the same thing.
    this.heartbeat = setInterval(() => this.sweep(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Open streams, across tenants. */
  get size(): number {
    let n = 0;
    for (const c of this.channels.values()) n += c.clients.size;
    return n;
  }

  /**
   * Registers a stream. With `catchingUp`, live events are queued until `goLive`, so nothing
   * published during a replay is lost or sent twice.
   */
  attach(tenant: string, sid: string, res: ServerResponse, catchingUp: boolean): StreamClient {
    const client: StreamClient = { tenant, sid, res, pending: catchingUp ? [] : null, closed: false };
    let channel = this.channels.get(tenant);
    if (!channel) {
      const clients = new Set<StreamClient>();
      channel = { clients, unsubscribe: this.options.bus.subscribe(tenant, (events) => this.fanOut(tenant, clients, events)) };
      this.channels.set(tenant, channel);
    }
    channel.clients.add(client);
    this.options.metrics.sseConnections.inc({ tenant });
    res.once('close', () => this.detach(client));
    return client;
  }

  /** Writes replayed events honouring backpressure; resolves false if the client went away. */
  async replay(client: StreamClient, events: readonly BusEvent[]): Promise<boolean> {
    for (let i = 0; i < events.length && !client.closed; i += REPLAY_CHUNK_EVENTS) {
      const chunk = events.slice(i, i + REPLAY_CHUNK_EVENTS);
      const ok = client.res.write(batchFrame(chunk));
      this.options.metrics.eventsDelivered.inc({ tenant: client.tenant }, chunk.length);
      if (!ok && !client.closed) await Promise.race([once(client.res, 'drain'), once(client.res, 'close')]);
    }
    return !client.closed;
  }

  /** Writes one buffer to a client; false (and the client cut) when it is too far behind. */
  write(client: StreamClient, frame: Buffer): boolean {
    if (client.closed || client.res.destroyed) return false;
    client.res.write(frame);
    return this.checkBacklog(client);
  }

  /** Ends the catch-up: sends queued live events newer than `afterId` and switches the client to live. */
  goLive(client: StreamClient, afterId: string | null): void {
    const pending = client.pending ?? [];
    client.pending = null;
    if (client.closed) return;
    const fresh = afterId === null ? pending : pending.filter((e) => compareEventIds(e.id, afterId) > 0);
    if (fresh.length > 0) {
      this.options.metrics.eventsDelivered.inc({ tenant: client.tenant }, fresh.length);
      this.write(client, batchFrame(fresh));
    }
  }

  /** Ends every stream of a session (logout). */
  closeSession(sid: string): void {
    for (const channel of this.channels.values()) {
      for (const client of channel.clients) if (client.sid === sid) client.res.end();
    }
  }

  /** Ends every stream cleanly and stops the heartbeat (shutdown). */
  closeAll(): void {
    clearInterval(this.heartbeat);
    for (const channel of this.channels.values()) {
      for (const client of channel.clients) client.res.end();
    }
  }

  private detach(client: StreamClient): void {
    if (client.closed) return;
    client.closed = true;
    const channel = this.channels.get(client.tenant);
    if (!channel) return;
    channel.clients.delete(client);
    this.options.metrics.sseConnections.dec({ tenant: client.tenant });
    if (channel.clients.size === 0) {
      channel.unsubscribe();
      this.channels.delete(client.tenant);
    }
  }

  private fanOut(tenant: string, clients: Set<StreamClient>, events: readonly BusEvent[]): void {
    if (clients.size === 0 || events.length === 0) return;
    const end = this.options.metrics.fanoutSeconds.startTimer({ tenant });
    // Encoded once for the whole tenant: every client gets the very same bytes.
    const frame = events.length === 1 ? eventFrame(events[0] as BusEvent) : batchFrame(events);
    let delivered = 0;
    for (const client of clients) {
      if (client.pending) {
        client.pending.push(...events);
        if (client.pending.length > MAX_PENDING_EVENTS) this.cut(client, client.res.writableLength);
        continue;
      }
      if (this.write(client, frame)) delivered += events.length;
    }
    this.options.metrics.eventsDelivered.inc({ tenant }, delivered);
    end();
  }

  private checkBacklog(client: StreamClient): boolean {
    const buffered = client.res.writableLength;
    if (buffered <= this.maxBufferedBytes) return true;
    this.cut(client, buffered);
    return false;
  }

  private cut(client: StreamClient, buffered: number): void {
    if (client.closed) return;
    this.options.metrics.slowClientDisconnects.inc({ tenant: client.tenant });
    this.options.onSlowClient?.(client, buffered);
    // destroy, not end: end would wait for the very backlog we are refusing to hold.
    client.res.destroy();
    this.detach(client);
  }

  private sweep(): void {
    for (const channel of this.channels.values()) {
      for (const client of channel.clients) {
        if (client.pending === null) this.write(client, HEARTBEAT_FRAME);
      }
    }
  }
}
