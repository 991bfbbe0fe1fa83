/** How a tab reaches the hub: a SharedWorker port, or the leader tab over a BroadcastChannel. */
import { leaderNames, type ChannelEnvelope, type HubToTab, type TabToHub } from '../shared/protocol';
import { hubWorkerOptions, hubWorkerUrl } from './hub-worker';

/** A duplex link to the hub. */
export interface HubConnection {
  readonly kind: 'shared-worker' | 'leader-tab';
  send(message: TabToHub): void;
  /** Called for every message from the hub; `onReconnect` when a new hub needs a fresh hello. */
  listen(onMessage: (message: HubToTab) => void, onReconnect: () => void): void;
  close(): void;
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

/** First pause before a tab whose hub code failed to load competes for leadership again; doubled per failure. */
const LEADER_RETRY_MS = 1_000;
/** Longest such pause. */
const LEADER_RETRY_MAX_MS = 30_000;
/**
 * Longest wait, when a leader's client closes in a tab that stays open (logout, another operator,
 * back/forward cache), for its hub to stop streaming and store what it has before the next tab
 * takes over; past this the lock goes anyway.
 */
const LEADER_RESIGN_MAX_MS = 5_000;

/** The leader hub's code, loaded once per page; a load that failed is tried again on the next call. */
let leaderHub: Promise<typeof import('../hub/leader')> | null = null;
function loadLeaderHub(): Promise<typeof import('../hub/leader')> {
  leaderHub ??= import('../hub/leader').catch((error: unknown) => {
    leaderHub = null;
    throw error;
  });
  return leaderHub;
}

/**
 * Connects to the leader-tab hub, and competes for leadership: Web Locks grant the lock to one
 * tab at a time and hand it over the moment the holder goes away, without timers (design.md).
 * The lock is held exactly while this tab runs the hub: a tab that cannot load the hub's code lets
 * the next tab lead and queues again later, and a leader whose client closes while the tab stays
 * (logout, another operator, back/forward cache) stops its hub and hands the lock on. A lock kept
 * by a tab without a hub would leave every tab of the browser without a stream.
 */
function connectLeader(version: string, tabId: string): HubConnection {
  const names = leaderNames(version);
  const channel = new BroadcastChannel(names.channel);
  const abort = new AbortController();
  let stopHub: (() => Promise<void>) | null = null;
  let resign: () => void = () => undefined;
  const resigned = new Promise<void>((resolve) => (resign = resolve));
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  // Loaded while the page starts, not when the leader goes away: a takeover then waits for no
  // download, and works offline without a service worker.
  loadLeaderHub().catch(() => undefined);

  const compete = (): void => {
    retryTimer = null;
    navigator.locks
      .request(names.lock, { signal: abort.signal }, async () => {
        let hub: typeof import('../hub/leader');
        try {
          hub = await loadLeaderHub();
        } catch (error) {
          if (abort.signal.aborted) return;
          // Returning lets the next tab in line lead; this one queues again after a pause.
          console.error('fleetwire: could not load the leader hub; another tab may lead', error);
          retryTimer = setTimeout(compete, Math.min(LEADER_RETRY_MAX_MS, LEADER_RETRY_MS * 2 ** failures));
          failures += 1;
          return;
        }
        // Closed while the code loaded: lead nothing, hand the lock on at once.
        if (abort.signal.aborted) return;
        stopHub = hub.runLeaderHub(version);
        return resigned;
      })
      .catch(() => {
        // Aborted on close(): this tab no longer competes.
      });
  };
  compete();

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
      if (abort.signal.aborted) return;
      abort.abort();
      if (retryTimer) clearTimeout(retryTimer);
      channel.close();
      const stop = stopHub;
      stopHub = null;
      if (!stop) return resign();
      // The next leader starts from what this hub stored, once its stream is closed.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, LEADER_RESIGN_MAX_MS)));
      void Promise.race([stop().catch(() => undefined), bound]).then(() => {
        clearTimeout(timer);
        resign();
      });
    },
  };
}

/** Connects to the hub the browser supports: SharedWorker when it exists, else a leader tab. */
export function connectHub(version: string, tabId: string): HubConnection {
  if (typeof SharedWorker === 'function') return connectSharedWorker(version);
  return connectLeader(version, tabId);
}
