// Faults operators meet, in real Chromium against real fleetwire processes: the network gone for
// 10 s, the server killed, the SharedWorker killed, a tab frozen or crashed, IndexedDB unavailable
// or full. Each time every tab ends up showing every event exactly once, or the app says why not.
// (hub.test.ts covers all tabs closed and reopened, a closed leader, and a graceful restart.)
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSnapshot, Telemetry } from '../../src/shared/fleet';
import { client, eventually, launchProfile, logIn, openApp, panel, waitForPainted, type Profile } from '../support/browser';
import { startServer, type RunningServer } from '../support/server';
import { startCountingProxy, type CountingProxy } from '../support/tcp-proxy';
import { freshDataDir } from '../support/database';

type Sample = Omit<Telemetry, 'ts'> & { ts: number | string };

/** A fixed secret, so that sessions stay valid across the restart of a server process. */
// One database for every start of the server here: a restart keeps the accounts, and so the sessions.
const data = await freshDataDir();
const ENV = { FLEETWIRE_SESSION_SECRET: 'faults-test-secret-0123456789abcdef', FLEETWIRE_DATA_DIR: data.dir };
/** Bound on every wait for something the browser must do on its own (reconnect, resume, paint). */
const WAIT_MS = 45_000;
/** How long the network stays cut: 10 s. */
const OUTAGE_MS = 10_000;

let server: RunningServer;
let proxy: CountingProxy;
let profiles: Profile[] = [];

async function profile(initScript?: () => void): Promise<Profile> {
  const p = await launchProfile(initScript ? { initScript } : {});
  profiles.push(p);
  await logIn(p.context, proxy.url, 'ana');
  return p;
}

function open(p: Profile, path: string): Promise<Page> {
  return openApp(p.context, proxy.url + path, WAIT_MS);
}

