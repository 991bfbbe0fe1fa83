/**
 * The fleet hub: owns the one `/api/stream` connection of a browser, the registry of attached tabs,
 * persistence and fan-out. Transport-agnostic: a SharedWorker (shared-worker.ts) and a leader tab
 * (leader.ts) host the same class with their own links.
 */
import { compareEventIds, type StreamEvent, type StreamEventType } from '../shared/events';
import { sameOperator, type Alert, type FleetSnapshot, type Me, type Telemetry, type TruckSnapshot } from '../shared/fleet';
import {
  DEFAULT_PREFS,
  type Diagnostics,
  type HubCalls,
  type HubKind,
  type HubToTab,
  type MessageOf,
  type Prefs,
  type StreamStatus,
  type TabToHub,
  type TruckState,
} from '../shared/protocol';
import { applyStreamEvent, fleetStateFrom, RECENT_PER_TRUCK, snapshotOf, truckIdOf, type FleetState } from '../shared/fleet-state';
import type { HistoryPage } from '../shared/samples';
import { MemoryStorage, type HubStorage } from './storage';
import { backoffDelayMs, type StreamTransport } from './stream';

/**
 * Events are handed to tabs in batches, one message per batch: whatever arrived before the hub's
 * next turn, which is every event of one read from the stream. Waiting any longer for more only
 * delays them: a flood brings bigger reads, so batches grow by themselves.
 */
export const FANOUT_DELAY_MS = 0;
/** Persisted at least this often; one IndexedDB transaction per flush. */
export const PERSIST_DELAY_MS = 200;
/** A flush starts early when this many events wait, so bursts do not build a large transaction. */
export const PERSIST_MAX_PENDING = 1_000;
/** Batches a tab may have unacknowledged before the hub queues for it instead of posting. */
export const MAX_INFLIGHT_BATCHES = 8;
/** Events queued for a tab that stopped acknowledging; beyond this it gets a fresh snapshot instead. */
export const MAX_QUEUED_EVENTS = 5_000;
/** With no tab left, the stream stays open this long: a tab navigating to another route comes back. */
export const IDLE_CLOSE_MS = 10_000;
/** History is pruned this often. */
export const PRUNE_INTERVAL_MS = 60_000;
/** Pause between closing the stream and handing it to another build's hub (see shutdown()). */
export const STREAM_HANDOVER_GRACE_MS = 250;
/** Events-per-second figure is averaged over this window. */
const RATE_WINDOW_MS = 10_000;

/** Sends messages to one attached tab. */
export interface TabLink {
  post(message: HubToTab): void;
}

/** What the host provides: the browser APIs, or fakes of them in tests. */
export interface HubEnvironment {
  kind: HubKind;
  version: string;
  transport: StreamTransport;
  /** Opens persistent storage; rejects when it is unavailable (the hub then keeps state in memory). */
  openStorage(name: string): Promise<HubStorage>;
  fetch: typeof fetch;
  /** Resolves when the Web Lock a tab holds for its lifetime is released (tab closed or crashed). */
  watchTab(lockName: string, signal: AbortSignal): Promise<void>;
  /** Bytes the origin stores, when the browser tells. */
  estimateStorage(): Promise<number | null>;
  /** Sends one message to several tabs at once (one BroadcastChannel post instead of many). */
  postMany?(links: TabLink[], message: HubToTab): void;
  /** Called when no tab has been attached for IDLE_CLOSE_MS and the stream is closed. */
  onIdle?(): void;
  /**
   * Resolves once this hub may hold the browser's one stream, and keeps that right until `signal`
   * aborts; `onWanted` runs when another hub waits for it. Hubs of two builds (an update switching
   * windows one by one) then never stream at the same time. Without it the hub streams at once.
   */
  holdStream?(signal: AbortSignal, onWanted: () => void): Promise<void>;
  /** Whether the browser believes it is online. */
  isOnline?(): boolean;
  now?(): number;
  random?(): number;
  /** Origin the API is served from; defaults to the hub's own. */
  baseUrl?: string;
  /** The Web Lock this hub holds for its life, told to tabs in `welcome` so they notice its end. */
  hubLock?: string;
}

interface Tab {
  id: string;
  link: TabLink;
  /** null: every truck. */
  trucks: Set<string> | null;
  helloed: boolean;
  inflight: Set<number>;
  queue: StreamEvent[];
  needsResync: boolean;
  lockAbort: AbortController | null;
  calls: Map<string, AbortController>;
  /** Messages of one tab are handled in order, even when one of them waits for the session. */
  chain: Promise<void>;
  onDetach: (() => void) | undefined;
}

