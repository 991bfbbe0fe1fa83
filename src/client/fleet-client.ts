/** What a tab imports to see the fleet: state mirrored from the hub, typed events, a few calls. */
import { compareEventIds } from '../shared/events';
import type { Alert, Me, Telemetry } from '../shared/fleet';
import { applyStreamEvent, fleetStateFrom, snapshotOf, type FleetState } from '../shared/fleet-state';
import { firstAtOrAfter } from '../shared/samples';
import {
  DEFAULT_PREFS,
  type Diagnostics,
  type HubCallName,
  type HubCalls,
  type HubToTab,
  type MessageOf,
  type Prefs,
  type StreamStatus,
  type TabToHub,
  type TruckState,
} from '../shared/protocol';
import type { FleetClientApi, FleetClientEventMap } from './api';
import { connectHub, type HubConnection } from './connection';
import { STORED_PAGE_SAMPLES, loadWindows, readPages, type HistoryPager } from './history';
import { fetchAlerts, fetchHistoryPage, postAck } from './server-api';
import { saveLastView, type StoredView } from './saved-view';

/**
 * Whether a time-ordered series holds a sample at every time of `page` (oldest first): the same
 * number of samples between its first and last time, every one of its times among them.
 */
function holdsAll(series: readonly Telemetry[], page: readonly Telemetry[]): boolean {
  const first = page[0];
  const last = page[page.length - 1];
  if (!first || !last) return true;
  const from = firstAtOrAfter(series, first.ts);
  const to = firstAtOrAfter(series, last.ts + 1);
  if (to - from !== page.length) return false;
  for (let i = 0; i < page.length; i++) if ((series[from + i] as Telemetry).ts !== (page[i] as Telemetry).ts) return false;
  return true;
}

/** How long logout waits for the hub before the tab leaves anyway. */
const LOGOUT_TIMEOUT_MS = 5_000;

/** Options of connectFleet(). */
export interface FleetClientOptions {
  /** Trucks this tab shows; null for every truck of the tenant. */
  trucks: string[] | null;
  /** The build's version: tabs of one version share one hub. */
  version: string;
  /** For tests: a hub connection other than the browser's default. */
  connect?: (version: string, tabId: string) => HubConnection;
  /** The stored view read while the page started (preconnect.ts): shown until the hub's welcome. */
  storedView?: Promise<StoredView | null> | null;
}

type Listener<K extends keyof FleetClientEventMap> = (detail: FleetClientEventMap[K]) => void;

interface PendingCall {
  /** Sent again to a new hub: the one it went to may have died before answering. */
  message: TabToHub;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

/** A tab's view of the fleet through the hub. */
export class FleetClient implements FleetClientApi {
  readonly me: Me;
  ready = false;
  status: StreamStatus = {
    state: 'connecting',
    since: Date.now(),
    lastHeardAt: null,
    retryAt: null,
    storage: 'indexeddb',
    storageError: null,
  };
  prefs: Prefs = DEFAULT_PREFS;
  lastEventId: string | null = null;

  private _fleet: FleetState = fleetStateFrom([]);
  private _subscription: string[] | null;
  private readonly _version: string;
  private readonly _tabId = crypto.randomUUID();
  private readonly _lockName: string;
  private readonly _connect: (version: string, tabId: string) => HubConnection;
  private _connection: HubConnection | null = null;
  private _releaseLock: (() => void) | null = null;
  private readonly _listeners = new Map<keyof FleetClientEventMap, Set<(detail: never) => void>>();
  private readonly _calls = new Map<string, PendingCall>();
  private _callSeq = 0;
  private _closed = false;
  /** Messages sent before the hub connection exists; sent right after hello. */
  private _outbox: TabToHub[] = [];

  constructor(me: Me, options: FleetClientOptions) {
    this.me = me;
    this._subscription = options.trucks;
    this._version = options.version;
    this._connect = options.connect ?? connectHub;
    this._lockName = `fleetwire-tab:${this._tabId}`;
    addEventListener('pagehide', this._onPageHide);
    addEventListener('pageshow', this._onPageShow);
    document.addEventListener('visibilitychange', this._onVisibilityChange);
    void this._start();
    options.storedView?.then(
      (view) => {
        if (view) this._showStored(view);
      },
      () => undefined,
    );
  }

