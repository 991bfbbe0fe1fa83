/**
 * The one way a component reads the fleet: a Lit ReactiveController over the hub client.
 * It subscribes while its host is connected, batches every change into one update per
 * animation frame, and keeps a version counter per truck so that only changed panels repaint.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { FleetClientApi, FleetClientEventMap } from '../client/api';
import type { Alert, Telemetry } from '../shared/fleet';
import type { Diagnostics, Prefs, StreamStatus, TruckState } from '../shared/protocol';
import { DEFAULT_PREFS } from '../shared/protocol';
import { formatRelative } from './format';
import { truckView, type TruckView } from './truck-view';

/**
 * Longest wait before a batch is applied even without an animation frame: rAF does not run in
 * hidden tabs, and a background window should still be current when the operator looks at it.
 */
const FALLBACK_FLUSH_MS = 500;
/**
 * Trucks whose change one frame of a visible tab repaints at most; the others follow in the next
 * frames, oldest change first. Under a flood of events every panel changes in every frame, and repainting a whole
 * fleet at once is a long task; at ordinary rates a frame has fewer changes than this anyway.
 * A reset (welcome, snapshot) still paints everything at once.
 */
export const MAX_TRUCKS_PER_FRAME = 12;
/**
 * Events a second above which a visible tab counts as flooded: far above a fleet's ordinary rate,
 * and more than anyone can read. A flooded tab paints at most every FLOOD_PAINT_INTERVAL_MS instead
 * of every frame: every window in view painting every frame of a flood keeps the machine's cores
 * busy with frames nobody can follow, and every page on it slows down.
 */
export const FLOOD_EVENTS_PER_S = 1_000;
export const FLOOD_PAINT_INTERVAL_MS = 100;
/** The event rate is counted over windows this long: a flood is noticed within a few hundred events. */
export const FLOOD_WINDOW_MS = 250;
/**
 * A truck whose panel is off screen repaints at most this often, ms; one in view, in the frame its
 * change arrives. A dashboard shows a few panels of a fleet in view: repainting the others on every
 * event took most of its main thread, and twenty windows in view on two cores could not keep up.
 * Off-screen panels still follow within this time, for anything that reads them.
 */
export const OFF_SCREEN_UPDATE_MS = 1_000;

/** What the host wants to hear about besides re-rendering. */
export interface FleetControllerOptions {
  /** Called for every alert start or clear (toasts). */
  onAlert?: (alert: Alert) => void;
  onLoggedOut?: (reason: FleetClientEventMap['logged-out']['reason']) => void;
  /** false: never re-render the host on fleet changes (it only makes calls or hears callbacks). Default true. */
  watch?: boolean;
  /**
   * Whether the truck is shown in view; changes of trucks that are not wait up to
   * OFF_SCREEN_UPDATE_MS. Default: every truck is in view.
   */
  inView?: (truckId: string) => boolean;
}

/** Wraps a FleetClientApi for one Lit host. */
export class FleetController implements ReactiveController {
  private readonly _host: ReactiveControllerHost;
  private readonly _options: FleetControllerOptions;
  private _client: FleetClientApi | null = null;
  private _unsubscribe: Array<() => void> = [];
  private _connected = false;
  private readonly _versions = new Map<string, number>();
  /** Trucks changed and not repainted yet, oldest change first, with when that change came (performance.now()). */
  private _pending = new Map<string, number>();
  private _pendingAll = false;
  /** Something beside trucks changed (stream status, preferences): the host re-renders in the next frame. */
  private _hostChanged = false;
  private _frame: number | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  /** When `_timer` waits (for off-screen trucks to be due, or a flood's pace) rather than flushes: its end. */
  private _waitUntil: number | null = null;
  private readonly _views = new Map<string, { version: number; tick: number; view: TruckView }>();
  private _rateWindowStart = 0;
  private _rateWindowEvents = 0;
  private _flooded = false;
  private _paintedAt = -Infinity;
  /** A tab coming into view takes every waiting change before its first frame. */
  private readonly _onVisibility = () => {
    if (document.visibilityState === 'visible' && (this._pendingAll || this._hostChanged || this._pending.size > 0)) this._flush(true);
  };

