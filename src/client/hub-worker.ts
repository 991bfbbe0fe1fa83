/**
 * The build's SharedWorker hub as a tab starts it, and the early `prepare` (src/client/preconnect.ts).
 * Apart from connection.ts so that the first script of a page carries this much of the hub client and
 * no more: the rest comes with the views of a logged-in tab.
 */
import hubWorkerUrl from '../hub/shared-worker.ts?worker&url';
import type { Me } from '../shared/fleet';
import type { TabToHub } from '../shared/protocol';

export { hubWorkerUrl };

/** Options of a SharedWorker that Chromium 148+ understands; older browsers ignore the extra key. */
export interface HubWorkerOptions extends WorkerOptions {
  /** Keeps the worker alive while a lone tab navigates between routes. */
  extendedLifetime?: boolean;
}

/** The build's hub worker: its URL and name carry the build's version. */
export function hubWorkerOptions(version: string): HubWorkerOptions {
  return { type: 'module', name: `fleetwire-hub@${version}`, extendedLifetime: true };
}

/**
 * Asks the build's SharedWorker hub to open an operator's stored view now, before this tab's
 * client says hello (src/client/preconnect.ts). Starting the worker and reading IndexedDB then
 * overlap with loading the page's code. Where the hub is a leader tab there is none to ask yet.
 */
export function prepareHub(version: string, me: Me): void {
  if (typeof SharedWorker !== 'function') return;
  const port = new SharedWorker(hubWorkerUrl, hubWorkerOptions(version)).port;
  port.postMessage({ type: 'prepare', me } satisfies TabToHub);
  // This port carries that request alone; the tab's client opens its own.
  port.postMessage({ type: 'goodbye' } satisfies TabToHub);
}