interface Session {
  me: Me;
  storage: HubStorage;
  /** False while the session was only prepared (stored view loaded) and no tab said hello yet. */
  streaming: boolean;
}

/** The hub core. One instance per SharedWorker or leader tab. */
export class FleetHub {
  private readonly _env: HubEnvironment;
  private readonly _tabs = new Map<TabLink, Tab>();
  private _session: Session | null = null;
  private _sessionReady: Promise<Session> | null = null;

  private _fleet: FleetState = fleetStateFrom([]);
  private _prefs: Prefs = DEFAULT_PREFS;
  private _epoch: string | null = null;
  private _lastEventId: string | null = null;
  private _status: StreamStatus;

  private _closeStream: (() => void) | null = null;
  private _reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private _attempt = 0;
  private _streamsOpened = 0;
  /** Bumped whenever the stream is (re)opened or closed: callbacks of an older stream are ignored. */
  private _streamGeneration = 0;
  /** This hub's turn to stream (env.holdStream): requested once, held until shutdown. */
  private _streamTurn: Promise<void> | null = null;
  private _streamTurnAbort: AbortController | null = null;
  private _streamTurnHeld = false;
  /** Another hub waits for the stream: hand it over as soon as no tab is left. */
  private _streamWanted = false;

  private _fanout: StreamEvent[] = [];
  /**
   * Trucks whose state object is the hub's own copy since the last fan-out: nothing outside holds
   * them (posting clones), so events update them in place instead of copying per event.
   */
  private _copied = new Set<string>();
  private _fanoutTimer: ReturnType<typeof setTimeout> | null = null;
  private _batchSeq = 0;
  private _pending: StreamEvent[] = [];
  private _dirty = new Set<string>();
  private _persistTimer: ReturnType<typeof setTimeout> | null = null;
  /** Storage operations run one after another, so a reset never interleaves with an append. */
  private _io: Promise<void> = Promise.resolve();
  /**
   * Writes of server history (`store-history`), one after another but apart from `_io`: a week of
   * samples takes the database seconds to write, and neither the stream's events nor a tab reading
   * its stored history wait for that. (What a tab handed over moments ago may be missing from such a
   * read; that tab holds it anyway.)
   */
  private _historyIo: Promise<void> = Promise.resolve();
  private _idleTimer: ReturnType<typeof setTimeout> | null = null;
  private _pruneTimer: ReturnType<typeof setInterval> | null = null;
  private _receivedAt: number[] = [];
  private _newestTelemetryTs: number | null = null;

  constructor(env: HubEnvironment) {
    this._env = env;
    this._status = {
      state: 'connecting',
      since: this._now(),
      lastHeardAt: null,
      retryAt: null,
      storage: 'indexeddb',
      storageError: null,
    };
  }

  /** Number of attached tabs that said hello. */
  get tabCount(): number {
    let n = 0;
    for (const tab of this._tabs.values()) if (tab.helloed) n += 1;
    return n;
  }

  /** Attaches a tab; returns the function that takes its messages. `onDetach` runs when it leaves. */
  attach(link: TabLink, onDetach?: () => void): (message: TabToHub) => void {
    const tab: Tab = {
      id: '',
      link,
      trucks: null,
      helloed: false,
      inflight: new Set(),
      queue: [],
      needsResync: false,
      lockAbort: null,
      calls: new Map(),
      chain: Promise.resolve(),
      onDetach,
    };
    this._tabs.set(link, tab);
    this._cancelIdle();
    return (message) => {
      tab.chain = tab.chain.then(() => this._onTabMessage(tab, message)).catch((error: unknown) => {
        console.error('fleetwire hub: a tab message failed', message.type, error);
      });
    };
  }

  /** Detaches a tab (goodbye, closed port, released lock). Safe to call twice. */
  detach(link: TabLink): void {
    const tab = this._tabs.get(link);
    if (!tab) return;
    this._tabs.delete(link);
    tab.lockAbort?.abort();
    for (const call of tab.calls.values()) call.abort();
    tab.queue = [];
    tab.onDetach?.();
    if (this._tabs.size === 0 && this._streamWanted) this._closeNow();
    else if (this._tabs.size === 0) this._scheduleIdle();
  }

