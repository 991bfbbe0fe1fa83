/** The hub's environment in a browser context (SharedWorker or leader tab). */
import { IdbStorage } from '../store';
import type { HubKind } from '../shared/protocol';
import type { HubEnvironment } from './hub';
import { eventSourceTransport } from './stream';

/**
 * Web Lock held by the hub that streams, and the BroadcastChannel on which a hub waiting for it
 * says so: one `/api/stream` per browser profile even while an update switches builds.
 */
const STREAM_LOCK = 'fleetwire-stream';
/**
 * Longest wait for the previous build's hub to let go. A window of the old build left open (an
 * update declined, a hard reload past the service worker) would otherwise keep this build's tabs
 * off live data indefinitely: past this, two streams for a while are the lesser evil.
 */
const STREAM_TURN_MAX_WAIT_MS = 30_000;

/** Builds the environment both hub hosts share; the host adds what differs (postMany, onIdle). */
export function browserHubEnvironment(kind: HubKind, version: string): HubEnvironment {
  return {
    kind,
    version,
    transport: eventSourceTransport,
    openStorage: (name) => IdbStorage.open(name),
    fetch: (input, init) => fetch(input, init),
    watchTab(lockName, signal) {
      // The tab holds this lock for its whole life; it is granted to us only once the tab is gone.
      return navigator.locks.request(lockName, { signal }, () => undefined);
    },
    async estimateStorage() {
      const estimate = await navigator.storage?.estimate?.();
      return estimate?.usage ?? null;
    },
    isOnline: () => navigator.onLine,
    holdStream(signal, onWanted) {
      return new Promise<void>((granted, refused) => {
        const channel = new BroadcastChannel(STREAM_LOCK);
        let holding = false;
        channel.onmessage = () => {
          if (holding) onWanted();
        };
        navigator.locks
          .request(STREAM_LOCK, { signal }, () => {
            holding = true;
            clearTimeout(timer);
            granted();
            return new Promise<void>((release) => signal.addEventListener('abort', () => release(), { once: true }));
          })
          .catch(refused)
          .finally(() => channel.close());
        // Whoever streams now (the hub of the previous build) lets go once its last tab is gone.
        channel.postMessage('wanted');
        const timer = setTimeout(granted, STREAM_TURN_MAX_WAIT_MS);
        signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      });
    },
  };
}