  constructor(host: ReactiveControllerHost, options: FleetControllerOptions = {}) {
    this._host = host;
    this._options = options;
    host.addController(this);
  }

  /** The hub client this controller reads; set by the host when it receives one. */
  get client(): FleetClientApi | null {
    return this._client;
  }

  set client(client: FleetClientApi | null) {
    if (client === this._client) return;
    this._detach();
    this._client = client;
    this._versions.clear();
    this._views.clear();
    if (this._connected) this._attach();
    this._host.requestUpdate();
  }

  hostConnected(): void {
    this._connected = true;
    this._attach();
  }

  hostDisconnected(): void {
    this._connected = false;
    this._detach();
  }

  get ready(): boolean {
    return this._client?.ready ?? false;
  }

  get status(): StreamStatus | null {
    return this._client?.status ?? null;
  }

  get prefs(): Prefs {
    return this._client?.prefs ?? DEFAULT_PREFS;
  }

  get lastEventId(): string | null {
    return this._client?.lastEventId ?? null;
  }

  get trucks(): ReadonlyMap<string, TruckState> {
    return this._client?.trucks ?? new Map();
  }

  /** Active alerts of the whole tenant, acknowledged or not. */
  get activeAlerts(): ReadonlyMap<string, Alert> {
    return this._client?.activeAlerts ?? new Map();
  }

  /** Whether this operator may acknowledge alerts: no acknowledge button for a viewer. */
  get canAck(): boolean {
    return this._client?.canAck ?? false;
  }

  /** A counter that changes whenever the truck's state (telemetry, info, alerts) changed. */
  version(truckId: string): number {
    return this._versions.get(truckId) ?? 0;
  }

  /**
   * The truck's display model, recomputed only when the truck changed or the clock ticked:
   * the same object comes back otherwise, so Lit skips panels whose truck did not change.
   */
  view(truckId: string, tick: number): TruckView | null {
    const truck = this._client?.trucks.get(truckId);
    if (!truck) return null;
    const version = this.version(truckId);
    const cached = this._views.get(truckId);
    if (cached && cached.version === version && cached.tick === tick) return cached.view;
    const view = truckView(truck, this._alertsOf(truckId), Date.now());
    // A clock beat with no change to what the panel shows keeps the old object, so Lit skips the
    // panel: otherwise every beat would repaint the whole fleet at once (a long task at 100 trucks).
    const kept = cached && cached.version === version && looksTheSame(cached.view, view) ? cached.view : view;
    this._views.set(truckId, { version, tick, view: kept });
    return kept;
  }

  /** Acknowledges an alert for the whole tenant; rejects with a message an operator can act on. */
  ackAlert(alertId: string): Promise<Alert> {
    if (!this._client) return Promise.reject(new Error('Not connected to the fleet hub yet.'));
    return this._client.ackAlert(alertId);
  }

  setPrefs(prefs: Prefs): void {
    this._client?.setPrefs(prefs);
  }

  async logout(): Promise<void> {
    await this._client?.logout();
  }

  /** Every sample of the range this browser stored (see FleetClientApi.storedHistory). */
  storedHistory(truckId: string, range: { since: number; until?: number }, options?: { signal?: AbortSignal }): Promise<Telemetry[]> {
    if (!this._client) return Promise.reject(new Error('Not connected to the fleet hub yet.'));
    return this._client.storedHistory(truckId, range, options);
  }

  /** Every sample of the range from the server, stored by the hub as it comes (FleetClientApi.serverHistory). */
  serverHistory(
    truckId: string,
    range: { since: number; until: number },
    options?: { signal?: AbortSignal; onProgress?: (loaded: number) => void; stored?: readonly Telemetry[] },
  ): Promise<Telemetry[]> {
    if (!this._client) return Promise.reject(new Error('Not connected to the fleet hub yet.'));
    return this._client.serverHistory(truckId, range, options);
  }

  /** The tenant's alerts from the server (FleetClientApi.alerts). */
  alerts(query?: { state?: 'active' | 'all'; truckId?: string; limit?: number; signal?: AbortSignal }): Promise<Alert[]> {
    if (!this._client) return Promise.reject(new Error('Not connected to the fleet hub yet.'));
    return this._client.alerts(query);
  }