  /** Closes the stream and flushes what waits to be stored; the hub can be used again afterwards. */
  async shutdown(): Promise<void> {
    this._stopStream();
    this._cancelIdle();
    if (this._pruneTimer) clearInterval(this._pruneTimer);
    this._pruneTimer = null;
    await this._flushPersist();
    await this._io;
    await this._historyIo;
    if (this._streamTurnHeld) {
      // Closing an EventSource reaches the server asynchronously; without a pause the next hub's
      // connection can arrive first, and for a moment the server holds two streams of this browser.
      await new Promise((resolve) => setTimeout(resolve, STREAM_HANDOVER_GRACE_MS));
    }
    // Last: the next hub to stream starts from everything this one stored.
    this._streamTurnAbort?.abort();
    this._streamTurnAbort = null;
    this._streamTurn = null;
    this._streamTurnHeld = false;
    this._streamWanted = false;
  }

  // ---- tabs -------------------------------------------------------------------------------

  private async _onTabMessage(tab: Tab, message: TabToHub): Promise<void> {
    if (!this._tabs.has(tab.link)) return;
    switch (message.type) {
      case 'hello':
        return this._onHello(tab, message);
      case 'prepare':
        return this._prepare(message.me);
      case 'subscribe':
        tab.trucks = message.trucks ? new Set(message.trucks) : null;
        return this._sendSnapshot(tab);
      case 'goodbye':
        return this.detach(tab.link);
      case 'ack':
        return this._onAck(tab, message.batch);
      case 'logout':
        return this._logout();
      case 'store-history':
        return this._storeHistory(message.truckId, message.body);
      case 'set-prefs':
        this._prefs = message.prefs;
        this._persistMeta('prefs', message.prefs);
        return this._postAll({ type: 'prefs', prefs: message.prefs });
      case 'call':
        return this._onCall(tab, message);
      case 'cancel-call':
        tab.calls.get(message.requestId)?.abort();
        return;
    }
  }

  private async _onHello(tab: Tab, hello: MessageOf<TabToHub, 'hello'>): Promise<void> {
    tab.id = hello.tabId;
    tab.trucks = hello.trucks ? new Set(hello.trucks) : null;
    const session = await this._ensureSession(hello.me);
    if (!this._tabs.has(tab.link) || this._session !== session) return;
    if (!session.streaming) {
      session.streaming = true;
      this._startStream();
    }
    tab.helloed = true;
    tab.link.post({
      type: 'welcome',
      hubKind: this._env.kind,
      status: this._status,
      epoch: this._epoch,
      lastEventId: this._lastEventId,
      trucks: this._trucksFor(tab),
      activeAlerts: [...this._fleet.activeAlerts.values()],
      prefs: this._prefs,
      hubLock: this._env.hubLock ?? null,
    });
    tab.lockAbort?.abort();
    const abort = new AbortController();
    tab.lockAbort = abort;
    this._env.watchTab(hello.lockName, abort.signal).then(
      () => {
        if (!abort.signal.aborted) this.detach(tab.link);
      },
      () => {
        // Aborted after a goodbye, or Web Locks unavailable: goodbye and port errors remain.
      },
    );
  }

  private _onAck(tab: Tab, batch: number): void {
    tab.inflight.delete(batch);
    if (tab.needsResync) {
      tab.needsResync = false;
      tab.queue = [];
      this._sendSnapshot(tab);
    } else if (tab.queue.length > 0 && tab.inflight.size < MAX_INFLIGHT_BATCHES) {
      const events = tab.queue;
      tab.queue = [];
      this._postBatch([tab], events);
    }
  }

  private async _onCall(tab: Tab, call: MessageOf<TabToHub, 'call'>): Promise<void> {
    const abort = new AbortController();
    tab.calls.set(call.requestId, abort);
    try {
      let result: HubCalls[keyof HubCalls]['result'];
      if (call.name === 'history') {
        const { truckId, since, until, limit } = call.args;
        result = await this._history(truckId, since ?? 0, until ?? Infinity, limit ?? Infinity);
      } else {
        result = await this._diagnostics();
      }
      if (abort.signal.aborted) return;
      tab.link.post({ type: 'reply', requestId: call.requestId, ok: true, result });
    } catch (error) {
      if (abort.signal.aborted) return;
      tab.link.post({ type: 'reply', requestId: call.requestId, ok: false, error: String(error) });
    } finally {
      tab.calls.delete(call.requestId);
    }
  }

