/**
 * A list of the tenant's alerts (or one truck's) for a Lit host: loaded from the server when online
 * (`GET /api/alerts?state=all`), kept current by every `alert` event the tab hears, and, when the
 * server cannot be reached, the active alerts this browser stored. Also the acknowledge action, with
 * its pending state and error per alert, shared by the inbox, the truck page, panels and toasts.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { FleetClientApi } from '../client/api';
import type { Alert } from '../shared/fleet';
import type { StreamState } from '../shared/protocol';

/** Alerts asked for at once: a few screens of recent history; the server answers active ones first. */
export const ALERT_LIST_LIMIT = 200;

/** Where the list came from. */
export type AlertListSource = 'loading' | 'server' | 'stored';

/**
 * One alert from two reports of it, in whichever order they came (the server's list, a stream
 * event, the answer to an acknowledgement): an alert starts once and clears once, and an
 * acknowledgement is never taken back, so the result does not depend on the order.
 */
export function mergeAlert(known: Alert | undefined, next: Alert): Alert {
  if (!known) return next;
  const cleared = known.state === 'cleared' || next.state === 'cleared';
  const merged: Alert = { ...known, ...next, startedAt: Math.min(known.startedAt, next.startedAt), state: cleared ? 'cleared' : 'active' };
  const clearedAt = next.clearedAt ?? known.clearedAt;
  if (clearedAt !== undefined) merged.clearedAt = clearedAt;
  const ackedBy = next.ackedBy ?? known.ackedBy;
  const ackedAt = next.ackedBy ? next.ackedAt : known.ackedAt;
  if (ackedBy !== undefined) merged.ackedBy = ackedBy;
  if (ackedAt !== undefined) merged.ackedAt = ackedAt;
  return merged;
}