  get trucks(): ReadonlyMap<string, TruckState> {
    return this._fleet.trucks;
  }

  get activeAlerts(): ReadonlyMap<string, Alert> {
    return this._fleet.activeAlerts;
  }

  subscribe(truckIds: string[] | null): void {
    this._subscription = truckIds;
    this._send({ type: 'subscribe', trucks: truckIds });
  }

  get canAck(): boolean {
    // An unknown role (a server that does not say) may try: the server answers 403 if not allowed.
    return this.me.role !== 'viewer';
  }

  async ackAlert(alertId: string): Promise<Alert> {
    const alert = await postAck(alertId);
    this._applyAck(alert);
    return alert;
  }

  alerts(query: { state?: 'active' | 'all'; truckId?: string; limit?: number; signal?: AbortSignal } = {}): Promise<Alert[]> {
    const { signal, ...rest } = query;
    return fetchAlerts(rest, signal);
  }

  setPrefs(prefs: Prefs): void {
    this._send({ type: 'set-prefs', prefs });
  }

  logout(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, LOGOUT_TIMEOUT_MS);
      const off = this.addEventListener('logged-out', done);
      function done() {
        clearTimeout(timer);
        off();
        resolve();
      }
      this._send({ type: 'logout' });
    });
  }

  history(truckId: string, options: { since?: number; until?: number; limit?: number; signal?: AbortSignal } = {}): Promise<Telemetry[]> {
    const { signal, ...range } = options;
    // Infinity does not survive postMessage's JSON path: an absent bound means none.
    const args: HubCalls['history']['args'] = { truckId };
    if (range.since !== undefined) args.since = range.since;
    if (range.until !== undefined && Number.isFinite(range.until)) args.until = range.until;
    if (range.limit !== undefined && Number.isFinite(range.limit)) args.limit = range.limit;
    return this._call('history', args, signal);
  }

  storedHistory(truckId: string, range: { since: number; until?: number }, options: { signal?: AbortSignal } = {}): Promise<Telemetry[]> {
    return readPages(
      (page, signal) => this.history(truckId, { ...page, signal }),
      { since: range.since, until: range.until ?? Number.MAX_SAFE_INTEGER },
      { signal: options.signal, limit: STORED_PAGE_SAMPLES },
    );
  }

  serverHistory(
    truckId: string,
    range: { since: number; until: number },
    options: { signal?: AbortSignal; onProgress?: (loaded: number) => void; stored?: readonly Telemetry[] } = {},
  ): Promise<Telemetry[]> {
    const stored = options.stored ?? [];
    const pager: HistoryPager = async (page, signal) => {
      const { page: answer, body } = await fetchHistoryPage(truckId, page, signal);
      // Each page goes to the hub as it comes, as the text the server sent (cheap to post; the
      // hub parses it on its own thread), to be stored for offline use; not a page whose every
      // sample is stored already (a window opened again), which would only be written again.
      if (answer.telemetry.length && !holdsAll(stored, answer.telemetry)) this._send({ type: 'store-history', truckId, body });
      return answer.telemetry;
    };
    return loadWindows(pager, range, { signal: options.signal, onProgress: options.onProgress });
  }

  diagnostics(options: { signal?: AbortSignal } = {}): Promise<Diagnostics> {
    return this._call('diagnostics', {}, options.signal);
  }

  addEventListener<K extends keyof FleetClientEventMap>(type: K, listener: Listener<K>): () => void {
    let set = this._listeners.get(type);
    if (!set) this._listeners.set(type, (set = new Set()));
    set.add(listener as (detail: never) => void);
    return () => set.delete(listener as (detail: never) => void);
  }

  close(): void {
    if (this._closed) return;
    this._closed = true;
    removeEventListener('pagehide', this._onPageHide);
    removeEventListener('pageshow', this._onPageShow);
    document.removeEventListener('visibilitychange', this._onVisibilityChange);
    this._disconnect();
    for (const call of this._calls.values()) call.reject(new DOMException('The client was closed', 'AbortError'));
    this._calls.clear();
  }

  // ---- connection -------------------------------------------------------------------------

  private async _start(): Promise<void> {
    // Hold a lock for this tab's life before saying hello: the hub asks for the same lock and is
    // granted it only when this tab is gone, crashed tabs included (MessagePort has no close event).
    await new Promise<void>((held) => {
      navigator.locks
        .request(this._lockName, () => {
          held();
          return new Promise<void>((release) => (this._releaseLock = release));
        })
        .catch((error: unknown) => {
          console.error('fleetwire: could not take the tab lock', error);
          held();
        });
    });
    if (this._closed) return this._releaseLock?.();
    const connection = this._connect(this._version, this._tabId);
    this._connection = connection;
    connection.listen(
      (message) => this._onMessage(message),
      () => this._onNewHub(),
    );
    this._hello();
    const outbox = this._outbox;
    this._outbox = [];
    for (const message of outbox) connection.send(message);
  }

  private _send(message: TabToHub): void {
    if (this._connection) this._connection.send(message);
    else if (!this._closed) this._outbox.push(message);
  }

  private _hello(): void {
    this._connection?.send({
      type: 'hello',
      tabId: this._tabId,
      version: this._version,
      me: this.me,
      trucks: this._subscription,
      lockName: this._lockName,
    });
  }

  /** Another hub took over (a new leader, or a new SharedWorker after the old one died). */
  private _onNewHub(): void {
    this._hello();
    for (const call of this._calls.values()) this._connection?.send(call.message);
  }

  private _disconnect(): void {
    this._connection?.send({ type: 'goodbye' });
    this._connection?.close();
    this._connection = null;
    this._releaseLock?.();
    this._releaseLock = null;
  }

  private readonly _onPageHide = (): void => {
    this._saveView();
    // Explicit goodbye: the page may enter the back/forward cache instead of closing.
    this._disconnect();
  };

  private readonly _onVisibilityChange = (): void => {
    // Hidden is often the last moment a page runs (a browser closed or killed while minimised).
    if (document.visibilityState === 'hidden') this._saveView();
  };

  /** Leaves the fleet this window shows for the next start (saved-view.ts); a whole fleet only. */
  private _saveView(): void {
    if (!this.ready || this._subscription !== null) return;
    saveLastView(this.me, {
      // The last state of each truck; the recent history stays in IndexedDB.
      trucks: [...this._fleet.trucks.values()].map(snapshotOf),
      lastEventId: this.lastEventId,
      prefs: this.prefs,
    });
  }

  private readonly _onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && !this._closed) void this._start();
  };

  // ---- messages from the hub --------------------------------------------------------------

  private _onMessage(message: HubToTab): void {
    switch (message.type) {
      case 'welcome':
        this._replace(message);
        this.status = message.status;
        this.prefs = message.prefs;
        this.ready = true;
        this._emit('ready', { hubKind: message.hubKind });
        this._emit('status', this.status);
        this._emit('prefs', this.prefs);
        this._emit('change', { truckIds: [...this._fleet.trucks.keys()], reset: true, events: 0 });
        return;
      case 'snapshot':
        this._replace(message);
        this._emit('change', { truckIds: [...this._fleet.trucks.keys()], reset: true, events: 0 });
        return;
      case 'events':
        return this._onEvents(message);
      case 'status':
        this.status = message.status;
        return this._emit('status', message.status);
      case 'prefs':
        this.prefs = message.prefs;
        return this._emit('prefs', message.prefs);
      case 'notify':
        return this._emit('notify', { alert: message.alert, truckName: message.truckName });
      case 'logged-out':
        this.ready = false;
        return this._emit('logged-out', { reason: message.reason });
      case 'reply':
        return this._onReply(message);
    }
  }

  /** The stored view, until the hub's welcome replaces it; never over anything the hub sent. */
  private _showStored(view: StoredView): void {
    if (this.ready || this._closed || this._fleet.trucks.size > 0) return;
    const wanted = this._subscription ? new Set(this._subscription) : null;
    this._fleet = fleetStateFrom(view.trucks.filter((t) => !wanted || wanted.has(t.id)));
    this.lastEventId = view.lastEventId;
    if (view.prefs) {
      this.prefs = view.prefs;
      this._emit('prefs', this.prefs);
    }
    this._emit('change', { truckIds: [...this._fleet.trucks.keys()], reset: true, events: 0 });
  }

  /**
   * Shows an acknowledgement the server confirmed before its `alert` event arrives (within a second,
   * on every stream of the tenant). Only who and when are taken: the event, not this reply, may
   * change the alert's state, so an alert that cleared meanwhile is not brought back.
   */
  private _applyAck(acked: Alert): void {
    if (!acked.ackedBy) return;
    const patch = (a: Alert): Alert => (a.id === acked.id && !a.ackedBy ? { ...a, ackedBy: acked.ackedBy, ackedAt: acked.ackedAt } : a);
    const active = this._fleet.activeAlerts.get(acked.id);
    if (active) this._fleet.activeAlerts.set(acked.id, patch(active));
    const truck = this._fleet.trucks.get(acked.truckId);
    if (truck?.alerts.some((a) => a.id === acked.id && !a.ackedBy)) {
      // A new object: components compare trucks by identity (copy on write, fleet-state.ts).
      this._fleet.trucks.set(truck.id, { ...truck, alerts: truck.alerts.map(patch) });
    }
    this._emit('alert', active ? patch(active) : acked);
    if (truck) this._emit('change', { truckIds: [truck.id], reset: false, events: 0 });
  }

  private _replace(message: MessageOf<HubToTab, 'welcome' | 'snapshot'>): void {
    this._fleet = fleetStateFrom(message.trucks, message.activeAlerts);
    this.lastEventId = message.lastEventId;
  }

  private _onEvents(message: MessageOf<HubToTab, 'events'>): void {
    const changed = new Set<string>();
    // Trucks copied once for this batch: the components see one new object per changed truck.
    const copied = new Set<string>();
    let applied = 0;
    for (const event of message.events) {
      // A new leader may replay a little of what this tab already has: apply each event once.
      if (this.lastEventId && compareEventIds(event.id, this.lastEventId) <= 0) continue;
      this.lastEventId = event.id;
      applied += 1;
      const truckId = applyStreamEvent(this._fleet, event, copied);
      // Alerts of trucks this tab does not show still count and toast; the truck itself is not kept.
      if (truckId && this._subscription && !this._subscription.includes(truckId)) this._fleet.trucks.delete(truckId);
      else if (truckId) changed.add(truckId);
      if (event.type === 'alert') this._emit('alert', event.data);
    }
    // Acknowledge after handling: a busy tab acknowledges late and the hub holds back (hub.ts).
    this._connection?.send({ type: 'ack', batch: message.batch });
    if (changed.size > 0) this._emit('change', { truckIds: [...changed], reset: false, events: applied });
  }

  private _onReply(message: MessageOf<HubToTab, 'reply'>): void {
    const pending = this._calls.get(message.requestId);
    if (!pending) return;
    this._calls.delete(message.requestId);
    if (message.ok) pending.resolve(message.result);
    else pending.reject(new Error(message.error));
  }

  private _call<K extends HubCallName>(name: K, args: HubCalls[K]['args'], signal?: AbortSignal): Promise<HubCalls[K]['result']> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
    const requestId = `${this._tabId}:${++this._callSeq}`;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this._calls.delete(requestId);
        this._send({ type: 'cancel-call', requestId });
        reject(new DOMException('The call was aborted', 'AbortError'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      // The call is typed by name; the union of call messages cannot see that args match name.
      const message = { type: 'call', requestId, name, args } as MessageOf<TabToHub, 'call'>;
      this._calls.set(requestId, {
        message,
        resolve: (result) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(result as HubCalls[K]['result']);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      });
      this._send(message);
    });
  }

  private _emit<K extends keyof FleetClientEventMap>(type: K, detail: FleetClientEventMap[K]): void {
    for (const listener of this._listeners.get(type) ?? []) {
      try {
        (listener as Listener<K>)(detail);
      } catch (error) {
        // One broken listener must not stop the others from hearing the event.
        console.error(`fleetwire: a '${type}' listener failed`, error);
      }
    }
  }
}