  private async _history(truckId: string, since: number, until: number, limit: number): Promise<Telemetry[]> {
    const session = this._session;
    if (!session) return [];
    await this._flushPersist();
    await this._io;
    try {
      return await session.storage.history(truckId, since, until, limit);
    } catch {
      // Storage failed since: memory holds the recent part.
      return (this._fleet.trucks.get(truckId)?.recent ?? []).filter((t) => t.ts >= since && t.ts < until).slice(0, limit);
    }
  }

  /**
   * Stores a page of a truck's server history (a truck window loaded it) after what waits to be
   * stored. A failure loses only this cache of what the server keeps: it is logged, and neither the
   * stream's events nor the storage mode are affected (IdbStorage makes room once when full).
   */
  private _storeHistory(truckId: string, body: string): void {
    const session = this._session;
    if (!session) return;
    let samples: Telemetry[];
    try {
      const page = JSON.parse(body) as Partial<HistoryPage> | null;
      if (page?.truckId !== truckId || !Array.isArray(page.telemetry)) throw new Error(`not a history page of ${truckId}`);
      samples = page.telemetry.filter((t) => t?.truckId === truckId && typeof t.ts === 'number');
    } catch (error) {
      console.error('fleetwire hub: ignored a history page that cannot be read', error);
      return;
    }
    if (samples.length === 0) return;
    this._historyIo = this._historyIo
      .then(() => session.storage.storeHistory(truckId, samples))
      .catch((error: unknown) => console.error('fleetwire hub: could not store the history of', truckId, error));
  }

  private async _diagnostics(): Promise<Diagnostics> {
    const now = this._now();
    this._trimRate(now);
    let eventsStored = 0;
    try {
      eventsStored = (await this._session?.storage.countEvents()) ?? 0;
    } catch {
      // Counting is informative only.
    }
    return {
      hubKind: this._env.kind,
      version: this._env.version,
      tabs: this.tabCount,
      status: this._status,
      epoch: this._epoch,
      lastEventId: this._lastEventId,
      eventsPerSec: this._receivedAt.length / (RATE_WINDOW_MS / 1000),
      lagMs: this._newestTelemetryTs === null ? null : Math.max(0, now - this._newestTelemetryTs),
      bytesStored: await this._env.estimateStorage().catch(() => null),
      eventsStored,
      streamsOpened: this._streamsOpened,
    };
  }

  /** The states handed to a tab: from now on they are never mutated, whatever the host's post does. */
  private _trucksFor(tab: Tab): TruckState[] {
    this._copied.clear();
    if (!tab.trucks) return [...this._fleet.trucks.values()];
    const out: TruckState[] = [];
    for (const id of tab.trucks) {
      const truck = this._fleet.trucks.get(id);
      if (truck) out.push(truck);
    }
    return out;
  }

  private _sendSnapshot(tab: Tab): void {
    if (!tab.helloed) return;
    tab.link.post({
      type: 'snapshot',
      epoch: this._epoch,
      lastEventId: this._lastEventId,
      trucks: this._trucksFor(tab),
      activeAlerts: [...this._fleet.activeAlerts.values()],
    });
  }

  private _postAll(message: HubToTab): void {
    const links = [...this._tabs.values()].filter((t) => t.helloed).map((t) => t.link);
    if (links.length === 0) return;
    if (this._env.postMany) this._env.postMany(links, message);
    else for (const link of links) link.post(message);
  }

  private _scheduleIdle(): void {
    this._cancelIdle();
    this._idleTimer = setTimeout(() => {
      this._idleTimer = null;
      if (this._tabs.size > 0) return;
      void this.shutdown().then(() => this._env.onIdle?.());
    }, IDLE_CLOSE_MS);
  }

  /** No tab is left and another build's hub waits for the stream: give it up now, not after IDLE_CLOSE_MS. */
  private _closeNow(): void {
    this._cancelIdle();
    void this.shutdown().then(() => {
      if (this._tabs.size === 0) this._env.onIdle?.();
      // A tab came back while the stream was handed over: queue for the next turn.
      else if (this._session?.streaming) this._startStream();
    });
  }

  private _onStreamWanted(): void {
    this._streamWanted = true;
    if (this._tabs.size === 0) this._closeNow();
  }

  /** Resolves when this hub may stream (at once without env.holdStream). */
  private _waitForStreamTurn(): Promise<void> | null {
    const hold = this._env.holdStream;
    if (!hold || this._streamTurnHeld) return null;
    if (!this._streamTurn) {
      const abort = new AbortController();
      this._streamTurnAbort = abort;
      this._streamTurn = hold(abort.signal, () => this._onStreamWanted()).then(() => {
        if (!abort.signal.aborted) this._streamTurnHeld = true;
      });
    }
    return this._streamTurn;
  }

