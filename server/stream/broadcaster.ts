/**
 * Fan-out of a tenant's bus events to its open streams. The path is built to stay cheap at
 * thousands of clients per process:
 * - one bus subscription per tenant; events published in the same event-loop turn are queued and
 *   flushed together on `setImmediate`, so a busy server writes bigger batches, not more of them;
 * - each flush is serialized and framed for the wire once per tenant (`wireBatch`), and that very
 *   Buffer is written to every client's socket: one write per client per flush, nothing allocated
 *   per client beyond what the socket write itself needs;
 * - one heartbeat timer sweeps every client (no per-client timers);
 * - a client's unsent bytes are bounded: a write that would take them past the bound cuts the
 *   client instead (it reconnects and resumes by id).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { compareEventIds } from '../../src/shared/events';
import type { Bus, BusEvent } from '../bus';
import type { FleetwireMetrics } from '../metrics';
import { HEARTBEAT_WIRE, wireBatch, wireFrame, type WireFrame } from './sse';

/**
 * A client whose unsent bytes would pass this bound is disconnected (it resumes by id). 1 MiB is
 * ~3,000 events: minutes of a busy tenant, far beyond a healthy client's jitter, small enough that a
 * thousand stuck clients cannot take a gigabyte (and the bytes are mostly shared frames anyway).
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Live events queued for a client still catching up on a replay; past this it is cut like a slow one. */
export const MAX_PENDING_EVENTS = 20_000;
/** Replayed events per write: large enough to be cheap, small enough to respect backpressure. */
const REPLAY_CHUNK_EVENTS = 500;
/** A client that reads nothing of its catch-up for this long is cut: it holds a replay page and a connection. */
export const REPLAY_STALL_MS = 30_000;
/** How often streams are checked against their session's end, ms. */
const EXPIRY_CHECK_MS = 1_000;

/** One open stream. */
export interface StreamClient {
  readonly tenant: string;
  readonly sid: string;
  /** The operator whose session opened the stream. */
  readonly username: string;
  /** When the session ends (epoch ms): the stream is ended then. */
  readonly expiresAt: number;
  readonly res: ServerResponse;
  /** Live batches that arrived while the client was replaying (shared with other clients); null once live. */
  pending: (readonly BusEvent[])[] | null;
  /** Events in `pending`. */
  pendingEvents: number;
  /**
   * Newest event id the client already has from its catch-up; live batches up to it are skipped.
   * Null once a newer batch went out (or when there was no catch-up).
   */
  sentThrough: string | null;
  /** Most unsent bytes the server ever held for this client, measured right after each write. */
  peakBufferedBytes: number;
  closed: boolean;
}

/** A client with the transport details the broadcaster needs. */
interface Stream extends StreamClient {
  readonly socket: Socket;
  /** HTTP/1.1 chunked response (else close-delimited HTTP/1.0): which shape of a WireFrame to write. */
  readonly chunked: boolean;
}

interface Channel {
  readonly tenant: string;
  readonly clients: Set<Stream>;
  /** Batches published since the last flush, in id order. */
  queue: (readonly BusEvent[])[];
  unsubscribe: () => void;
}

/** Options of the broadcaster. */
export interface BroadcasterOptions {
  bus: Bus;
  metrics: FleetwireMetrics;
  heartbeatMs: number;
  maxBufferedBytes?: number;
  onSlowClient?: (client: StreamClient, bufferedBytes: number) => void;
  /** A catch-up the client does not read for this long is cut, ms (default REPLAY_STALL_MS). */
  replayStallMs?: number;
  now?: () => number;
}

/** Owns every open stream of the app. */
export class Broadcaster {
  private readonly channels = new Map<string, Channel>();
  /** Channels with queued batches; flushed together on the next `setImmediate`. */
  private readonly dirty = new Set<Channel>();
  private flushScheduled = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly expiry: NodeJS.Timeout;
  private readonly maxBufferedBytes: number;
  private readonly now: () => number;

  constructor(private readonly options: BroadcasterOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
    this.now = options.now ?? Date.now;
    // One sweep for all clients: per-client timers would be thousands of timers doing the same thing.
    this.heartbeat = setInterval(() => this.sweep(), options.heartbeatMs);
    this.heartbeat.unref();
    this.expiry = setInterval(() => this.endExpired(), EXPIRY_CHECK_MS);
    this.expiry.unref();
  }

  /** Open streams of one session (the per-session cap). */
  sessionStreams(sid: string): number {
    let n = 0;
    for (const channel of this.channels.values()) for (const client of channel.clients) if (client.sid === sid) n++;
    return n;
  }

  /** Open streams, across tenants. */
  get size(): number {
    let n = 0;
    for (const c of this.channels.values()) n += c.clients.size;
    return n;
  }

