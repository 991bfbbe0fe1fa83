/** The hub's environment in a browser context (SharedWorker or leader tab). */
import { IdbStorage } from '../store';
import type { HubKind } from '../shared/protocol';
import type { HubEnvironment } from './hub';
import { eventSourceTransport } from './stream';

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
  };
}
