/** How a tab reaches the hub: a SharedWorker port, or the leader tab over a BroadcastChannel. */
import hubWorkerUrl from '../hub/shared-worker.ts?worker&url';
import type { Me } from '../shared/fleet';
import { leaderNames, type ChannelEnvelope, type HubToTab, type TabToHub } from '../shared/protocol';

/** A duplex link to the hub. */
export interface HubConnection {
  readonly kind: 'shared-worker' | 'leader-tab';
  send(message: TabToHub): void;
  /** Called for every message from the hub; `onReconnect` when a new hub needs a fresh hello. */
  listen(onMessage: (message: HubToTab) => void, onReconnect: () => void): void;
  close(): void;
}

/** Options of a SharedWorker that Chromium 148+ understands; older browsers ignore the extra key. */
interface HubWorkerOptions extends WorkerOptions {
  /** Keeps the worker alive while a lone tab navigates between routes. */
  extendedLifetime?: boolean;
}

/** The build's hub worker: its URL and name carry the build's version. */
function hubWorkerOptions(version: string): HubWorkerOptions {
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

/**
 * Connects to the build's SharedWorker hub; its URL and name carry the build's version. A hub that
 * dies without a word (terminated from DevTools, crashed, killed for memory) is noticed through the
 * Web Lock it holds for its life (`welcome.hubLock`): the tab then starts a new hub and says hello
 * again, and the new hub resumes from the stored id.
 */
function connectSharedWorker(version: string): HubConnection {
  const options = hubWorkerOptions(version);
  let onMessage: ((message: HubToTab) => void) | null = null;
  let onReconnect: (() => void) | null = null;
  let watching: string | null = null;
  let watch: AbortController | null = null;
  let closed = false;

  const connect = (): MessagePort => {
    const next = new SharedWorker(hubWorkerUrl, options).port;
    next.onmessage = (e: MessageEvent<HubToTab | string>) => {
      // A message the hub sends to several tabs comes serialized once, as JSON (shared-worker.ts).
      const message = typeof e.data === 'string' ? (JSON.parse(e.data) as HubToTab) : e.data;
      if (message.type === 'welcome' && message.hubLock) watchHub(message.hubLock);
      onMessage?.(message);
    };
    return next;
  };

  const watchHub = (lock: string): void => {
    if (watching === lock || closed) return;
    watch?.abort();
    const abort = new AbortController();
    watch = abort;
    watching = lock;
    navigator.locks
      .request(lock, { signal: abort.signal }, () => {
        // Granted: the hub that held it is gone. The lock is released as this returns.
        if (closed || watch !== abort) return;
        watch = null;
        watching = null;
        port.close();
        port = connect();
        port.start();
        onReconnect?.();
      })
      .catch(() => {
        // Aborted: this tab closed, or it watches a newer hub.
      });
  };

  let port = connect();
  return {
    kind: 'shared-worker',
    send: (message) => port.postMessage(message),
    listen(handleMessage, handleReconnect) {
      onMessage = handleMessage;
      onReconnect = handleReconnect;
      port.start();
    },
    close() {
      closed = true;
      watch?.abort();
      port.close();
    },
  };
}

/** Stand-in for the tab's life: the leader lock is held until the tab goes away. */
const FOREVER = new Promise<never>(() => undefined);

/**
 * Connects to the leader-tab hub, and competes for leadership: Web Locks grant the lock to one
 * tab at a time and hand it over the moment the holder goes away, without timers (design.md).
 */
function connectLeader(version: string, tabId: string): HubConnection {
  const names = leaderNames(version);
  const channel = new BroadcastChannel(names.channel);
  const abort = new AbortController();
  let stopHub: (() => void) | null = null;
  navigator.locks
    .request(names.lock, { signal: abort.signal }, async () => {
      const { runLeaderHub } = await import('../hub/leader');
      stopHub = runLeaderHub(version);
      return FOREVER;
    })
    .catch(() => {
      // Aborted on close(): this tab no longer competes.
    });
  return {
    kind: 'leader-tab',
    send: (message) => channel.postMessage({ kind: 'to-hub', from: tabId, message } satisfies ChannelEnvelope),
    listen(onMessage, onReconnect) {
      channel.onmessage = (e: MessageEvent<ChannelEnvelope>) => {
        const envelope = e.data;
        if (envelope.kind === 'leader') onReconnect();
        else if (envelope.kind === 'to-tabs' && envelope.to.includes(tabId)) onMessage(envelope.message);
      };
    },
    close() {
      abort.abort();
      stopHub?.();
      channel.close();
    },
  };
}

/** Connects to the hub the browser supports: SharedWorker when it exists, else a leader tab. */
export function connectHub(version: string, tabId: string): HubConnection {
  if (typeof SharedWorker === 'function') return connectSharedWorker(version);
  return connectLeader(version, tabId);
}
