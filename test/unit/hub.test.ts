// The hub core with in-memory links and a scripted stream: fan-out, filtering, backpressure, resume.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FleetHub, MAX_INFLIGHT_BATCHES, MAX_QUEUED_EVENTS, PERSIST_DELAY_MS, type HubEnvironment, type TabLink } from '../../src/hub/hub';
import { MemoryStorage, type HubStorage } from '../../src/hub/storage';
import type { StreamHandlers } from '../../src/hub/stream';
import type { FleetSnapshot, Me, Telemetry, TruckSnapshot } from '../../src/shared/fleet';
import type { HubToTab, MessageOf, TabToHub } from '../../src/shared/protocol';

const ME: Me = { username: 'ana', tenant: 'acme' };
const EPOCH = '1700000000000';

function truck(id: string): TruckSnapshot {
  return { id, tenant: 'acme', name: id, plate: 'P', driver: null, transfer: null, last: null, lastEventId: null, alerts: [] };
}

function telemetry(truckId: string, ts: number, speedKph = 50): Telemetry {
  return { truckId, ts, lat: 50, lon: 5, speedKph, headingDeg: 0 };
}

/** A stream whose connections the test opens, feeds and breaks. */
class ScriptedStream {
  readonly urls: string[] = [];
  handlers: StreamHandlers | null = null;
  open = (url: string, handlers: StreamHandlers) => {
    this.urls.push(url);
    this.handlers = handlers;
    return () => {
      if (this.handlers === handlers) this.handlers = null;
    };
  };
  seq = 0;
  telemetry(t: Telemetry): string {
    const id = `${EPOCH}-${++this.seq}`;
    this.handlers?.onEvent('telemetry', id, JSON.stringify(t));
    return id;
  }
  alert(truckId: string): string {
    const id = `${EPOCH}-${++this.seq}`;
    const alert = { id: `${truckId}:speeding:1`, truckId, kind: 'speeding', severity: 'warning', state: 'active', startedAt: 1, message: 'fast' };
    this.handlers?.onEvent('alert', id, JSON.stringify(alert));
    return id;
  }
}

class RecordingTab implements TabLink {
  readonly messages: HubToTab[] = [];
  post(message: HubToTab): void {
    this.messages.push(message);
  }
  of<K extends HubToTab['type']>(type: K): MessageOf<HubToTab, K>[] {
    return this.messages.filter((m): m is MessageOf<HubToTab, K> => m.type === type);
  }
  eventIds(): string[] {
    return this.of('events').flatMap((m) => m.events.map((e) => e.id));
  }
}

interface Rig {
  hub: FleetHub;
  stream: ScriptedStream;
  storage: HubStorage;
  fetches: { url: string; method: string }[];
  tabLocks: Map<string, () => void>;
  me401: { on: boolean };
  connect(trucks?: string[] | null): Promise<{ tab: RecordingTab; send: (m: TabToHub) => void }>;
}

function rig(options: { storage?: HubStorage; snapshot?: FleetSnapshot } = {}): Rig {
  const stream = new ScriptedStream();
  const storage = options.storage ?? new MemoryStorage();
  const fetches: { url: string; method: string }[] = [];
  const tabLocks = new Map<string, () => void>();
  const me401 = { on: false };
  const snapshot = options.snapshot ?? { epoch: EPOCH, lastEventId: `${EPOCH}-0`, trucks: [truck('t1'), truck('t2')] };
  const env: HubEnvironment = {
    kind: 'shared-worker',
    version: 'test',
    transport: { open: stream.open },
    openStorage: async () => storage,
    fetch: async (input, init) => {
      const url = String(input);
      fetches.push({ url, method: init?.method ?? 'GET' });
      if (url.endsWith('/api/fleet')) return Response.json(snapshot);
      if (url.endsWith('/api/me')) return me401.on ? new Response('{}', { status: 401 }) : Response.json(ME);
      return new Response(null, { status: 204 });
    },
    watchTab: (lockName, signal) =>
      new Promise<void>((resolve, reject) => {
        tabLocks.set(lockName, resolve);
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      }),
    estimateStorage: async () => null,
    baseUrl: 'http://fleetwire.test/',
    random: () => 0.5,
  };
  const hub = new FleetHub(env);
  let n = 0;
  return {
    hub,
    stream,
    storage,
    fetches,
    tabLocks,
    me401,
    async connect(trucks = null) {
      const tab = new RecordingTab();
      const send = hub.attach(tab);
      const id = `tab-${++n}`;
      send({ type: 'hello', tabId: id, version: 'test', me: ME, trucks, lockName: `lock-${id}` });
      await vi.advanceTimersByTimeAsync(0);
      return { tab, send };
    },
  };
}

