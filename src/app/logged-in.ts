/**
 * What a logged-in tab runs besides the shell: the hub client, the controller over it, and the
 * dashboard with its panels and map. One chunk that fleet-app.ts loads with import() once someone
 * logs in or a route of the fleet opens, so that the login page loads its own view and no more.
 */
import './fleet-dashboard';

export { connectFleet } from '../client/index';
export { FleetController } from './fleet-controller';
