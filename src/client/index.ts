/** The client side of the fleet hub: what the app imports. */
import type { Me } from '../shared/fleet';
import type { FleetClientApi } from './api';
import { FleetClient } from './fleet-client';
import { alertNotifications } from './notifications';
import { takeStoredView } from './preconnect';

export type { FleetClientApi, FleetClientEventMap } from './api';
export { FleetClient } from './fleet-client';

declare global {
  interface Window {
    /** This tab's client, for support staff in the console: `await fleetwire.diagnostics()`. */
    fleetwire?: FleetClientApi;
  }
}

/** Connects this tab to the browser's one fleet hub, for every truck (null) or the ones given. */
export function connectFleet(me: Me, options: { trucks: string[] | null }): FleetClientApi {
  window.fleetwire?.close();
  const client = new FleetClient(me, { trucks: options.trucks, version: __FLEETWIRE_VERSION__, storedView: takeStoredView(me) });
  window.fleetwire = client;
  // Alerts become system notifications once the operator allowed them (one per alert across tabs).
  alertNotifications.watch(client);
  return client;
}
