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
  /** Whether this operator may acknowledge alerts (role operator or admin; not a viewer). */
  readonly canAck: boolean;
  /** null: every truck of the tenant. */
  subscribe(truckIds: string[] | null): void;
  /**
   * Acknowledges an alert for the whole tenant (`POST /api/alerts/:id/ack`). Resolves with the alert
   * as the server now has it, already applied here; every stream of the tenant then carries it.
   */
  ackAlert(alertId: string): Promise<Alert>;
  /** The tenant's alerts from the server (`GET /api/alerts`): active first, then newest. */
  alerts(query?: { state?: 'active' | 'all'; truckId?: string; limit?: number; signal?: AbortSignal }): Promise<Alert[]>;
  setPrefs(prefs: Prefs): void;
  logout(): Promise<void>;
  /**
   * A truck's telemetry as this browser stored it (the server's history loaded before and the events
   * received), `since <= ts < until`, oldest first; at most `limit` samples (default: all).
   */
  history(truckId: string, options?: { since?: number; until?: number; limit?: number; signal?: AbortSignal }): Promise<Telemetry[]>;
  /**
   * Every stored sample of `[since, until)`, read from the hub page by page (no one message is
   * large enough to hold up the page).
   */
  storedHistory(truckId: string, range: { since: number; until?: number }, options?: { signal?: AbortSignal }): Promise<Telemetry[]>;
  /**
   * Every sample of `[since, until)` from the server's database, loaded in pages, each handed to the
   * hub to store for offline use as it comes. Rejects when the server cannot be reached or refuses.
   */
  serverHistory(
    truckId: string,
    range: { since: number; until: number },
    options?: {
      signal?: AbortSignal;
      onProgress?: (loaded: number) => void;
      /** What this browser stored already (time-ordered): pages it holds whole are not stored again. */
      stored?: readonly Telemetry[];
    },
  ): Promise<Telemetry[]>;
  diagnostics(options?: { signal?: AbortSignal }): Promise<Diagnostics>;
  addEventListener<K extends keyof FleetClientEventMap>(
    type: K,
    listener: (detail: FleetClientEventMap[K]) => void,
  ): () => void;
  /** Says goodbye to the hub; the client is unusable afterwards. */
  close(): void;
}
