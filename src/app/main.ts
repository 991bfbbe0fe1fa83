/** Entry point of every fleetwire page (index.html): registers `<fleet-app>` and its views. */
// First: starts the hub while the rest loads.
import '../client/preconnect';
import { installPrompt } from '../client/install';
import { updates } from '../client/updates';
import './fleet-app';
import './update-banner';

// The build's version, for support and for telling two builds apart in a window.
document.documentElement.dataset.fleetwireVersion = __FLEETWIRE_VERSION__;
// Early, so the browser's one install offer is not missed.
installPrompt.start();
updates.start();
