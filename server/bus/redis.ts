/**
 * The Redis Streams bus: one stream per tenant, the entry id is the event id (global across server
 * instances), and ONE blocking read loop per instance fans entries out to local subscribers.
 */
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { compareEventIds, parseEventId } from '../../src/shared/events';
import { HttpError } from '../errors';
import { redisKeys, type RedisKeys } from '../redis/keys';
import { defineScripts, type FleetwireScripts } from '../redis/scripts';
import {
  PublishConflictError,
  REPLAY_PAGE,
  type Bus,
  type BusEvent,
  type BusHealth,
  type BusListener,
  type BusStats,
  type BusTapListener,
  type PublishOptions,
  type ReplayPage,
  type UnpublishedEvent,
} from './bus';

/**
 * How long one XREAD blocks, ms. Idle instances make one round trip per block; 5 s keeps that cheap
 * while an idle loop still notices a flushed Redis (new epoch) within seconds.
 */
export const READ_BLOCK_MS = 5_000;
/**
 * Extra time the reader connection gives a blocking read before calling it dead, ms. The reader's
 * command timeout is block + grace: a healthy XREAD BLOCK is never cut, a half-open TCP connection is
 * noticed within ~10 s and the loop reconnects.
 */
export const READ_TIMEOUT_GRACE_MS = 5_000;
/** Entries per stream per XREAD: one read takes a busy tenant's burst without a giant reply. */
export const READ_BATCH_COUNT = 1_000;
/**
 * Timeout of ordinary commands (publish, replay, snapshot), ms. Ingest answers 503 within this
 * when Redis hangs; a healthy Redis answers in well under a millisecond on a LAN.
 */
export const COMMAND_TIMEOUT_MS = 2_000;
/** Longest wait for Redis when the server starts, ms; then it exits with a message naming the URL. */
export const CONNECT_TIMEOUT_MS = 10_000;
/** Cap of the reconnect backoff, ms: streams resume within about a second of Redis coming back. */
export const RECONNECT_MAX_DELAY_MS = 1_000;
/** How long a claim (see `claim`) holds, ms: longer than any instance takes to hear of a change. */
const CLAIM_TTL_MS = 60_000;
/** Delay before the read loop starts over after an unexpected failure, ms. */
const LOOP_RESTART_MS = 500;
/** Redis 7 reports `entries-added` in XINFO STREAM, which tells whether history was trimmed. */
const MIN_REDIS_MAJOR = 7;

/** What the bus logs through (pino's shape). */
export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of the Redis bus. */
export interface RedisBusOptions {
  url: string;
  /** Key prefix (config.redisPrefix). */
  prefix: string;
  /** Entries kept per tenant stream (`XADD MAXLEN ~`). */
  retention: number;
  log?: BusLogger;
  /** XREAD BLOCK in ms (tests shorten it). */
  blockMs?: number;
  /** Entries per XRANGE page of a replay (default REPLAY_PAGE; tests make it small). */
  replayPage?: number;
}

/** Redis did not take the write or the read: 503 with a message an operator can act on. */
export class RedisUnavailableError extends HttpError {
  constructor(url: string, cause: unknown, what = 'nothing was stored') {
    super(
      503,
      'redis_unavailable',
      `Redis at ${redactUrl(url)} is unreachable (${cause instanceof Error ? cause.message : String(cause)}); ${what}. Try again in a few seconds.`,
      { 'retry-after': '2' },
    );
    this.name = 'RedisUnavailableError';
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return 'the configured REDIS_URL';
  }
}

/** Redis did not answer when the server started: the process exits with this message. */
export class RedisUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnreachableError';
  }
}

type StreamEntry = [id: string, fields: string[]];
type XReadReply = [key: string, entries: StreamEntry[]][] | null;

/** A stream's history bounds, from XINFO STREAM. */
interface StreamInfo {
  epoch: string | null;
  length: number;
  entriesAdded: number;
  firstId: string | null;
  lastGeneratedId: string | null;
}