  private _cancelIdle(): void {
    if (this._idleTimer) clearTimeout(this._idleTimer);
    this._idleTimer = null;
  }

  // ---- session ----------------------------------------------------------------------------

  private _ensureSession(me: Me): Promise<Session> {
    if (this._sessionReady && this._session && sameOperator(this._session.me, me)) return this._sessionReady;
    if (this._sessionReady && !this._session) {
      // A session is being opened; a hello for another user waits for it, then replaces it.
      return this._sessionReady.then((s) => (sameOperator(s.me, me) ? s : this._switchUser(me)));
    }
    return this._switchUser(me);
  }

  /**
   * Opens an operator's stored view ahead of their tab's hello, when no session is open yet. A
   * session already open (of anyone) is left alone: only a hello may switch operators.
   */
  private async _prepare(me: Me): Promise<void> {
    if (this._session || this._sessionReady) return;
    await this._ensureSession(me);
  }

  private _switchUser(me: Me): Promise<Session> {
    if (this._session) {
      // Someone else logged in in this browser: tabs of the previous operator go back to login.
      const previous = this._session;
      this._endSession();
      // Writes of the previous operator still queued finish first, into their own database.
      void Promise.all([this._io, this._historyIo]).then(() => previous.storage.close());
      for (const tab of this._tabs.values()) {
        if (tab.helloed) {
          tab.helloed = false;
          tab.link.post({ type: 'logged-out', reason: 'logout' });
        }
      }
    }
    this._sessionReady = this._openSession(me);
    return this._sessionReady;
  }

  private async _openSession(me: Me): Promise<Session> {
    const name = `fleetwire:${me.tenant}:${me.username}`;
    let storage: HubStorage;
    try {
      storage = await this._env.openStorage(name);
      this._status = { ...this._status, storage: storage.mode, storageError: null };
    } catch (error) {
      storage = new MemoryStorage();
      this._status = { ...this._status, storage: 'memory', storageError: `IndexedDB unavailable: ${String(error)}` };
    }
    let stored;
    try {
      stored = await storage.load(RECENT_PER_TRUCK);
    } catch (error) {
      storage.close();
      storage = new MemoryStorage();
      this._status = { ...this._status, storage: 'memory', storageError: `IndexedDB unreadable: ${String(error)}` };
      stored = await storage.load(RECENT_PER_TRUCK);
    }
    this._fleet = fleetStateFrom(stored.trucks.map((t) => ({ ...t, recent: stored.recent.get(t.id) ?? [] })));
    this._prefs = stored.prefs ?? DEFAULT_PREFS;
    this._epoch = stored.epoch;
    this._lastEventId = stored.lastEventId;
    // The stream starts with the first hello (_onHello): a prepared session only reads storage.
    const session: Session = { me, storage, streaming: false };
    this._session = session;
    this._attempt = 0;
    this._pruneTimer ??= setInterval(() => this._prune(), PRUNE_INTERVAL_MS);
    return session;
  }

  private _endSession(): void {
    this._stopStream();
    if (this._persistTimer) clearTimeout(this._persistTimer);
    if (this._fanoutTimer) clearTimeout(this._fanoutTimer);
    this._persistTimer = null;
    this._fanoutTimer = null;
    this._pending = [];
    this._dirty.clear();
    this._fanout = [];
    this._session = null;
    this._sessionReady = null;
    this._fleet = fleetStateFrom([]);
    this._epoch = null;
    this._lastEventId = null;
  }

  private async _logout(): Promise<void> {
    const session = this._session;
    this._endSession();
    try {
      await this._env.fetch(this._url('/api/session'), { method: 'DELETE', credentials: 'same-origin' });
    } catch {
      // Offline: the local data is still wiped below; the server cookie expires on its own.
    }
    if (session) {
      await this._io;
      await this._historyIo;
      await session.storage.destroy().catch((error: unknown) => {
        console.error('fleetwire hub: could not delete the database', error);
      });
    }
    this._postAll({ type: 'logged-out', reason: 'logout' });
    for (const tab of this._tabs.values()) tab.helloed = false;
  }

  private _expire(): void {
    const session = this._session;
    this._postAll({ type: 'logged-out', reason: 'expired' });
    for (const tab of this._tabs.values()) tab.helloed = false;
    // What was received is stored before the session ends: the stored view stays until another
    // operator logs in (design.md).
    const flushed = Promise.all([this._flushPersist(), this._historyIo]);
    this._endSession();
    void flushed.then(() => session?.storage.close());
  }

