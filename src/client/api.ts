/** The typed surface a tab uses to talk to the fleet hub; Lit controllers in src/app wrap it. */
import type { Alert, Me, Telemetry } from '../shared/fleet';
import type { Diagnostics, HubKind, Prefs, StreamStatus, TruckState } from '../shared/protocol';

/** Events a FleetClient emits, keyed by name (workbox-window style). */
export interface FleetClientEventMap {
  /**
   * Trucks changed (new telemetry, alert, info); `truckIds` lists which and `events` counts the
   * events applied (several may change one truck). After a reset, `reset` is true.
   */
  change: { truckIds: string[]; reset: boolean; events: number };
  status: StreamStatus;
  /** An alert started or cleared (every tab gets every alert, whatever it subscribed to). */
  alert: Alert;
  'alert-acked': { alertId: string };
  /** The hub chose this window to notify a new alert (one window per alert; notifications.ts). */
  notify: { alert: Alert; truckName: string };
  prefs: Prefs;
  /** The session ended; the UI goes back to /login. */
  'logged-out': { reason: 'logout' | 'expired' };
  /** The hub answered `hello`: state is now readable. */
  ready: { hubKind: HubKind };
}

/** What components may call; everything else of the client is private. */
export interface FleetClientApi {
  readonly me: Me;
  readonly ready: boolean;
  readonly status: StreamStatus;
  readonly prefs: Prefs;
  readonly lastEventId: string | null;
  /** Trucks this tab is subscribed to, by id. */
  readonly trucks: ReadonlyMap<string, TruckState>;
  /** Every alert currently active across the tenant (not only subscribed trucks). */
  readonly activeAlerts: ReadonlyMap<string, Alert>;
  readonly ackedAlerts: ReadonlySet<string>;
  /** null: every truck of the tenant. */
  subscribe(truckIds: string[] | null): void;
  ackAlert(alertId: string): void;
  setPrefs(prefs: Prefs): void;
  logout(): Promise<void>;
  history(truckId: string, options?: { since?: number; signal?: AbortSignal }): Promise<Telemetry[]>;
  diagnostics(options?: { signal?: AbortSignal }): Promise<Diagnostics>;
  addEventListener<K extends keyof FleetClientEventMap>(
    type: K,
    listener: (detail: FleetClientEventMap[K]) => void,
  ): () => void;
  /** Says goodbye to the hub; the client is unusable afterwards. */
  close(): void;
}