  /** The open streams right now (diagnostics and tests). */
  streams(): StreamClient[] {
    const out: StreamClient[] = [];
    for (const c of this.channels.values()) out.push(...c.clients);
    return out;
  }

  /**
   * Registers a stream whose headers were already written. With `catchingUp`, live events are
   * queued until `goLive`, so nothing published during a replay is lost or sent twice.
   */
  attach(tenant: string, sid: string, res: ServerResponse, catchingUp: boolean, username = '', expiresAt = Infinity): StreamClient {
    const client: Stream = {
      tenant,
      sid,
      username,
      expiresAt,
      res,
      socket: res.socket as Socket,
      // Decided by Node when the headers were written: HTTP/1.1 without a length is chunked.
      chunked: res.chunkedEncoding,
      pending: catchingUp ? [] : null,
      pendingEvents: 0,
      sentThrough: null,
      peakBufferedBytes: 0,
      closed: res.socket === null || res.destroyed,
    };
    if (client.closed) return client;
    let channel = this.channels.get(tenant);
    if (!channel) {
      const created: Channel = { tenant, clients: new Set(), queue: [], unsubscribe: () => undefined };
      created.unsubscribe = this.options.bus.subscribe(tenant, (events) => this.enqueue(created, events));
      this.channels.set(tenant, created);
      channel = created;
    }
    channel.clients.add(client);
    this.options.metrics.sseConnections.inc({ tenant });
    res.once('close', () => this.detach(client));
    return client;
  }

  /**
   * Writes replayed events (one page of a replay) honouring backpressure: resolves once the socket
   * took them (drained), so the caller reads the next page only then; false if the client went away
   * or was cut (nothing read for `replayStallMs`).
   */
  async replay(client: StreamClient, events: readonly BusEvent[]): Promise<boolean> {
    const stream = client as Stream;
    for (let i = 0; i < events.length && !stream.closed; i += REPLAY_CHUNK_EVENTS) {
      const wire = wireBatch(events.slice(i, i + REPLAY_CHUNK_EVENTS));
      const ok = stream.socket.write(stream.chunked ? wire.chunk : wire.bare);
      this.notePeak(stream);
      this.options.metrics.eventsDelivered.inc({ tenant: stream.tenant }, wire.events);
      if (!ok && !stream.closed) {
        const stalled = new AbortController();
        const timer = setTimeout(() => stalled.abort(), this.options.replayStallMs ?? REPLAY_STALL_MS);
        try {
          await Promise.race([once(stream.socket, 'drain', { signal: stalled.signal }), once(stream.res, 'close', { signal: stalled.signal })]);
        } catch {
          // Nothing read for the whole stall: a client that never reads must not hold the replay.
          this.cut(stream, stream.res.writableLength);
        } finally {
          clearTimeout(timer);
          stalled.abort();
        }
      }
    }
    return !stream.closed;
  }

  /** Writes SSE bytes (e.g. a reset) to one client; false (and the client cut) when it is too far behind. */
  write(client: StreamClient, frame: Buffer): boolean {
    return this.send(client as Stream, wireFrame(frame));
  }

  /**
   * Ends the catch-up: sends queued live events newer than `afterId` (the newest id the client has)
   * and switches the client to live.
   */
  goLive(client: StreamClient, afterId: string | null): void {
    const pending = client.pending ?? [];
    client.pending = null;
    client.pendingEvents = 0;
    if (client.closed) return;
    const fresh: BusEvent[] = [];
    for (const batch of pending) for (const e of batch) if (afterId === null || compareEventIds(e.id, afterId) > 0) fresh.push(e);
    const newest = fresh.length > 0 ? (fresh[fresh.length - 1] as BusEvent).id : afterId;
    // Batches still queued for the next flush may hold events the catch-up already sent.
    client.sentThrough = newest;
    if (fresh.length > 0 && this.send(client as Stream, wireBatch(fresh))) {
      this.options.metrics.eventsDelivered.inc({ tenant: client.tenant }, fresh.length);
    }
  }

  /** Ends every stream of a session (logout). */
  closeSession(sid: string): void {
    for (const channel of this.channels.values()) {
      for (const client of channel.clients) if (client.sid === sid) client.res.end();
    }
  }

  /** Ends every stream of these operators (they were removed). */
  closeOperators(tenant: string, usernames: readonly string[]): void {
    const gone = new Set(usernames);
    for (const client of this.channels.get(tenant)?.clients ?? []) if (gone.has(client.username)) client.res.end();
  }

  /** Ends every stream cleanly and stops the heartbeat (shutdown). */
  closeAll(): void {
    clearInterval(this.heartbeat);
    clearInterval(this.expiry);
    for (const channel of this.channels.values()) {
      for (const client of channel.clients) client.res.end();
    }
  }