function field(fields: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Resolves when the connection is ready; rejects after CONNECT_TIMEOUT_MS naming the URL and the last error. */
function waitReady(client: Redis, url: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError = 'no answer';
    const onError = (err: Error) => {
      lastError = err.message || err.name;
    };
    const onReady = () => {
      cleanup();
      resolve();
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new RedisUnreachableError(`Redis at ${redactUrl(url)} is unreachable (${lastError}) after ${CONNECT_TIMEOUT_MS / 1000} s: start Redis or fix REDIS_URL.`));
    }, CONNECT_TIMEOUT_MS);
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    client.on('ready', onReady);
    client.on('error', onError);
  });
}

function connectionOptions(extra: RedisOptions): RedisOptions {
  return {
    // A command in flight when the connection drops may have run: never send it twice (a publish
    // would be stored twice). The caller sees the error and decides.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 5), RECONNECT_MAX_DELAY_MS),
    ...extra,
  };
}

/** The Redis Streams bus. `start()` must resolve before use (buildApp awaits it). */
export class RedisBus implements Bus {
  readonly kind = 'redis';
  readonly keys: RedisKeys;
  /**
   * The command connection: publish, replay, fleet store, alert trackers, sessions, rate limit. It
   * fails fast while Redis is away (no offline queue), so requests answer 503 instead of hanging.
   */
  readonly redis: Redis;
  /** The read loop's own connection: it spends its life blocked in XREAD. */
  private readonly reader: Redis;
  private readonly scripts: FleetwireScripts;
  private readonly log: BusLogger | undefined;
  private readonly blockMs: number;
  private readonly replayPage: number;
  private _epoch = '';
  private readonly listeners = new Map<string, Set<BusListener>>();
  private readonly taps = new Set<BusTapListener>();
  private readonly epochListeners = new Set<(epoch: string, previous: string) => void>();
  private readonly signalListeners = new Set<(kind: string, value: string) => void>();
  /** Stream key → id of the last entry the loop read from it. */
  private readonly cursors = new Map<string, string>();
  private closed = false;
  private checkEpochNext = true;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly counters = { readLoopUp: 0, readLoopRestarts: 0, lagSeconds: 0, lastReadAt: 0 };

  constructor(private readonly options: RedisBusOptions) {
    if (!Number.isInteger(options.retention) || options.retention < 1) {
      throw new Error(`RedisBus: retention must be a positive whole number, got ${options.retention}`);
    }
    this.keys = redisKeys(options.prefix);
    this.log = options.log;
    this.blockMs = options.blockMs ?? READ_BLOCK_MS;
    this.replayPage = options.replayPage ?? REPLAY_PAGE;
    if (!Number.isInteger(this.replayPage) || this.replayPage < 1) {
      throw new Error(`RedisBus: replayPage must be a positive whole number, got ${options.replayPage}`);
    }
    this.redis = new Redis(
      options.url,
      connectionOptions({ enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS, connectionName: 'fleetwire:commands' }),
    );
    this.reader = new Redis(
      options.url,
      connectionOptions({
        // Queued while reconnecting; the command timeout (longer than the block) bounds the wait.
        enableOfflineQueue: true,
        commandTimeout: this.blockMs + READ_TIMEOUT_GRACE_MS,
        connectionName: 'fleetwire:read-loop',
      }),
    );
    // ioredis reports every failed reconnect as an 'error' event; the loop and requests log what matters.
    let redisErrorLogged = false;
    this.redis.on('error', (err: Error) => {
      if (!redisErrorLogged) this.log?.warn({ err: err.message }, `Redis connection error (${redactUrl(options.url)}); reconnecting`);
      redisErrorLogged = true;
    });
    this.redis.on('ready', () => {
      if (redisErrorLogged) this.log?.info({}, 'Redis connection ready again');
      redisErrorLogged = false;
    });
    this.reader.on('error', () => {
      // Deliberately quiet: the read loop logs its own failures once per outage.
    });
    this.scripts = defineScripts(this.redis);
  }

  /** This Redis's epoch (see ENSURE_EPOCH); changes when Redis lost its data. */
  get epoch(): string {
    return this._epoch;
  }

