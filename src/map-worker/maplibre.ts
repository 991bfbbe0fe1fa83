/**
 * The fleet map's MapLibre worker, built as a same-origin module script of its own
 * (`src/app/fleet-map-gl.ts` imports this file with `?worker&url`). MapLibre makes a `blob:` worker
 * when its worker script is on another origin, which the CSP's `worker-src 'self'` forbids; a
 * same-origin script is loaded as it is, and the service worker precaches it like every script.
 */
import MapLibreWorker from 'maplibre-gl/dist/maplibre-gl-worker.mjs';

// maplibre-gl's package.json declares its dist files free of side effects, so the bundler drops a
// bare import, and a worker's exports count for nothing (the script came out empty). Using what it
// exports keeps the module, whose top level starts the worker.
(self as unknown as { fleetwireMapWorker: unknown }).fleetwireMapWorker = MapLibreWorker;