  diagnostics(options?: { signal?: AbortSignal }): Promise<Diagnostics> {
    if (!this._client) return Promise.reject(new Error('Not connected to the fleet hub yet.'));
    return this._client.diagnostics(options);
  }

  private _alertsOf(truckId: string): Alert[] {
    const out: Alert[] = [];
    const seen = new Set<string>();
    for (const a of this.activeAlerts.values()) {
      if (a.truckId === truckId && a.state === 'active') {
        out.push(a);
        seen.add(a.id);
      }
    }
    // The truck's own snapshot may know of alerts the tenant-wide map has not caught up with.
    for (const a of this._client?.trucks.get(truckId)?.alerts ?? []) {
      if (a.state === 'active' && !seen.has(a.id)) out.push(a);
    }
    return out.sort((a, b) => severityRank(a) - severityRank(b) || b.startedAt - a.startedAt);
  }

  private _attach(): void {
    const client = this._client;
    if (!client || this._unsubscribe.length) return;
    this._unsubscribe = [
      client.addEventListener('change', (d) => this._onChange(d)),
      client.addEventListener('status', () => this._hostChange()),
      client.addEventListener('prefs', () => this._hostChange()),
      client.addEventListener('ready', () => this._markAll()),
      client.addEventListener('alert', (a) => this._onAlert(a)),
      client.addEventListener('logged-out', (d) => this._options.onLoggedOut?.(d.reason)),
    ];
    document.addEventListener('visibilitychange', this._onVisibility);
    // Whatever happened while detached is unknown: repaint everything once.
    this._markAll();
  }

  private _detach(): void {
    for (const off of this._unsubscribe) off();
    this._unsubscribe = [];
    document.removeEventListener('visibilitychange', this._onVisibility);
    if (this._frame !== null) cancelAnimationFrame(this._frame);
    if (this._timer !== null) clearTimeout(this._timer);
    this._frame = null;
    this._timer = null;
    this._waitUntil = null;
  }

  private _onChange(detail: FleetClientEventMap['change']): void {
    if (detail.reset) this._pendingAll = true;
    else this._countEvents(detail.events);
    this._addPending(detail.truckIds);
    this._schedule();
  }

  /** Trucks now shown in view: their waiting changes are painted in the next frame. */
  cameIntoView(truckIds: readonly string[]): void {
    if (truckIds.some((id) => this._pending.has(id))) this._schedule();
  }

  private _hostChange(): void {
    this._hostChanged = true;
    this._schedule();
  }

  private _addPending(truckIds: Iterable<string>): void {
    const now = performance.now();
    // A truck already waiting keeps its place and its time: oldest change first.
    for (const id of truckIds) if (!this._pending.has(id)) this._pending.set(id, now);
  }

  private _onAlert(alert: Alert): void {
    this._addPending([alert.truckId]);
    this._options.onAlert?.(alert);
    this._schedule();
  }

  private _markAll(): void {
    this._pendingAll = true;
    this._schedule();
  }

  /** Counts events per FLOOD_WINDOW_MS; a flood starts as soon as a window passes the rate. */
  private _countEvents(n: number): void {
    const now = performance.now();
    const elapsed = now - this._rateWindowStart;
    if (elapsed >= FLOOD_WINDOW_MS) {
      // A window that ended (or a long quiet spell) decides whether the flood goes on.
      this._flooded = (this._rateWindowEvents * 1000) / elapsed >= FLOOD_EVENTS_PER_S;
      this._rateWindowStart = now;
      this._rateWindowEvents = 0;
    }
    this._rateWindowEvents += n;
    if (this._rateWindowEvents >= (FLOOD_EVENTS_PER_S * FLOOD_WINDOW_MS) / 1000) this._flooded = true;
  }

