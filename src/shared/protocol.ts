/**
 * The one protocol between a tab and the fleet hub (SharedWorker or leader tab).
 * Every message is `{type, ...payload}`; senders and receivers are typed from the two maps below.
 */
import type { StreamEvent } from './events';
import type { Alert, Me, Telemetry, TruckSnapshot } from './fleet';

/** The state of the one `/api/stream` connection, as every tab shows it. */
export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'offline';

/** Where the hub keeps what it receives. `memory` when IndexedDB is unavailable or full. */
export type StorageMode = 'indexeddb' | 'memory';

/** Which host runs the hub. */
export type HubKind = 'shared-worker' | 'leader-tab';

/** The stream's status, published to every tab whenever it changes. */
export interface StreamStatus {
  state: StreamState;
  /** Epoch ms when `state` last changed. */
  since: number;
  /** Epoch ms of the last byte received from the server (event or heartbeat), or null. */
  lastHeardAt: number | null;
  /** When reconnecting: epoch ms of the next attempt. */
  retryAt: number | null;
  storage: StorageMode;
  /** Why storage fell back to memory, for the operator. */
  storageError: string | null;
}

/** Display preferences, shared by every tab of a browser. */
export interface Prefs {
  distance: 'km' | 'mi';
  temperature: 'C' | 'F';
}

/** Preferences a fresh browser starts with. */
export const DEFAULT_PREFS: Prefs = { distance: 'km', temperature: 'C' };

/** A truck as a tab holds it: the snapshot plus its most recent telemetry (oldest first). */
export interface TruckState extends TruckSnapshot {
  recent: Telemetry[];
}

/** What support staff ask for: the hub's view of itself. */
export interface Diagnostics {
  hubKind: HubKind;
  version: string;
  tabs: number;
  status: StreamStatus;
  epoch: string | null;
  lastEventId: string | null;
  /** Events received per second over the last 10 s. */
  eventsPerSec: number;
  /** Now minus the timestamp of the newest telemetry received, ms; null before the first. */
  lagMs: number | null;
  /** Bytes the origin uses in storage (navigator.storage.estimate), null when unknown. */
  bytesStored: number | null;
  eventsStored: number;
  /** `/api/stream` connections this hub has opened since it started. */
  streamsOpened: number;
}

/** Calls a tab can make to the hub and get one reply for. */
export interface HubCalls {
  /**
   * A truck's stored telemetry with `since <= ts < until`, oldest first, one sample per `ts`: the
   * server's history handed over with `store-history` and the events the hub received, merged. At
   * most `limit` samples (the oldest); a tab pages through a long range with `since` after the last.
   */
  history: { args: { truckId: string; since?: number; until?: number; limit?: number }; result: Telemetry[] };
  diagnostics: { args: Record<string, never>; result: Diagnostics };
}

/** The name of a hub call. */
export type HubCallName = keyof HubCalls;

/** Messages from a tab to the hub, by type. */
export interface TabToHubMap {
  /** First message of a tab: who is logged in and which trucks it shows (null: all). */
  hello: { tabId: string; version: string; me: Me; trucks: string[] | null; lockName: string };
  /**
   * A page that is starting up: open this operator's stored view now, so it is in memory when the
   * tab's hello comes (after the session check). Reads storage only; the stream waits for a hello.
   */
  prepare: { me: Me };
  subscribe: { trucks: string[] | null };
  /** Sent on `pagehide`; a crashed tab is noticed when its Web Lock is released instead. */
  goodbye: Record<never, never>;
  logout: Record<never, never>;
  /**
   * One page of a truck's history as the server sent it, for the hub to store for offline use:
   * `body` is the JSON text of a `GET /api/trucks/:id/history` answer (`HistoryPage`). Text, not
   * objects: a string is copied, where postMessage walks and clones every sample on the page's
   * thread (about 20 ms for 5,000 samples), and the hub parses it on its own thread.
   */
  'store-history': { truckId: string; body: string };
  'set-prefs': { prefs: Prefs };
  call: {
    [K in HubCallName]: { requestId: string; name: K; args: HubCalls[K]['args'] };
  }[HubCallName];
  'cancel-call': { requestId: string };
  /** The tab has handled the `events` batch with this number. */
  ack: { batch: number };
}

/** Messages from the hub to a tab, by type. */
export interface HubToTabMap {
  /** Answer to `hello`: the current state at once, from memory or IndexedDB. */
  welcome: {
    hubKind: HubKind;
    status: StreamStatus;
    epoch: string | null;
    lastEventId: string | null;
    trucks: TruckState[];
    /** Active alerts of every truck of the tenant, whatever the tab subscribed to. */
    activeAlerts: Alert[];
    prefs: Prefs;
    /**
     * A Web Lock the hub holds for its whole life, unique to it (SharedWorker hubs; null for a leader
     * tab, whose failover has its own lock). A tab that waits for it is granted it only once this hub
     * is gone — terminated from DevTools, crashed, killed for memory — and then starts a new one.
     */
    hubLock: string | null;
  };
  /**
   * New events in stream order (`reset` never comes here; see `snapshot`). The tab answers each
   * batch with `ack`, so that a busy or throttled tab gets a bounded backlog, not an endless queue.
   */
  events: { batch: number; events: StreamEvent[] };
  /** After a `reset`, or when a tab fell too far behind: replace everything held with this. */
  snapshot: { epoch: string | null; lastEventId: string | null; trucks: TruckState[]; activeAlerts: Alert[] };
  status: { status: StreamStatus };
  prefs: { prefs: Prefs };
  /**
   * Show this new alert as a system notification. The hub sees each alert once and sends this to
   * one tab only, so the operator gets one notification however many windows are open.
   */
  notify: { alert: Alert; truckName: string };
  /** The session ended: `logout` (any tab logged out; the database is gone) or `expired`. */
  'logged-out': { reason: 'logout' | 'expired' };
  reply:
    | { requestId: string; ok: true; result: HubCalls[HubCallName]['result'] }
    | { requestId: string; ok: false; error: string };
}

/** A tab-to-hub message. */
export type TabToHub = { [K in keyof TabToHubMap]: { type: K } & TabToHubMap[K] }[keyof TabToHubMap];

/** A hub-to-tab message. */
export type HubToTab = { [K in keyof HubToTabMap]: { type: K } & HubToTabMap[K] }[keyof HubToTabMap];

/** A message of one type. */
export type MessageOf<M extends { type: string }, K extends M['type']> = Extract<M, { type: K }>;

/** What travels on the leader tab's BroadcastChannel when there is no SharedWorker. */
export type ChannelEnvelope =
  | { kind: 'to-hub'; from: string; message: TabToHub }
  | { kind: 'to-tabs'; to: string[]; message: HubToTab }
  /** A new leader took over: every tab says hello again. */
  | { kind: 'leader' };

/** The leader hub's channel and lock names for one build: two builds never share a hub. */
export function leaderNames(version: string): { channel: string; lock: string } {
  return { channel: `fleetwire-hub:${version}`, lock: `fleetwire-leader:${version}` };
}