  // ---- stream -----------------------------------------------------------------------------

  private _url(path: string): string {
    return new URL(path, this._env.baseUrl ?? globalThis.location?.href).toString();
  }

  private _startStream(): void {
    this._stopStream();
    const generation = ++this._streamGeneration;
    const turn = this._waitForStreamTurn();
    if (turn) {
      // Another build's hub still streams (an update in progress): start once it has let go.
      turn.then(
        () => {
          if (generation === this._streamGeneration && this._session) this._startStream();
        },
        () => {
          // Aborted by shutdown: nothing to start.
        },
      );
      return;
    }
    const resumeFrom = this._lastEventId;
    if (!resumeFrom) {
      // Nothing stored yet: take a snapshot first, then stream from exactly after it.
      void this._fetchSnapshot().then(
        (snapshot) => {
          if (generation !== this._streamGeneration) return;
          this._applySnapshot(snapshot);
          this._openStream(generation, this._lastEventId);
        },
        (error: unknown) => {
          if (generation !== this._streamGeneration) return;
          this._onStreamFailure(generation, error);
        },
      );
      return;
    }
    this._openStream(generation, resumeFrom);
  }

  private async _fetchSnapshot(): Promise<FleetSnapshot> {
    const response = await this._env.fetch(this._url('/api/fleet'), { credentials: 'same-origin' });
    if (response.status === 401) throw new SessionExpiredError();
    if (!response.ok) throw new Error(`GET /api/fleet answered ${response.status}`);
    return (await response.json()) as FleetSnapshot;
  }

  private _openStream(generation: number, lastEventId: string | null): void {
    const url = new URL(this._url('/api/stream'));
    // EventSource sends Last-Event-ID only on its own reconnects; a new hub passes the stored id itself.
    if (lastEventId) url.searchParams.set('lastEventId', lastEventId);
    this._setStatus({ state: this._attempt === 0 ? 'connecting' : 'reconnecting', retryAt: null });
    this._streamsOpened += 1;
    this._closeStream = this._env.transport.open(url.toString(), {
      onOpen: () => {
        if (generation !== this._streamGeneration) return;
        this._attempt = 0;
        this._setStatus({ state: 'live', lastHeardAt: this._now(), retryAt: null });
      },
      onEvent: (type, id, data) => {
        if (generation !== this._streamGeneration) return;
        this._onStreamEvent(type, id, data);
      },
      onError: () => {
        if (generation !== this._streamGeneration) return;
        this._closeStream = null;
        this._onStreamFailure(generation, null);
      },
    });
  }

  private _onStreamFailure(generation: number, error: unknown): void {
    if (error instanceof SessionExpiredError) return this._expire();
    // Tell a dead network, an expired session and a server hiccup apart: they read differently.
    void this._probeSession().then((probe) => {
      if (generation !== this._streamGeneration) return;
      if (probe === 'expired') return this._expire();
      const delay = backoffDelayMs(this._attempt, this._env.random);
      this._attempt += 1;
      const offline = probe === 'offline' || this._env.isOnline?.() === false;
      this._setStatus({ state: offline ? 'offline' : 'reconnecting', retryAt: this._now() + delay });
      this._reconnectTimer = setTimeout(() => {
        this._reconnectTimer = null;
        if (generation === this._streamGeneration) this._startStream();
      }, delay);
    });
  }

  private async _probeSession(): Promise<'ok' | 'expired' | 'offline'> {
    try {
      const response = await this._env.fetch(this._url('/api/me'), { credentials: 'same-origin', cache: 'no-store' });
      return response.status === 401 ? 'expired' : 'ok';
    } catch {
      return 'offline';
    }
  }

  /** Tries again now (the browser came back online). */
  reconnectNow(): void {
    if (!this._session || this._status.state === 'live' || !this._reconnectTimer) return;
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = null;
    this._attempt = 0;
    this._startStream();
  }

  private _stopStream(): void {
    this._streamGeneration += 1;
    this._closeStream?.();
    this._closeStream = null;
    if (this._reconnectTimer) clearTimeout(this._reconnectTimer);
    this._reconnectTimer = null;
  }

  private _setStatus(patch: Partial<StreamStatus>): void {
    const next = { ...this._status, ...patch };
    if (patch.state && patch.state !== this._status.state) next.since = this._now();
    this._status = next;
    this._postAll({ type: 'status', status: next });
  }