  private _schedule(): void {
    // A frame is coming, or a hidden tab's flush: either takes what is pending now.
    if (this._options.watch === false || this._frame !== null || (this._timer !== null && this._waitUntil === null)) return;
    const hidden = document.visibilityState === 'hidden';
    const flooded = this._flooded && !hidden ? this._paintedAt + FLOOD_PAINT_INTERVAL_MS - performance.now() : 0;
    // Only trucks off screen wait: come back when the first of them is due.
    const due = hidden || this._pendingAll || this._hostChanged ? 0 : this._untilDue();
    if (due === Infinity) return;
    const wait = Math.max(flooded, due);
    if (wait > 0) {
      const until = performance.now() + wait;
      // Already waiting, and not for longer: a change due sooner shortens the wait, never the reverse.
      if (this._timer !== null && this._waitUntil !== null && this._waitUntil <= until) return;
      if (this._timer !== null) clearTimeout(this._timer);
      this._waitUntil = until;
      this._timer = setTimeout(() => {
        this._timer = null;
        this._waitUntil = null;
        this._schedule();
      }, wait);
      return;
    }
    if (this._timer !== null) clearTimeout(this._timer);
    this._waitUntil = null;
    this._timer = setTimeout(() => this._flush(), FALLBACK_FLUSH_MS);
    if (!hidden) this._frame = requestAnimationFrame(() => this._flush());
  }

  /** Whether a waiting truck may be painted now: in view, or waited OFF_SCREEN_UPDATE_MS. */
  private _due(truckId: string, since: number, now: number): boolean {
    return now - since >= OFF_SCREEN_UPDATE_MS || (this._options.inView?.(truckId) ?? true);
  }

  /** Ms until the first waiting truck is due (0: one is due now; Infinity: none waits). */
  private _untilDue(): number {
    const now = performance.now();
    let wait = Infinity;
    for (const [id, since] of this._pending) {
      if (this._due(id, since, now)) return 0;
      wait = Math.min(wait, since + OFF_SCREEN_UPDATE_MS - now);
    }
    return wait;
  }

  /** Applies waiting changes; `all`: every one of them, not only a frame's share of those due. */
  private _flush(all = false): void {
    if (this._frame !== null) cancelAnimationFrame(this._frame);
    if (this._timer !== null) clearTimeout(this._timer);
    this._frame = null;
    this._timer = null;
    this._waitUntil = null;
    let ids: string[];
    if (this._pendingAll) {
      ids = [...this.trucks.keys(), ...this._pending.keys()];
      this._pending = new Map();
      this._pendingAll = false;
    } else if (all || document.visibilityState === 'hidden') {
      // Nothing is painted in a hidden tab: take every change, so it is current when shown.
      ids = [...this._pending.keys()];
      this._pending = new Map();
    } else {
      // Within one frame's budget: trucks in view first, then those off screen that waited long
      // enough; oldest change first in each (a Map keeps insertion order).
      const now = performance.now();
      const inView: string[] = [];
      const offScreen: string[] = [];
      for (const [id, since] of this._pending) {
        if (inView.length >= MAX_TRUCKS_PER_FRAME) break;
        if (this._options.inView?.(id) ?? true) inView.push(id);
        else if (now - since >= OFF_SCREEN_UPDATE_MS) offScreen.push(id);
      }
      ids = [...inView, ...offScreen].slice(0, MAX_TRUCKS_PER_FRAME);
      for (const id of ids) this._pending.delete(id);
    }
    for (const id of ids) this._versions.set(id, this.version(id) + 1);
    if (ids.length > 0 || this._hostChanged) {
      this._hostChanged = false;
      this._paintedAt = performance.now();
      this._host.requestUpdate();
    }
    if (this._pending.size > 0) this._schedule();
  }
}

function severityRank(a: Alert): number {
  return a.severity === 'critical' ? 0 : 1;
}

/** Whether two views of one truck at two instants display the same (relative times included). */
function looksTheSame(a: TruckView, b: TruckView): boolean {
  if (a.lastSeenAt !== null && b.lastSeenAt !== null) {
    if (formatRelative(a.lastSeenAt, a.computedAt) !== formatRelative(b.lastSeenAt, b.computedAt)) return false;
  }
  return JSON.stringify({ ...a, computedAt: 0 }) === JSON.stringify({ ...b, computedAt: 0 });
}