  /** Ends every open stream but keeps serving (the bus lost its history: clients resume and get a reset). */
  endStreams(): void {
    for (const channel of [...this.channels.values()]) {
      for (const client of [...channel.clients]) {
        client.res.end();
        // At once, not on 'close': nothing queued for the lost history may reach it.
        this.detach(client);
      }
    }
  }

  private detach(client: Stream): void {
    if (client.closed) return;
    client.closed = true;
    client.pending = null;
    const channel = this.channels.get(client.tenant);
    if (!channel) return;
    channel.clients.delete(client);
    this.options.metrics.sseConnections.dec({ tenant: client.tenant });
    if (channel.clients.size === 0) {
      channel.unsubscribe();
      this.channels.delete(client.tenant);
      this.dirty.delete(channel);
    }
  }

  /** Bus listener: queue the batch; the flush runs once the current event-loop turn's I/O is done. */
  private enqueue(channel: Channel, events: readonly BusEvent[]): void {
    if (events.length === 0) return;
    channel.queue.push(events);
    this.dirty.add(channel);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate, not nextTick: it runs after every socket read of this turn, so all ingests
      // that arrived together go out as one write per client.
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const channels = [...this.dirty];
    this.dirty.clear();
    for (const channel of channels) {
      const batches = channel.queue;
      channel.queue = [];
      if (this.channels.get(channel.tenant) === channel) this.fanOut(channel, batches);
    }
  }

  private fanOut(channel: Channel, batches: (readonly BusEvent[])[]): void {
    const events = batches.length === 1 ? (batches[0] as readonly BusEvent[]) : batches.flat();
    if (channel.clients.size === 0 || events.length === 0) return;
    const end = this.options.metrics.fanoutSeconds.startTimer({ tenant: channel.tenant });
    // Serialized and framed once for the whole tenant: every client gets the very same bytes.
    const wire = wireBatch(events);
    let delivered = 0;
    for (const client of channel.clients) {
      if (client.pending) {
        client.pending.push(events);
        client.pendingEvents += events.length;
        if (client.pendingEvents > MAX_PENDING_EVENTS) this.cut(client, client.res.writableLength);
        continue;
      }
      if (client.sentThrough !== null) {
        delivered += this.sendAfterCatchUp(client, events, wire);
        continue;
      }
      if (this.send(client, wire)) delivered += wire.events;
    }
    this.options.metrics.eventsDelivered.inc({ tenant: channel.tenant }, delivered);
    end();
  }

  /** The first live batches of a client that just caught up: skip what it already has. */
  private sendAfterCatchUp(client: Stream, events: readonly BusEvent[], wire: WireFrame): number {
    const after = client.sentThrough as string;
    if (compareEventIds((events[events.length - 1] as BusEvent).id, after) <= 0) return 0;
    client.sentThrough = null;
    if (compareEventIds((events[0] as BusEvent).id, after) > 0) return this.send(client, wire) ? wire.events : 0;
    const own = wireBatch(events.filter((e) => compareEventIds(e.id, after) > 0));
    return this.send(client, own) ? own.events : 0;
  }

  /** One write of a shared frame to one client, unless that would take its unsent bytes past the bound. */
  private send(client: Stream, wire: WireFrame): boolean {
    if (client.closed) return false;
    if (client.socket.destroyed) {
      this.detach(client);
      return false;
    }
    const bytes = client.chunked ? wire.chunk : wire.bare;
    const buffered = client.res.writableLength;
    // An empty buffer always takes the frame, however large: a big burst is not a slow client.
    if (buffered > 0 && buffered + bytes.length > this.maxBufferedBytes) {
      this.cut(client, buffered);
      return false;
    }
    client.socket.write(bytes);
    this.notePeak(client);
    return true;
  }

  private notePeak(client: Stream): void {
    const buffered = client.res.writableLength;
    if (buffered > client.peakBufferedBytes) client.peakBufferedBytes = buffered;
  }

  private cut(client: Stream, buffered: number): void {
    if (client.closed) return;
    this.options.metrics.slowClientDisconnects.inc({ tenant: client.tenant });
    this.options.onSlowClient?.(client, buffered);
    // destroy, not end: end would wait for the very backlog we are refusing to hold.
    client.res.destroy();
    this.detach(client);
  }

  /**
   * Heartbeats to every client, those catching up too (a slow replay still shows the connection is
   * alive); each write is a whole frame, so one never lands inside another.
   */
  private sweep(): void {
    for (const channel of this.channels.values()) {
      for (const client of channel.clients) this.send(client, HEARTBEAT_WIRE);
    }
  }

  /** Ends the streams whose session is over: a stream never outlives its session. */
  private endExpired(): void {
    const now = this.now();
    for (const channel of this.channels.values()) {
      for (const client of channel.clients) if (client.expiresAt <= now) client.res.end();
    }
  }
}
