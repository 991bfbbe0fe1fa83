/** The hub as a SharedWorker: one per browser profile and build, shared by every tab and window. */
import type { HubToTab, TabToHub } from '../shared/protocol';
import { browserHubEnvironment } from './browser-env';
import { FleetHub, type TabLink } from './hub';

/** The parts of SharedWorkerGlobalScope the hub uses (the DOM lib does not declare it). */
interface SharedWorkerScope {
  onconnect: ((event: MessageEvent) => void) | null;
  addEventListener(type: 'online', listener: () => void): void;
  close(): void;
}
declare const self: SharedWorkerScope;

/**
 * Held for this worker's whole life and unique to it: tabs wait for it (src/client/connection.ts)
 * and are granted it only when this worker is gone, terminated or crashed, with no event to tell
 * them otherwise. Unique, so a tab still waiting for a dead hub's lock never holds up a new hub.
 */
const hubLock = `fleetwire-hub-alive:${__FLEETWIRE_VERSION__}:${crypto.randomUUID()}`;
const holdingLock = new Promise<void>((held) => {
  void navigator.locks.request(hubLock, () => {
    held();
    return new Promise<never>(() => undefined);
  });
});

/** Each attached tab's port, by the link the hub knows it by. */
const ports = new WeakMap<TabLink, MessagePort>();

const env = browserHubEnvironment('shared-worker', __FLEETWIRE_VERSION__);
const hub = new FleetHub({
  ...env,
  hubLock,
  onIdle: () => self.close(),
  // Serialized once for every tab: postMessage would clone the batch again for each port. A string
  // is copied, not walked; the tab parses it (src/client/connection.ts).
  postMany(links, message) {
    const wire = JSON.stringify(message);
    for (const link of links) ports.get(link)?.postMessage(wire);
  },
});

self.addEventListener('online', () => hub.reconnectNow());

self.onconnect = (event: MessageEvent) => {
  const port = event.ports[0];
  if (!port) return;
  // postMessage to a dead port does not throw and MessagePort has no close event in most
  // browsers: tabs say goodbye and hold a Web Lock the hub watches (browser-env.ts).
  const link: TabLink = { post: (message: HubToTab) => port.postMessage(message) };
  ports.set(link, port);
  // A tab that hears `welcome` watches hubLock: the lock must be held by then. The port keeps the
  // tab's messages until it is started.
  void holdingLock.then(() => {
    const receive = hub.attach(link);
    port.onmessage = (e: MessageEvent<TabToHub>) => receive(e.data);
    port.start();
  });
};