  /** Connects both connections, checks the Redis version, reads the epoch and starts the read loop. */
  async start(): Promise<void> {
    await Promise.all([this.redis, this.reader].map((client) => waitReady(client, this.options.url)));
    const info = await this.redis.info('server');
    const version = /redis_version:(\d+)\./.exec(info)?.[1];
    if (version !== undefined && Number(version) < MIN_REDIS_MAJOR) {
      throw new RedisUnreachableError(`FLEETWIRE_BUS=redis needs Redis ${MIN_REDIS_MAJOR} or newer; ${redactUrl(this.options.url)} runs ${version}.`);
    }
    this._epoch = await this.scripts.ensureEpoch(this.keys.epoch);
    await this.initCursors();
    this.checkEpochNext = false;
    // Both connections answered just now: the loop counts as up until a read fails.
    this.counters.readLoopUp = 1;
    this.counters.lastReadAt = Date.now();
    this.startLoop();
  }

  /** Listens for epoch changes (Redis lost its data): streams must reset, the fleet be registered again. */
  onEpochChange(listener: (epoch: string, previous: string) => void): () => void {
    this.epochListeners.add(listener);
    return () => this.epochListeners.delete(listener);
  }

  /** Listens for notices from any instance (e.g. `revoke` with a session id). */
  onSignal(listener: (kind: string, value: string) => void): () => void {
    this.signalListeners.add(listener);
    return () => this.signalListeners.delete(listener);
  }

  /** Sends a notice to every instance, this one included (through the read loop). */
  async signal(kind: string, value: string): Promise<void> {
    try {
      await this.redis.xadd(this.keys.control, 'MAXLEN', '~', '1000', '*', 'k', kind, 'v', value, 'e', this._epoch);
    } catch (err) {
      throw new RedisUnavailableError(this.options.url, err, 'other server instances were not told');
    }
  }

  /**
   * True for the first instance to claim `what` within a minute, false for the others: one instance
   * acts on a change every instance hears of.
   */
  async claim(what: string): Promise<boolean> {
    const digest = createHash('sha256').update(what).digest('base64url');
    return (await this.redis.set(this.keys.claim(digest), '1', 'PX', CLAIM_TTL_MS, 'NX')) === 'OK';
  }

  async publish(tenant: string, events: readonly UnpublishedEvent[], options: PublishOptions = {}): Promise<BusEvent[]> {
    if (this.closed) throw new Error('The bus is closed: the server is shutting down');
    const writes = options.trackerStates ?? [];
    if (events.length === 0 && writes.length === 0) return [];
    const k = this.keys;
    const keys = [
      k.epoch,
      k.stream(tenant),
      k.lastId(tenant),
      k.tenants,
      k.control,
      k.trucks(tenant),
      k.lastState(tenant),
      k.alerts(tenant),
      k.trackers(tenant),
      k.trackerTenants,
    ];
    const args: (string | number)[] = ['', this.options.retention, tenant, events.length, writes.length];
    for (const e of events) {
      const data = JSON.stringify(e.data);
      switch (e.type) {
        case 'telemetry':
          args.push(e.type, data, e.data.truckId, String(e.data.ts));
          break;
        case 'alert':
          args.push(e.type, data, e.data.id, e.data.state);
          break;
        case 'truck':
          args.push(e.type, data, e.data.id, '');
          break;
      }
    }
    for (const w of writes) args.push(w.field, w.expected === null ? '' : `=${w.expected}`, w.next);

    // Twice at most: a changed epoch is learnt from the first reply and the batch goes to the new one.
    for (let attempt = 1; ; attempt++) {
      args[0] = this._epoch;
      let reply: unknown;
      try {
        reply = await this.scripts.publish(keys, args);
      } catch (err) {
        throw new RedisUnavailableError(this.options.url, err);
      }
      const [status, a, b] = reply as [string, string, string[]];
      if (status === 'ok') {
        this.noteEpoch(a);
        return events.map((e, i) => ({ ...e, id: b[i] as string }) as BusEvent);
      }
      if (status === 'conflict') throw new PublishConflictError(a);
      if (attempt >= 2) throw new RedisUnavailableError(this.options.url, new Error('the epoch keeps changing'), 'nothing was stored');
      try {
        this.noteEpoch(a || (await this.scripts.ensureEpoch(k.epoch)));
      } catch (err) {
        throw new RedisUnavailableError(this.options.url, err);
      }
    }
  }