/** Storage a hub that has ended left behind: one event, streamed, stored, and the hub shut down. */
async function storedByAnEarlierHub(event: Telemetry): Promise<{ storage: HubStorage; id: string }> {
  const storage = new MemoryStorage();
  const first = rig({ storage });
  await first.connect();
  const id = first.stream.telemetry(event);
  await vi.advanceTimersByTimeAsync(500);
  await first.hub.shutdown();
  return { storage, id };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('fleet hub core', () => {
  it('opens one stream however many tabs attach, and welcomes each with the current state', async () => {
    const r = rig();
    const tabs = [];
    for (let i = 0; i < 20; i += 1) tabs.push(await r.connect(i % 2 ? ['t1'] : null));
    expect(r.stream.urls).toHaveLength(1);
    expect(r.stream.urls[0]).toBe(`http://fleetwire.test/api/stream?lastEventId=${EPOCH}-0`);
    expect(r.hub.tabCount).toBe(20);
    for (const { tab } of tabs) expect(tab.of('welcome')).toHaveLength(1);
    // The first tab came before any state existed: the fetched snapshot follows its welcome.
    expect(tabs[0]?.tab.of('snapshot').at(-1)?.trucks.map((t) => t.id)).toEqual(['t1', 't2']);
    // Later tabs get the state at once, in the welcome.
    expect(tabs[2]?.tab.of('welcome')[0]?.trucks.map((t) => t.id)).toEqual(['t1', 't2']);
    expect(tabs[1]?.tab.of('welcome')[0]?.trucks.map((t) => t.id)).toEqual(['t1']);
  });

  it('fans each event out once to every tab that shows its truck; alerts reach every tab', async () => {
    const r = rig();
    const all = await r.connect(null);
    const onlyT1 = await r.connect(['t1']);
    const onlyT2 = await r.connect(['t2']);
    r.stream.handlers?.onOpen();
    const a = r.stream.telemetry(telemetry('t1', 1));
    const b = r.stream.telemetry(telemetry('t2', 2));
    const c = r.stream.alert('t2');
    await vi.advanceTimersByTimeAsync(20);
    expect(all.tab.eventIds()).toEqual([a, b, c]);
    expect(onlyT1.tab.eventIds()).toEqual([a, c]);
    expect(onlyT2.tab.eventIds()).toEqual([b, c]);
    // Gathered into one batch per tab, not one message per event.
    expect(all.tab.of('events')).toHaveLength(1);
  });

  it('asks exactly one tab to notify a new alert, one that keeps up, and never a cleared one', async () => {
    const r = rig();
    const behind = await r.connect(null);
    const others = [await r.connect(['t1']), await r.connect(null)];
    r.stream.handlers?.onOpen();
    // The first tab stops acknowledging and falls MAX_INFLIGHT_BATCHES behind.
    for (let i = 0; i < MAX_INFLIGHT_BATCHES; i += 1) {
      r.stream.telemetry(telemetry('t1', i));
      await vi.advanceTimersByTimeAsync(0);
      for (const { tab, send } of others) for (const m of tab.of('events')) send({ type: 'ack', batch: m.batch });
      await vi.advanceTimersByTimeAsync(0);
    }
    r.stream.alert('t2');
    await vi.advanceTimersByTimeAsync(0);
    const asked = [behind, ...others].flatMap(({ tab }) => tab.of('notify'));
    expect(asked).toHaveLength(1);
    expect(asked[0]?.alert.id).toBe('t2:speeding:1');
    // Named by the hub, which holds every truck: the tab asked may show only t1.
    expect(asked[0]?.truckName).toBe('t2');
    expect(behind.tab.of('notify')).toHaveLength(0);

    const cleared = { id: 't2:speeding:1', truckId: 't2', kind: 'speeding', severity: 'warning', state: 'cleared', startedAt: 1, message: 'ok' };
    r.stream.handlers?.onEvent('alert', `${EPOCH}-${++r.stream.seq}`, JSON.stringify(cleared));
    await vi.advanceTimersByTimeAsync(0);
    expect([behind, ...others].flatMap(({ tab }) => tab.of('notify'))).toHaveLength(1);
  });

  it('does not notify an alert again when someone acknowledges it (the server sends it once more)', async () => {
    const r = rig();
    const { tab } = await r.connect();
    r.stream.handlers?.onOpen();
    r.stream.alert('t1');
    await vi.advanceTimersByTimeAsync(0);
    const acked = { id: 't1:speeding:1', truckId: 't1', kind: 'speeding', severity: 'warning', state: 'active', startedAt: 1, message: 'fast', ackedBy: 'ana', ackedAt: 2 };
    r.stream.handlers?.onEvent('alert', `${EPOCH}-${++r.stream.seq}`, JSON.stringify(acked));
    await vi.advanceTimersByTimeAsync(0);
    expect(tab.of('notify')).toHaveLength(1);
    // Every tab receives the acknowledged alert as an event: "acknowledged" comes with the alert.
    const last = tab.of('events').flatMap((m) => m.events).at(-1);
    expect(last?.type === 'alert' && last.data.ackedBy).toBe('ana');
  });

  it('drops events it already has when a stream replays them', async () => {
    const r = rig();
    const { tab } = await r.connect();
    const first = r.stream.telemetry(telemetry('t1', 1));
    r.stream.handlers?.onEvent('telemetry', first, JSON.stringify(telemetry('t1', 1)));
    await vi.advanceTimersByTimeAsync(20);
    expect(tab.eventIds()).toEqual([first]);
  });

  it('holds back a tab that stops acknowledging, then resyncs it with a snapshot', async () => {
    const r = rig();
    const slow = await r.connect();
    const fast = await r.connect();
    const total = MAX_INFLIGHT_BATCHES + 3;
    const perBatch = Math.ceil((MAX_QUEUED_EVENTS + 10) / 3);
    for (let b = 0; b < total; b += 1) {
      const count = b < MAX_INFLIGHT_BATCHES ? 1 : perBatch;
      for (let i = 0; i < count; i += 1) r.stream.telemetry(telemetry('t1', b * 100_000 + i));
      await vi.advanceTimersByTimeAsync(20);
      for (const m of fast.tab.of('events')) fast.send({ type: 'ack', batch: m.batch });
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(slow.tab.of('events')).toHaveLength(MAX_INFLIGHT_BATCHES);
    expect(fast.tab.eventIds()).toHaveLength(r.stream.seq);
    // The slow tab acknowledges one batch: its backlog overflowed, so it gets a snapshot, not a flood.
    slow.send({ type: 'ack', batch: slow.tab.of('events')[0]!.batch });
    await vi.advanceTimersByTimeAsync(0);
    const snapshot = slow.tab.of('snapshot').at(-1);
    expect(snapshot?.lastEventId).toBe(`${EPOCH}-${r.stream.seq}`);
    expect(slow.tab.of('events')).toHaveLength(MAX_INFLIGHT_BATCHES);
  });

  it('drops a tab whose lock is released (closed or crashed) and stops posting to it', async () => {
    const r = rig();
    const gone = await r.connect();
    await r.connect();
    r.tabLocks.get('lock-tab-1')?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.hub.tabCount).toBe(1);
    r.stream.telemetry(telemetry('t1', 1));
    await vi.advanceTimersByTimeAsync(20);
    expect(gone.tab.of('events')).toHaveLength(0);
  });

  it('forgets a tab that says goodbye', async () => {
    const r = rig();
    const { send } = await r.connect();
    send({ type: 'goodbye' });
    await vi.advanceTimersByTimeAsync(0);
    expect(r.hub.tabCount).toBe(0);
  });

  it('resumes a new hub from the stored id and state, without fetching a snapshot', async () => {
    const { storage, id } = await storedByAnEarlierHub(telemetry('t2', 5));
    const second = rig({ storage });
    const { tab } = await second.connect();
    expect(second.stream.urls).toEqual([`http://fleetwire.test/api/stream?lastEventId=${id}`]);
    expect(second.fetches.filter((f) => f.url.endsWith('/api/fleet'))).toHaveLength(0);
    const welcome = tab.of('welcome')[0];
    expect(welcome?.lastEventId).toBe(id);
    expect(welcome?.trucks.find((t) => t.id === 't2')?.last?.ts).toBe(5);
  });

  it('prepares a stored view without streaming; the first hello welcomes from it and starts the stream', async () => {
    const { storage, id } = await storedByAnEarlierHub(telemetry('t2', 7));
    const second = rig({ storage });
    const load = vi.spyOn(storage, 'load');
    const starting = new RecordingTab();
    const send = second.hub.attach(starting);
    send({ type: 'prepare', me: ME });
    send({ type: 'goodbye' });
    await vi.advanceTimersByTimeAsync(0);
    // The stored view is read now; no stream, no request, nothing posted to the page that asked.
    expect(load).toHaveBeenCalledTimes(1);
    expect(second.stream.urls).toEqual([]);
    expect(second.fetches).toEqual([]);
    expect(starting.messages).toEqual([]);
    expect(second.hub.tabCount).toBe(0);

    const { tab } = await second.connect();
    expect(load).toHaveBeenCalledTimes(1);
    expect(tab.of('welcome')[0]?.trucks.find((t) => t.id === 't2')?.last?.ts).toBe(7);
    expect(second.stream.urls).toEqual([`http://fleetwire.test/api/stream?lastEventId=${id}`]);
  });

  it('never lets a prepare switch the operator of an open session', async () => {
    const r = rig();
    const { tab } = await r.connect();
    const other = r.hub.attach(new RecordingTab());
    other({ type: 'prepare', me: { username: 'mallory', tenant: 'globex' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(tab.of('logged-out')).toEqual([]);
    const id = r.stream.telemetry(telemetry('t1', 9));
    await vi.advanceTimersByTimeAsync(100);
    expect(tab.eventIds()).toContain(id);
    expect(r.stream.urls).toHaveLength(1);
  });

  it('replaces everything on reset: no old truck or alert survives', async () => {
    const r = rig();
    const { tab } = await r.connect();
    r.stream.alert('t1');
    r.stream.telemetry(telemetry('t1', 1));
    await vi.advanceTimersByTimeAsync(20);
    const fresh: FleetSnapshot = { epoch: '1800000000000', lastEventId: '1800000000000-4', trucks: [truck('t9')] };
    r.stream.handlers?.onEvent('reset', '', JSON.stringify(fresh));
    await vi.advanceTimersByTimeAsync(500);
    const snapshot = tab.of('snapshot').at(-1);
    expect(snapshot?.trucks.map((t) => t.id)).toEqual(['t9']);
    expect(snapshot?.activeAlerts).toEqual([]);
    const stored = await r.storage.load(10);
    expect(stored.trucks.map((t) => t.id)).toEqual(['t9']);
    expect(stored.epoch).toBe('1800000000000');
    expect(stored.lastEventId).toBe('1800000000000-4');
  });

  it('reconnects with backoff from the last id after a drop, and says so', async () => {
    const r = rig();
    const { tab } = await r.connect();
    r.stream.handlers?.onOpen();
    const id = r.stream.telemetry(telemetry('t1', 1));
    r.stream.handlers?.onError();
    await vi.advanceTimersByTimeAsync(0);
    expect(tab.of('status').at(-1)?.status.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(31_000);
    expect(r.stream.urls.at(-1)).toBe(`http://fleetwire.test/api/stream?lastEventId=${id}`);
  });

  it('ends the session in every tab when the cookie expired, keeping the stored view', async () => {
    const r = rig();
    const a = await r.connect();
    const b = await r.connect(['t1']);
    r.stream.telemetry(telemetry('t1', 1));
    r.me401.on = true;
    r.stream.handlers?.onError();
    await vi.advanceTimersByTimeAsync(500);
    expect(a.tab.of('logged-out')).toEqual([{ type: 'logged-out', reason: 'expired' }]);
    expect(b.tab.of('logged-out')).toEqual([{ type: 'logged-out', reason: 'expired' }]);
    expect((await r.storage.load(10)).lastEventId).not.toBeNull();
  });

  it('logs out everywhere: closes the stream, deletes the data, tells every tab', async () => {
    const r = rig();
    const a = await r.connect();
    const b = await r.connect();
    r.stream.telemetry(telemetry('t1', 1));
    a.send({ type: 'logout' });
    await vi.advanceTimersByTimeAsync(10);
    expect(r.stream.handlers).toBeNull();
    expect(r.fetches.some((f) => f.method === 'DELETE' && f.url.endsWith('/api/session'))).toBe(true);
    expect(b.tab.of('logged-out')).toEqual([{ type: 'logged-out', reason: 'logout' }]);
    expect((await r.storage.load(10)).trucks).toEqual([]);
  });

  it('shares preferences with every tab', async () => {
    const r = rig();
    const a = await r.connect();
    const b = await r.connect(['t2']);
    a.send({ type: 'set-prefs', prefs: { distance: 'mi', temperature: 'F' } });
    await vi.advanceTimersByTimeAsync(0);
    expect(b.tab.of('prefs').at(-1)?.prefs).toEqual({ distance: 'mi', temperature: 'F' });
  });

  it('keeps each event once when storage fills while later writes wait their turn', async () => {
    // Stands in for IndexedDB: once full, a write fails after a while, as a disk write does.
    const inner = new MemoryStorage();
    let full = false;
    let failWrite: () => void = () => undefined;
    const filling: HubStorage = {
      mode: 'indexeddb',
      load: (n) => inner.load(n),
      append: (batch) =>
        full ? new Promise((_, reject) => (failWrite = () => reject(new DOMException('full', 'QuotaExceededError')))) : inner.append(batch),
      replace: (snapshot) => inner.replace(snapshot),
      history: (truckId, since) => inner.history(truckId, since),
      storeHistory: (truckId, samples) => inner.storeHistory(truckId, samples),
      setMeta: (key, value) => inner.setMeta(key, value),
      countEvents: () => inner.countEvents(),
      prune: async () => undefined,
      destroy: () => inner.destroy(),
      close: () => undefined,
    };
    const r = rig({ storage: filling });
    const { tab, send } = await r.connect();
    r.stream.handlers?.onOpen();
    r.stream.telemetry(telemetry('t1', 1));
    await vi.advanceTimersByTimeAsync(PERSIST_DELAY_MS);
    full = true;
    // The first flush hangs on the full disk; the next one queues behind it.
    r.stream.telemetry(telemetry('t1', 2));
    await vi.advanceTimersByTimeAsync(PERSIST_DELAY_MS);
    r.stream.telemetry(telemetry('t1', 3));
    await vi.advanceTimersByTimeAsync(PERSIST_DELAY_MS);
    // The write fails, and so does its retry after pruning: the hub goes on in memory.
    failWrite();
    await vi.advanceTimersByTimeAsync(0);
    failWrite();
    r.stream.telemetry(telemetry('t1', 4));
    send({ type: 'call', requestId: 'h', name: 'history', args: { truckId: 't1', since: 0 } });
    await vi.advanceTimersByTimeAsync(PERSIST_DELAY_MS);
    const history = tab.of('reply').find((m) => m.requestId === 'h');
    expect(history?.ok && (history.result as Telemetry[]).map((t) => t.ts)).toEqual([1, 2, 3, 4]);
    expect(tab.of('status').at(-1)?.status.storage).toBe('memory');
  });

  it('answers history and diagnostics calls', async () => {
    const r = rig();
    const { tab, send } = await r.connect();
    r.stream.handlers?.onOpen();
    r.stream.telemetry(telemetry('t1', 10));
    r.stream.telemetry(telemetry('t1', 20));
    send({ type: 'call', requestId: 'h', name: 'history', args: { truckId: 't1', since: 15 } });
    send({ type: 'call', requestId: 'd', name: 'diagnostics', args: {} });
    await vi.advanceTimersByTimeAsync(300);
    const replies = tab.of('reply');
    const history = replies.find((m) => m.requestId === 'h');
    const diagnostics = replies.find((m) => m.requestId === 'd');
    expect(history?.ok && history.result).toEqual([telemetry('t1', 20)]);
    expect(diagnostics?.ok && diagnostics.result).toMatchObject({ tabs: 1, lastEventId: `${EPOCH}-2`, streamsOpened: 1 });
  });

  it('stores the server history a tab hands over, and answers history with it and the events merged, page by page', async () => {
    const r = rig();
    const { tab, send } = await r.connect();
    r.stream.handlers?.onOpen();
    // Live events at 40 and 50; the server's history from 10 to 40 (40 is the same sample).
    r.stream.telemetry(telemetry('t1', 40));
    r.stream.telemetry(telemetry('t1', 50));
    const page = { truckId: 't1', since: 0, until: 45, telemetry: [10, 20, 30, 40].map((ts) => telemetry('t1', ts, 70)) };
    send({ type: 'store-history', truckId: 't1', body: JSON.stringify(page) });
    // Another truck's page, or no page at all, stores nothing.
    send({ type: 'store-history', truckId: 't2', body: JSON.stringify(page) });
    send({ type: 'store-history', truckId: 't1', body: '<html>' });
    await vi.advanceTimersByTimeAsync(0);
    send({ type: 'call', requestId: 'all', name: 'history', args: { truckId: 't1' } });
    send({ type: 'call', requestId: 'p1', name: 'history', args: { truckId: 't1', since: 0, limit: 3 } });
    send({ type: 'call', requestId: 'p2', name: 'history', args: { truckId: 't1', since: 31, until: 50, limit: 3 } });
    await vi.advanceTimersByTimeAsync(300);
    const result = (id: string) => {
      const reply = tab.of('reply').find((m) => m.requestId === id);
      return reply?.ok ? (reply.result as Telemetry[]) : null;
    };
    expect(result('all')?.map((t) => t.ts)).toEqual([10, 20, 30, 40, 50]);
    // The server's sample wins where both hold a time.
    expect(result('all')?.[3]?.speedKph).toBe(70);
    expect(result('p1')?.map((t) => t.ts)).toEqual([10, 20, 30]);
    expect(result('p2')?.map((t) => t.ts)).toEqual([40]);
    expect((await r.storage.history('t1', 0)).map((t) => t.ts)).toEqual([10, 20, 30, 40, 50]);
    expect(await r.storage.history('t2', 0)).toEqual([]);
  });
});