/** Active first, then newest first; ties by id, so the order is stable. */
export function compareAlerts(a: Alert, b: Alert): number {
  return (a.state === 'active' ? 0 : 1) - (b.state === 'active' ? 0 : 1) || b.startedAt - a.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The acknowledge action of one host: `POST /api/alerts/:id/ack` through the client, with which
 * alerts are on their way and why one failed, so a button can say "Acknowledging…" or the error.
 */
export class Acknowledger {
  private readonly _host: ReactiveControllerHost;
  private readonly _client: () => FleetClientApi | null;
  /** Alerts whose acknowledgement is on its way to the server. */
  readonly pending = new Set<string>();
  /** The last acknowledgement that failed, per alert, in words. */
  readonly errors = new Map<string, string>();

  constructor(host: ReactiveControllerHost, client: () => FleetClientApi | null) {
    this._host = host;
    this._client = client;
  }

  /** Acknowledges; resolves with the alert as the server has it now, or null when it failed (see `errors`). */
  async ack(alertId: string): Promise<Alert | null> {
    const client = this._client();
    if (!client || this.pending.has(alertId)) return null;
    this.pending.add(alertId);
    this.errors.delete(alertId);
    this._host.requestUpdate();
    try {
      return await client.ackAlert(alertId);
    } catch (error) {
      this.errors.set(alertId, `Could not acknowledge: ${(error as Error).message}`);
      return null;
    } finally {
      this.pending.delete(alertId);
      this._host.requestUpdate();
    }
  }
}

/** Options of an AlertList. */
export interface AlertListOptions {
  /** Only this truck's alerts (the truck page); every truck of the tenant when it returns null. */
  truckId?: () => string | null;
}

/** The alert list of one host. */
export class AlertList implements ReactiveController {
  private readonly _host: ReactiveControllerHost;
  private readonly _truckId: () => string | null;
  private _client: FleetClientApi | null = null;
  private _connected = false;
  private _off: Array<() => void> = [];
  private _byId = new Map<string, Alert>();
  private _sorted: Alert[] | null = null;
  private _loadAbort: AbortController | null = null;
  private _loadedFor: string | null | undefined = undefined;
  private _lastState: StreamState | null = null;
  /** Where the shown list came from. */
  source: AlertListSource = 'loading';
  /** Why the server's list could not be loaded, when it could not. */
  loadError: string | null = null;
  /** Acknowledging from this list: pending state and errors per alert. */
  readonly acknowledger: Acknowledger;

  constructor(host: ReactiveControllerHost, options: AlertListOptions = {}) {
    this._host = host;
    this._truckId = options.truckId ?? (() => null);
    this.acknowledger = new Acknowledger(host, () => this._client);
    host.addController(this);
  }

  /** The hub client; set by the host when it receives one. */
  set client(client: FleetClientApi | null) {
    if (client === this._client) return;
    this._detach();
    this._client = client;
    this._reset();
    if (this._connected) this._attach();
  }

  get client(): FleetClientApi | null {
    return this._client;
  }

  /** The alerts, active first, then newest first. */
  get alerts(): readonly Alert[] {
    this._sorted ??= [...this._byId.values()].sort(compareAlerts);
    return this._sorted;
  }

  hostConnected(): void {
    this._connected = true;
    this._attach();
  }

  hostDisconnected(): void {
    this._connected = false;
    this._detach();
  }

  hostUpdate(): void {
    // Another truck (the same page element reused), or the first render with a client.
    if (this._client && this._loadedFor !== this._truckId()) {
      this._reset();
      this._load();
    }
  }

  /** Acknowledges an alert for the tenant; the list shows who once the server confirms. */
  async ack(alertId: string): Promise<void> {
    const alert = await this.acknowledger.ack(alertId);
    if (alert) this._take(alert);
  }

  private _attach(): void {
    const client = this._client;
    if (!client || this._off.length) return;
    this._off = [
      client.addEventListener('alert', (alert) => {
        if (this._wants(alert)) {
          this._take(alert);
          this._host.requestUpdate();
        }
      }),
      client.addEventListener('status', (status) => this._onState(status.state)),
      client.addEventListener('ready', () => {
        this._addActive();
        this._host.requestUpdate();
      }),
      // A snapshot (the hub's first state, or a tab that fell behind) brings alerts without an
      // `alert` event each: take the active ones it holds.
      client.addEventListener('change', (change) => {
        if (!change.reset) return;
        this._addActive();
        this._host.requestUpdate();
      }),
    ];
    this._lastState = client.status.state;
    this._loadedFor = undefined;
    this._host.requestUpdate();
  }

  private _detach(): void {
    for (const off of this._off) off();
    this._off = [];
    this._loadAbort?.abort();
    this._loadAbort = null;
  }

  private _reset(): void {
    this._loadAbort?.abort();
    this._loadAbort = null;
    this._byId = new Map();
    this._sorted = null;
    this.source = 'loading';
    this.loadError = null;
    this._loadedFor = undefined;
  }

  /** Back online after the list came from storage: the server's list again. */
  private _onState(state: StreamState): void {
    const was = this._lastState;
    this._lastState = state;
    if (state === 'live' && was !== 'live' && this.source !== 'server' && !this._loadAbort) this._load();
  }

  private _wants(alert: Alert): boolean {
    const truckId = this._truckId();
    return truckId === null || alert.truckId === truckId;
  }

  private _take(alert: Alert): void {
    if (!this._wants(alert)) return;
    this._byId.set(alert.id, mergeAlert(this._byId.get(alert.id), alert));
    this._sorted = null;
  }

  /** The active alerts the hub holds (stored for offline use): what is known without the server. */
  private _addActive(): void {
    for (const alert of this._client?.activeAlerts.values() ?? []) this._take(alert);
  }

  private _load(): void {
    const client = this._client;
    if (!client) return;
    const truckId = this._truckId();
    this._loadedFor = truckId;
    this._addActive();
    const abort = new AbortController();
    this._loadAbort?.abort();
    this._loadAbort = abort;
    const query = truckId ? { state: 'all' as const, truckId, limit: ALERT_LIST_LIMIT } : { state: 'all' as const, limit: ALERT_LIST_LIMIT };
    client.alerts({ ...query, signal: abort.signal }).then(
      (alerts) => {
        if (abort.signal.aborted) return;
        for (const alert of alerts) this._take(alert);
        this.source = 'server';
        this.loadError = null;
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        this.source = 'stored';
        this.loadError = (error as Error).message;
      },
    ).finally(() => {
      if (this._loadAbort === abort) this._loadAbort = null;
      if (!abort.signal.aborted) this._host.requestUpdate();
    });
    this._host.requestUpdate();
  }
}