  subscribe(tenant: string, listener: BusListener): () => void {
    let set = this.listeners.get(tenant);
    if (!set) {
      set = new Set();
      this.listeners.set(tenant, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(tenant) === set) this.listeners.delete(tenant);
    };
  }

  tap(listener: BusTapListener): () => void {
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }

  /**
   * XRANGE pages after `afterId`, up to the newest entry when the replay starts (later ones reach the
   * stream live), one page per step. Each page is checked after it is read and before it is handed
   * out: same epoch, and its cursor (the last id already handed out) still within the retained
   * history. Trimming only ever drops the oldest entries, so a cursor still retained after the read
   * means the page started right after it; otherwise the replay ends with `'reset'`, never a hole.
   */
  async *replayPages(tenant: string, afterId: string): AsyncGenerator<ReplayPage, void, undefined> {
    if (!parseEventId(afterId)) {
      yield 'reset';
      return;
    }
    const start = await this.replayRead(() => this.streamInfo(tenant));
    if (this.resumable(afterId, start) !== 'ok') {
      yield 'reset';
      return;
    }
    const through = start.lastGeneratedId;
    let cursor = afterId;
    while (through !== null && compareEventIds(cursor, through) < 0) {
      const entries = await this.replayRead(
        async () => (await this.redis.xrange(this.keys.stream(tenant), `(${cursor}`, through, 'COUNT', this.replayPage)) as StreamEntry[],
      );
      const info = await this.replayRead(() => this.streamInfo(tenant));
      if (info.epoch !== start.epoch || this.resumable(cursor, info) !== 'ok') {
        yield 'reset';
        return;
      }
      // Nothing left up to `through` (only possible if entries were deleted by hand).
      if (entries.length === 0) return;
      cursor = (entries[entries.length - 1] as StreamEntry)[0];
      const page: BusEvent[] = [];
      for (const entry of entries) {
        const event = this.toEvent(entry);
        if (event) page.push(event);
      }
      if (page.length > 0) yield page;
    }
  }