// Samples 10 ms apart from now: thousands of them stay within the 5 minutes ahead ingest accepts.
let tsCounter = Date.now();
async function ingestMany(items: Partial<Sample>[]): Promise<string[]> {
  const body = items.map((item) => ({ ts: (tsCounter += 10), lat: 51.9, lon: 4.5, speedKph: 60, headingDeg: 90, ...item }));
  const response = await fetch(`${server.url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { ids: string[] }).ids;
}

/** Polls until `check` holds, for at most WAIT_MS unless told otherwise. */
const waitFor = (check: () => Promise<boolean>, what: string, timeoutMs = WAIT_MS) => eventually(check, what, timeoutMs);

/** Timestamps of a truck's telemetry as a tab holds it in memory, and as the hub stored it. */
async function seen(page: Page, truckId: string): Promise<{ recent: number[]; stored: number[] }> {
  return page.evaluate(async (id) => {
    const f = window.fleetwire!;
    return { recent: (f.trucks.get(id)?.recent ?? []).map((t) => t.ts), stored: (await f.history(id)).map((t) => t.ts) };
  }, truckId);
}

/** Every expected sample exactly once, in order, in the tab's memory and in the hub's storage. */
async function expectEachOnce(page: Page, truckId: string, expected: number[]): Promise<void> {
  const { recent, stored } = await seen(page, truckId);
  for (const [where, list] of [['tab', recent], ['hub storage', stored]] as const) {
    expect(new Set(list).size, `${where} of ${page.url()} holds a sample twice`).toBe(list.length);
    const ours = list.filter((ts) => expected.includes(ts));
    expect(ours, `${where} of ${page.url()}`).toEqual(expected.slice(-ours.length));
  }
  // Storage keeps all of them; a tab keeps the newest RECENT_PER_TRUCK (120).
  expect(stored.filter((ts) => expected.includes(ts))).toEqual(expected);
}

function tsOf(items: Partial<Sample>[]): number[] {
  return items.map((i) => i.ts as number);
}

/** Samples with their timestamps fixed up front, so the test knows which ones a tab must hold. */
function samples(truckId: string, n: number, speed = (i: number) => 20 + (i % 50)): Partial<Sample>[] {
  return Array.from({ length: n }, (_, i) => ({ truckId, ts: (tsCounter += 10), speedKph: speed(i) }));
}

beforeAll(async () => {
  server = await startServer(ENV);
  proxy = await startCountingProxy(server.port);
});

afterEach(async () => {
  proxy.plug();
  for (const p of profiles) await p.close();
  profiles = [];
  await waitFor(async () => proxy.openStreams() === 0, 'streams of closed browsers to end');
});

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  await data.remove();
});

describe('the network is cut for 10 s while events keep coming', () => {
  it('says offline, then every tab shows every event, none twice', async () => {
    const p = await profile();
    const pages = [await open(p, '/'), await open(p, '/'), await open(p, '/trucks/acme-08')];
    const before = samples('acme-08', 5);
    const beforeIds = await ingestMany(before);
    for (const page of pages) await waitForPainted(page, 'acme-08', beforeIds.at(-1)!);
    const opened = proxy.streamsOpened();

    // Pages see navigator.onLine go false; the hub's stream (in the SharedWorker, which Playwright's
    // offline emulation does not reach) loses its connection at the proxy, as on a real outage.
    await p.context.setOffline(true);
    proxy.unplug();
    const during: Partial<Sample>[] = [];
    const others: Partial<Sample>[] = [];
    const start = Date.now();
    let sawOffline = false;
    while (Date.now() - start < OUTAGE_MS) {
      const batch = [...samples('acme-08', 3), ...samples('acme-09', 1)];
      await ingestMany(batch);
      during.push(...batch.filter((s) => s.truckId === 'acme-08'));
      others.push(...batch.filter((s) => s.truckId === 'acme-09'));
      sawOffline ||= (await pages[0]!.locator('stream-indicator').getAttribute('data-state')) === 'offline';
      await new Promise((r) => setTimeout(r, 500));
    }
    // The dashboard said so while it lasted.
    expect(sawOffline).toBe(true);
    expect(await client(pages[2]!, (f) => f.status.state)).not.toBe('live');
    await p.context.setOffline(false);
    proxy.plug();

    const after = samples('acme-08', 2);
    const afterIds = await ingestMany(after);
    for (const page of pages) await waitForPainted(page, 'acme-08', afterIds.at(-1)!, WAIT_MS);
    await pages[0]!.locator('stream-indicator[data-state="live"]').waitFor({ timeout: WAIT_MS });
    const all = tsOf([...before, ...during, ...after]);
    for (const page of pages) await expectEachOnce(page, 'acme-08', all);
    for (const page of pages.slice(0, 2)) await expectEachOnce(page, 'acme-09', tsOf(others));
    // One stream again, a new one: the outage really cut the old.
    expect(proxy.openStreams()).toBe(1);
    expect(proxy.streamsOpened()).toBeGreaterThan(opened);
  });
});

describe('the server is killed (SIGKILL) and restarted on the memory bus', () => {
  it('resets every tab and the stored database to the new epoch, with nothing old mixed in', async () => {
    const p = await profile();
    const pages = [await open(p, '/'), await open(p, '/trucks/acme-05')];
    const old = await ingestMany([...samples('acme-05', 3, () => 77), ...samples('acme-11', 2, () => 66)]);
    await waitForPainted(pages[1]!, 'acme-05', old[2]!);
    await waitForPainted(pages[0]!, 'acme-11', old.at(-1)!);
    const oldEpoch = old[0]!.split('-')[0]!;

    const port = server.port;
    server.kill('SIGKILL');
    await server.exited;
    await waitFor(async () => (await client(pages[0]!, (f) => f.status.state)) !== 'live', 'the tabs to notice');
    server = await startServer({ ...ENV, PORT: String(port) });
    const cookie = (await p.context.cookies(proxy.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    const fleet = (await (await fetch(`${server.url}/api/fleet`, { headers: { cookie } })).json()) as FleetSnapshot;
    expect(fleet.epoch).not.toBe(oldEpoch);

    for (const page of pages) {
      await waitFor(async () => (await client(page, async (f) => (await f.diagnostics()).epoch)) === fleet.epoch, 'the reset');
    }
    const fresh = await ingestMany(samples('acme-05', 1, () => 12));
    for (const page of pages) await waitForPainted(page, 'acme-05', fresh[0]!);
    for (const page of pages) {
      expect(await client(page, (f) => f.trucks.get('acme-05')?.last?.speedKph)).toBe(12);
      // History is the database's now, kept across restarts: the new epoch's sample is the newest, none twice.
      const history = await client(page, (f) => f.history('acme-05'));
      expect(history.at(-1)?.speedKph).toBe(12);
      expect(new Set(history.map((t) => t.ts)).size).toBe(history.length);
      expect(await client(page, (f) => f.lastEventId)).toBe(fresh[0]);
    }
    // The tabs hold the new snapshot: each truck where the server's database last saw it.
    expect(await client(pages[0]!, (f) => f.trucks.get('acme-11')?.last ?? null)).toEqual(fleet.trucks.find((t) => t.id === 'acme-11')?.last ?? null);
    // The database holds the new epoch only: no event, truck state or id of the killed process.
    const stored = await pages[0]!.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('fleetwire:acme:ana');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const all = <T,>(store: string) =>
        new Promise<T[]>((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).getAll();
          req.onsuccess = () => resolve(req.result as T[]);
          req.onerror = () => reject(req.error);
        });
      const meta = await new Promise<unknown>((resolve) => {
        const req = db.transaction('meta').objectStore('meta').get('epoch');
        req.onsuccess = () => resolve(req.result);
      });
      const out = { events: await all<{ id: string }>('events'), trucks: await all<{ lastEventId: string | null }>('trucks'), epoch: meta };
      db.close();
      return { eventIds: out.events.map((e) => e.id), truckIds: out.trucks.map((t) => t.lastEventId), epoch: out.epoch };
    });
    expect(stored.epoch).toBe(fleet.epoch);
    for (const id of [...stored.eventIds, ...stored.truckIds]) if (id !== null) expect(id.startsWith(`${fleet.epoch}-`)).toBe(true);
    expect(stored.eventIds).toContain(fresh[0]);
    expect(proxy.openStreams()).toBe(1);
  });
});

describe('the SharedWorker is terminated', () => {
  it('resumes from the stored id in a new worker: every tab gets every event, once', async () => {
    const p = await profile();
    const pages = [await open(p, '/'), await open(p, '/trucks/acme-06'), await open(p, '/trucks/acme-06')];
    const before = samples('acme-06', 3);
    const beforeIds = await ingestMany(before);
    for (const page of pages) await waitForPainted(page, 'acme-06', beforeIds.at(-1)!);

    const browserCdp = await p.context.browser()!.newBrowserCDPSession();
    const { targetInfos } = (await browserCdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
    const workers = targetInfos.filter((t) => t.type === 'shared_worker');
    expect(workers).toHaveLength(1);
    const openedBefore = proxy.streamsOpened();
    await browserCdp.send('Target.closeTarget', { targetId: workers[0]!.targetId });
    // The tabs notice the dead hub at once and start another, so "no stream" may last only an
    // instant: wait for the new hub's stream instead.
    await waitFor(async () => proxy.streamsOpened() > openedBefore, 'a new hub to open its stream');

    // Published around the switch of hubs: each must still reach every tab exactly once.
    const during = samples('acme-06', 10);
    await ingestMany(during);
    const after = samples('acme-06', 2);
    const afterIds = await ingestMany(after);
    for (const page of pages) await waitForPainted(page, 'acme-06', afterIds.at(-1)!, WAIT_MS);
    for (const page of pages) await expectEachOnce(page, 'acme-06', tsOf([...before, ...during, ...after]));
    await waitFor(async () => (await client(pages[0]!, async (f) => (await f.diagnostics()).tabs)) === 3, 'all 3 tabs on the new hub');
    expect(proxy.openStreams()).toBe(1);
    await browserCdp.detach();
  });
});

describe('a tab frozen, another crashed', () => {
  it('drops the crashed tab within seconds, keeps the others live, and brings the frozen one up to date', async () => {
    const p = await profile();
    const pages = [await open(p, '/'), await open(p, '/'), await open(p, '/trucks/acme-07'), await open(p, '/trucks/acme-07')];
    await waitFor(async () => (await client(pages[0]!, async (f) => (await f.diagnostics()).tabs)) === 4, '4 tabs attached');
    const opened = await client(pages[0]!, async (f) => (await f.diagnostics()).streamsOpened);

    const frozen = pages[1]!;
    const freezer: CDPSession = await p.context.newCDPSession(frozen);
    await freezer.send('Page.setWebLifecycleState', { state: 'frozen' });
    const crashed = pages[3]!;
    const crasher = await p.context.newCDPSession(crashed);
    // The renderer dies mid-command, so the command never answers: do not wait for it.
    void crasher.send('Page.crash').catch(() => undefined);
    await crashed.waitForEvent('crash', { timeout: WAIT_MS });
    // The crashed tab is gone within seconds (bounded wait, not a timing assertion); the frozen one is alive.
    await waitFor(async () => (await client(pages[0]!, async (f) => (await f.diagnostics()).tabs)) === 3, 'the crashed tab dropped', 15_000);

    // More than a frozen tab may have queued (5,000): its backlog is dropped and it gets a snapshot later.
    const flood: string[] = [];
    for (let i = 0; i < 6; i++) flood.push(...(await ingestMany(samples(`acme-${10 + i}`, 1_000))));
    const last = samples('acme-07', 1, () => 33);
    const lastId = (await ingestMany(last))[0]!;
    for (const page of [pages[0]!, pages[2]!]) await waitForPainted(page, 'acme-07', lastId, WAIT_MS);
    expect(await client(pages[0]!, (f) => f.lastEventId)).toBe(lastId);
    // Nobody reconnected: one stream throughout.
    expect(await client(pages[0]!, async (f) => (await f.diagnostics()).streamsOpened)).toBe(opened);
    expect(proxy.openStreams()).toBe(1);

    await freezer.send('Page.setWebLifecycleState', { state: 'active' });
    await waitForPainted(frozen, 'acme-07', lastId, WAIT_MS);
    await waitFor(async () => (await client(frozen, (f) => f.lastEventId)) === lastId, 'the thawed tab to be current');
    expect(await client(frozen, (f) => f.trucks.get('acme-15')?.lastEventId)).toBe(flood.at(-1));
    expect(await client(frozen, (f) => f.trucks.get('acme-07')?.last?.speedKph)).toBe(33);
    await freezer.detach().catch(() => undefined);
  });
});

describe('IndexedDB unavailable or full (leader-tab hub, so the page’s IndexedDB is the hub’s)', () => {
  it('keeps working from memory when IndexedDB cannot be opened, and says so', async () => {
    const p = await profile(() => {
      // Without SharedWorker the hub runs in a tab, where this script reaches its IndexedDB.
      delete (window as { SharedWorker?: unknown }).SharedWorker;
      IDBFactory.prototype.open = function open(): IDBOpenDBRequest {
        throw new DOMException('IndexedDB is disabled in this browser', 'InvalidStateError');
      };
    });
    const dashboard = await open(p, '/');
    const truckTab = await open(p, '/trucks/acme-12');
    expect(await client(dashboard, async (f) => (await f.diagnostics()).hubKind)).toBe('leader-tab');
    for (const page of [dashboard, truckTab]) {
      expect(await client(page, (f) => f.status.storage)).toBe('memory');
      expect(await client(page, (f) => f.status.storageError)).toMatch(/IndexedDB/);
    }
    await dashboard.getByText('This browser is not keeping the fleet for offline use').waitFor({ timeout: WAIT_MS });

    const items = samples('acme-12', 8);
    const ids = await ingestMany(items);
    for (const page of [dashboard, truckTab]) await waitForPainted(page, 'acme-12', ids.at(-1)!);
    for (const page of [dashboard, truckTab]) await expectEachOnce(page, 'acme-12', tsOf(items));
    expect(await panel(truckTab, 'acme-12').count()).toBe(1);
  });

  it('carries on in memory when IndexedDB fills up mid-stream, losing nothing, and says so', async () => {
    const p = await profile(() => {
      delete (window as { SharedWorker?: unknown }).SharedWorker;
      const put = IDBObjectStore.prototype.put;
      // The disk fills when the test says so: every write from then on fails as a full disk does.
      IDBObjectStore.prototype.put = function fullPut(this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        if ((window as { __diskFull?: boolean }).__diskFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return put.apply(this, args);
      };
    });
    const leader = await open(p, '/');
    const other = await open(p, '/trucks/acme-13');
    expect(await client(leader, (f) => f.status.storage)).toBe('indexeddb');
    const before = samples('acme-13', 4);
    const beforeIds = await ingestMany(before);
    for (const page of [leader, other]) await waitForPainted(page, 'acme-13', beforeIds.at(-1)!);

    // Only the leader's page runs the hub, so only its writes fail.
    await leader.evaluate(() => ((window as { __diskFull?: boolean }).__diskFull = true));
    const during = samples('acme-13', 6);
    const duringIds = await ingestMany(during);
    for (const page of [leader, other]) await waitForPainted(page, 'acme-13', duringIds.at(-1)!);
    await waitFor(async () => (await client(other, (f) => f.status.storage)) === 'memory', 'the switch to memory');
    expect(await client(other, (f) => f.status.storageError)).toMatch(/full/);
    await leader.getByText('This browser is not keeping the fleet for offline use').waitFor({ timeout: WAIT_MS });

    const after = samples('acme-13', 3);
    const afterIds = await ingestMany(after);
    for (const page of [leader, other]) await waitForPainted(page, 'acme-13', afterIds.at(-1)!);
    for (const page of [leader, other]) await expectEachOnce(page, 'acme-13', tsOf([...before, ...during, ...after]));
  });
});