  private _onStreamEvent(type: StreamEventType, id: string, raw: string): void {
    const now = this._now();
    this._status = { ...this._status, lastHeardAt: now };
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      console.error('fleetwire hub: ignored an event whose data is not JSON', type, id);
      return;
    }
    if (type === 'reset') return this._applySnapshot(data as FleetSnapshot);
    // Exactly once: a resumed stream or a new leader may replay what this hub already has.
    if (this._lastEventId && compareEventIds(id, this._lastEventId) <= 0) return;
    const event = { id, type, data } as StreamEvent;
    this._lastEventId = id;
    this._receivedAt.push(now);
    if (this._receivedAt.length > 4_096) this._trimRate(now);
    // An alert event also comes when someone acknowledges an active alert: notified once, when new.
    const raised = event.type === 'alert' && event.data.state === 'active' && !event.data.ackedBy && !this._fleet.activeAlerts.has(event.data.id);
    const truckId = applyStreamEvent(this._fleet, event, this._copied);
    if (truckId) this._dirty.add(truckId);
    if (event.type === 'telemetry') this._newestTelemetryTs = Math.max(this._newestTelemetryTs ?? 0, event.data.ts);
    else if (raised && event.type === 'alert') this._notify(event.data);
    this._fanout.push(event);
    this._pending.push(event);
    this._fanoutTimer ??= setTimeout(() => this._flushFanout(), FANOUT_DELAY_MS);
    if (this._pending.length >= PERSIST_MAX_PENDING) void this._flushPersist();
    else this._persistTimer ??= setTimeout(() => void this._flushPersist(), PERSIST_DELAY_MS);
  }

  private _trimRate(now: number): void {
    const from = now - RATE_WINDOW_MS;
    let i = 0;
    while (i < this._receivedAt.length && (this._receivedAt[i] ?? 0) < from) i += 1;
    if (i > 0) this._receivedAt.splice(0, i);
  }

  private _applySnapshot(received: FleetSnapshot): void {
    // An empty bus has no last id: `<epoch>-0` stands for "before everything of this epoch", so an
    // event published before the stream starts, or before a later hub resumes from what this one
    // stored, is not missed.
    const snapshot = { ...received, lastEventId: received.lastEventId ?? `${received.epoch}-0` };
    // A reset replaces everything: pending events belong to the old state and are dropped.
    if (this._fanoutTimer) clearTimeout(this._fanoutTimer);
    this._fanoutTimer = null;
    this._fanout = [];
    this._pending = [];
    this._dirty.clear();
    this._fleet = fleetStateFrom(snapshot.trucks);
    this._copied.clear();
    this._epoch = snapshot.epoch;
    this._lastEventId = snapshot.lastEventId;
    for (const tab of this._tabs.values()) {
      tab.queue = [];
      tab.needsResync = false;
      this._sendSnapshot(tab);
    }
    const session = this._session;
    if (session) this._enqueueIo(session, () => session.storage.replace(snapshot));
  }

  // ---- fan-out ----------------------------------------------------------------------------

  private _flushFanout(): void {
    this._fanoutTimer = null;
    this._copied.clear();
    const events = this._fanout;
    this._fanout = [];
    if (events.length === 0) return;
    // Tabs that want every truck get the very same batch: one postMany, one structured clone per tab.
    const everyone: Tab[] = [];
    for (const tab of this._tabs.values()) {
      if (!tab.helloed) continue;
      const mine = tab.trucks ? events.filter((e) => this._wants(tab, e)) : events;
      if (mine.length === 0) continue;
      if (tab.inflight.size >= MAX_INFLIGHT_BATCHES || tab.queue.length > 0 || tab.needsResync) {
        this._queueFor(tab, mine);
      } else if (tab.trucks) {
        this._postBatch([tab], mine);
      } else {
        everyone.push(tab);
      }
    }
    if (everyone.length > 0) this._postBatch(everyone, events);
  }

  /**
   * A new alert becomes one system notification: the hub hears it once, so it asks one tab to show
   * it. Tabs cannot agree among themselves: localStorage is not consistent across processes, so even
   * behind a Web Lock two of them showed the same alert. The tab chosen is one keeping up, so the
   * notification is not held behind a backlog.
   */
  private _notify(alert: Alert): void {
    let chosen: Tab | null = null;
    let chosenLag = Infinity;
    for (const tab of this._tabs.values()) {
      if (!tab.helloed) continue;
      const lag = tab.inflight.size + (tab.queue.length > 0 || tab.needsResync ? MAX_INFLIGHT_BATCHES : 0);
      if (lag < chosenLag) {
        chosen = tab;
        chosenLag = lag;
      }
    }
    // Named here: the chosen tab may show another truck, and only the hub holds every truck.
    const truckName = this._fleet.trucks.get(alert.truckId)?.name ?? alert.truckId;
    chosen?.link.post({ type: 'notify', alert, truckName });
  }

  private _wants(tab: Tab, event: StreamEvent): boolean {
    // Every tab hears of every alert: toasts and the alert count span the whole fleet.
    if (event.type === 'alert') return true;
    const truckId = truckIdOf(event);
    return truckId !== null && (tab.trucks === null || tab.trucks.has(truckId));
  }

  private _queueFor(tab: Tab, events: StreamEvent[]): void {
    if (tab.needsResync) return;
    tab.queue.push(...events);
    if (tab.queue.length > MAX_QUEUED_EVENTS) {
      // The tab is not keeping up (throttled, frozen or busy): drop its backlog; it gets a
      // snapshot when it acknowledges again, so memory stays bounded and the tab ends up current.
      tab.queue = [];
      tab.needsResync = true;
    }
  }

  private _postBatch(tabs: Tab[], events: StreamEvent[]): void {
    const batch = ++this._batchSeq;
    const message: HubToTab = { type: 'events', batch, events };
    for (const tab of tabs) tab.inflight.add(batch);
    if (tabs.length > 1 && this._env.postMany) this._env.postMany(tabs.map((t) => t.link), message);
    else for (const tab of tabs) tab.link.post(message);
  }

  // ---- persistence ------------------------------------------------------------------------

  /** Queues a storage operation of `session`; its failure concerns that session only. */
  private _enqueueIo(session: Session, work: () => Promise<void>): Promise<void> {
    const run = this._io.then(work).catch((error: unknown) => this._onStorageError(session, error));
    this._io = run;
    return run;
  }

  private _flushPersist(): Promise<void> {
    if (this._persistTimer) clearTimeout(this._persistTimer);
    this._persistTimer = null;
    const session = this._session;
    if (!session || !this._lastEventId || (this._pending.length === 0 && this._dirty.size === 0)) return this._io;
    const events = this._pending;
    const trucks: TruckSnapshot[] = [];
    for (const id of this._dirty) {
      const t = this._fleet.trucks.get(id);
      if (t) trucks.push(snapshotOf(t));
    }
    const lastEventId = this._lastEventId;
    this._pending = [];
    this._dirty = new Set();
    // Written to the session's own storage even if the session has ended since (expiry, another
    // operator): those events were accepted for it. Logout empties `_pending` before deleting.
    return this._enqueueIo(session, async () => {
      try {
        await session.storage.append({ events, trucks, lastEventId });
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        // Full: make room once, then try again before giving up on persistence.
        await session.storage.prune();
        await session.storage.append({ events, trucks, lastEventId });
      }
    });
  }

  private _persistMeta<K extends 'prefs'>(key: K, value: Prefs): void {
    const session = this._session;
    if (!session) return;
    this._enqueueIo(session, () => session.storage.setMeta(key, value));
  }

  private _prune(): void {
    const session = this._session;
    if (session) this._enqueueIo(session, () => session.storage.prune());
  }

  private _onStorageError(session: Session, error: unknown): void {
    if (session !== this._session || session.storage.mode === 'memory') {
      console.error('fleetwire hub: storage failed', error);
      return;
    }
    // Keep working from memory and say so; never lose the live view because storage failed.
    console.error('fleetwire hub: IndexedDB failed, keeping state in memory', error);
    session.storage.close();
    const seeded = new MemoryStorage({
      epoch: this._epoch,
      lastEventId: this._lastEventId,
      trucks: [...this._fleet.trucks.values()].map(snapshotOf),
      recent: new Map([...this._fleet.trucks].map(([id, t]) => [id, t.recent])),
      prefs: this._prefs,
    });
    session.storage = seeded;
    const reason = isQuotaError(error) ? 'storage is full' : String(error);
    this._setStatus({ storage: 'memory', storageError: `IndexedDB: ${reason}` });
  }

  private _now(): number {
    return this._env.now ? this._env.now() : Date.now();
  }
}

/** The session cookie is no longer valid. */
class SessionExpiredError extends Error {
  constructor() {
    super('session expired');
    this.name = 'SessionExpiredError';
  }
}

function isQuotaError(error: unknown): boolean {
  return error instanceof DOMException ? error.name === 'QuotaExceededError' : false;
}
