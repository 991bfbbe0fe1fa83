/** The client side of the fleet hub: what the app imports. */
import type { Me } from '../shared/fleet';
import type { FleetClientApi } from './api';
import { FleetClient } from './fleet-client';

export type { FleetClientApi, FleetClientEventMap } from './api';
export { FleetClient } from './fleet-client';

/** Connects this tab to the browser's one fleet hub, for every truck (null) or the ones given. */
export function connectFleet(me: Me, options: { trucks: string[] | null }): FleetClientApi {
  return new FleetClient(me, { trucks: options.trucks, version: __FLEETWIRE_VERSION__ });
}