  /** A read of a replay; a Redis failure becomes a 503-shaped error (the stream closes and the client retries). */
  private async replayRead<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      throw new RedisUnavailableError(this.options.url, err, 'the stream cannot resume now');
    }
  }

  /** Whether every event after `afterId` is still in the stream described by `info`. */
  private resumable(afterId: string, info: StreamInfo): 'ok' | 'reset' {
    if (info.epoch === null) return 'reset';
    this.noteEpoch(info.epoch);
    const start = `${info.epoch}-0`;
    // Older than this epoch: the data it refers to was flushed or lost in a restart.
    if (compareEventIds(afterId, start) < 0) return 'reset';
    // Newer than anything appended: not an id of this Redis (or its tail was lost in a crash).
    const newest = info.lastGeneratedId !== null && compareEventIds(info.lastGeneratedId, start) > 0 ? info.lastGeneratedId : start;
    if (compareEventIds(afterId, newest) > 0) return 'reset';
    // Entries were trimmed and the id is older than the first one kept: some of its successors are gone.
    const trimmed = info.entriesAdded > info.length;
    if (trimmed && info.firstId !== null && compareEventIds(afterId, info.firstId) < 0) return 'reset';
    return 'ok';
  }

  private async streamInfo(tenant: string): Promise<StreamInfo> {
    const results = await this.redis.multi().get(this.keys.epoch).xinfo('STREAM', this.keys.stream(tenant)).exec();
    if (!results) throw new Error('the transaction was aborted');
    const [[epochErr, epoch], [infoErr, raw]] = results as [[Error | null, string | null], [Error | null, unknown[]]];
    if (epochErr) throw epochErr;
    const info: StreamInfo = { epoch, length: 0, entriesAdded: 0, firstId: null, lastGeneratedId: null };
    // No such key: nothing was ever published to this tenant in this epoch.
    if (infoErr) {
      if (/no such key/i.test(infoErr.message)) return info;
      throw infoErr;
    }
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i];
      const value = raw[i + 1];
      if (name === 'length') info.length = Number(value);
      else if (name === 'entries-added') info.entriesAdded = Number(value);
      else if (name === 'last-generated-id') info.lastGeneratedId = String(value);
      else if (name === 'first-entry' && Array.isArray(value)) info.firstId = String(value[0]);
    }
    return info;
  }

  async lastId(tenant: string): Promise<string | null> {
    try {
      return await this.redis.get(this.keys.lastId(tenant));
    } catch (err) {
      throw new RedisUnavailableError(this.options.url, err, 'the last event id cannot be read');
    }
  }

  async health(): Promise<BusHealth> {
    try {
      await this.redis.ping();
      return { ok: true };
    } catch (err) {
      return {
        ok: false,
        message: `Redis at ${redactUrl(this.options.url)} is unreachable (${(err as Error).message}): events cannot be stored or streamed; open streams resume when it is back.`,
      };
    }
  }

  stats(): BusStats {
    return {
      readLoopUp: this.counters.readLoopUp,
      readLoopRestarts: this.counters.readLoopRestarts,
      lagSeconds: this.counters.lagSeconds,
      sinceLastReadSeconds: this.counters.lastReadAt === 0 ? 0 : (Date.now() - this.counters.lastReadAt) / 1000,
      connectionUp: this.redis.status === 'ready' ? 1 : 0,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.taps.clear();
    // Ends the blocked XREAD at once; the loop sees `closed` and returns.
    this.reader.disconnect();
    await this.loopDone;
    try {
      await this.redis.quit();
    } catch {
      // Already disconnected (Redis away): nothing left to flush.
      this.redis.disconnect();
    }
  }

  // ---- the read loop ------------------------------------------------------------------------

  /** Sets every cursor to the newest entry, so the loop delivers what is appended from now on. */
  private async initCursors(): Promise<void> {
    const k = this.keys;
    // The control cursor first: a tenant created after it is announced there, one created before is in the set.
    const control = (await this.redis.xrevrange(k.control, '+', '-', 'COUNT', 1)) as StreamEntry[];
    this.cursors.clear();
    this.cursors.set(k.control, control[0]?.[0] ?? `${this._epoch}-0`);
    const tenants = await this.redis.smembers(k.tenants);
    if (tenants.length === 0) return;
    const lastIds = await this.redis.mget(tenants.map((t) => k.lastId(t)));
    tenants.forEach((t, i) => this.cursors.set(k.stream(t), lastIds[i] ?? `${this._epoch}-0`));
  }

  private startLoop(): void {
    this.loopDone = this.readLoop().catch((err: unknown) => {
      // readLoop catches per read; landing here is a bug. Keep the instance serving: start over.
      this.counters.readLoopUp = 0;
      this.counters.readLoopRestarts += 1;
      this.log?.error({ err }, 'Redis read loop died; restarting it');
      if (!this.closed) setTimeout(() => this.startLoop(), LOOP_RESTART_MS).unref();
    });
  }

  private async readLoop(): Promise<void> {
    let failing = false;
    let failures = 0;
    while (!this.closed) {
      try {
        if (this.checkEpochNext) {
          this.noteEpoch(await this.currentEpoch());
          this.checkEpochNext = false;
        }
        await this.readOnce();
        this.counters.readLoopUp = 1;
        this.counters.lastReadAt = Date.now();
        if (failing) this.log?.info({ failures }, 'Redis read loop reading again; live streams continue from their last id');
        failing = false;
        failures = 0;
      } catch (err) {
        if (this.closed) return;
        this.counters.readLoopUp = 0;
        this.counters.readLoopRestarts += 1;
        failures += 1;
        if (!failing) {
          this.log?.warn({ err: (err as Error).message }, 'Redis read loop failed; retrying (open streams stay open and resume when Redis is back)');
        }
        failing = true;
        // A timed-out blocking read means a dead connection nobody noticed: drop it and reconnect.
        if (/timed out/i.test((err as Error).message) && this.reader.status === 'ready') this.reader.disconnect(true);
        // Redis may have restarted without its data: look at the epoch before delivering anything.
        this.checkEpochNext = true;
        await sleep(Math.min(100 * failures, RECONNECT_MAX_DELAY_MS));
      }
    }
  }

  private async currentEpoch(): Promise<string> {
    const epoch = (await this.reader.get(this.keys.epoch)) ?? (await this.scripts.ensureEpoch(this.keys.epoch));
    return epoch;
  }

  private async readOnce(): Promise<void> {
    const keys = [...this.cursors.keys()];
    const ids = keys.map((key) => this.cursors.get(key) as string);
    const reply = (await this.reader.xread('COUNT', READ_BATCH_COUNT, 'BLOCK', this.blockMs, 'STREAMS', ...keys, ...ids)) as XReadReply;
    if (this.closed) return;
    if (reply === null) {
      // Idle: a good moment to notice a flush nobody has published into yet.
      this.checkEpochNext = true;
      return;
    }
    const streamPrefix = this.keys.stream('');
    for (const [key, entries] of reply) {
      if (entries.length === 0) continue;
      // An entry of another epoch: Redis lost its data; switch before delivering anything of it.
      const entryEpoch = field((entries[0] as StreamEntry)[1], 'e');
      if (entryEpoch !== undefined && entryEpoch !== this._epoch) {
        // Epochs are Redis clock readings: a newer one means a flush this instance has not seen yet
        // (switch, then read again from the new epoch); an older one is a leftover read before a switch.
        if (Number(entryEpoch) > Number(this._epoch) && this.noteEpoch(entryEpoch)) return;
        continue;
      }
      this.cursors.set(key, (entries[entries.length - 1] as StreamEntry)[0]);
      if (key === this.keys.control) {
        this.onControl(entries);
        continue;
      }
      const tenant = key.slice(streamPrefix.length);
      const events: BusEvent[] = [];
      for (const entry of entries) {
        const event = this.toEvent(entry);
        if (event) events.push(event);
      }
      if (events.length > 0) this.deliver(tenant, events);
    }
  }

  private onControl(entries: readonly StreamEntry[]): void {
    for (const [, fields] of entries) {
      const kind = field(fields, 'k');
      const value = field(fields, 'v');
      if (kind === undefined || value === undefined) continue;
      if (kind === 'tenant') {
        const key = this.keys.stream(value);
        if (!this.cursors.has(key)) this.cursors.set(key, `${this._epoch}-0`);
        continue;
      }
      for (const listener of this.signalListeners) {
        try {
          listener(kind, value);
        } catch (err) {
          this.log?.error({ err, kind }, 'a bus signal listener failed');
        }
      }
    }
  }

  private deliver(tenant: string, events: readonly BusEvent[]): void {
    const newest = parseEventId((events[events.length - 1] as BusEvent).id);
    if (newest) this.counters.lagSeconds = Math.max(0, Date.now() - newest[0]) / 1000;
    // Listener failures are isolated: one bad subscriber must not stop the loop for everyone.
    for (const tap of this.taps) {
      try {
        tap(tenant, events);
      } catch (err) {
        this.log?.error({ err, tenant }, 'a bus tap failed');
      }
    }
    const set = this.listeners.get(tenant);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(events);
      } catch (err) {
        this.log?.error({ err, tenant }, 'a bus listener failed');
      }
    }
  }

  private toEvent([id, fields]: StreamEntry): BusEvent | null {
    const type = field(fields, 't');
    const data = field(fields, 'd');
    if (type === undefined || data === undefined) return null;
    try {
      return { id, type, data: JSON.parse(data) } as BusEvent;
    } catch {
      // Only fleetwire writes these streams; an unreadable entry is skipped rather than stopping delivery.
      this.log?.error({ id }, 'skipped a stream entry whose data is not JSON');
      return null;
    }
  }

  /**
   * Records the current epoch. When it changed, every cursor restarts at the new epoch and the
   * listeners (streams, fleet store) are told; returns true then.
   */
  private noteEpoch(epoch: string): boolean {
    if (!epoch || epoch === this._epoch) return false;
    const previous = this._epoch;
    this._epoch = epoch;
    for (const key of this.cursors.keys()) this.cursors.set(key, `${epoch}-0`);
    this.log?.warn({ previous, epoch }, 'Redis lost its data (flushed, or restarted without persistence): new epoch; streams reset');
    for (const listener of this.epochListeners) {
      try {
        listener(epoch, previous);
      } catch (err) {
        this.log?.error({ err }, 'an epoch listener failed');
      }
    }
    return true;
  }
}
