// The fleet hub in real Chromium against a real fleetwire server: one stream per browser profile.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CDPSession, Page } from 'playwright-core';
import type { Telemetry } from '../../src/shared/fleet';
import { client, eventually, launchProfile, logIn, openApp, panel, waitForPainted, type Profile } from '../support/browser';
import { startServer, type RunningServer } from '../support/server';
import { startCountingProxy, type CountingProxy } from '../support/tcp-proxy';
import { freshDataDir } from '../support/database';

type Sample = Omit<Telemetry, 'ts'> & { ts: number | string };

/** A fixed secret, so that sessions stay valid across the restart of a server process. */
// One database for every start of the server here: a restart keeps the accounts, and so the sessions.
const data = await freshDataDir();
const ENV = { FLEETWIRE_SESSION_SECRET: 'hub-test-secret-0123456789abcdef', FLEETWIRE_DATA_DIR: data.dir };

/** Bound on every wait for something the browser must do on its own (resume, failover, paint). */
const WAIT_MS = 30_000;

let server: RunningServer;
let proxy: CountingProxy;
let profiles: Profile[] = [];

async function profile(options: { noSharedWorker?: boolean } = {}): Promise<Profile> {
  const p = await launchProfile(
    options.noSharedWorker
      ? {
          initScript: () => {
            // As in Android WebViews and Chrome for Android before 148.
            delete (window as { SharedWorker?: unknown }).SharedWorker;
          },
        }
      : {},
  );
  profiles.push(p);
  await logIn(p.context, proxy.url, 'ana');
  return p;
}

function open(p: Profile, path: string): Promise<Page> {
  return openApp(p.context, proxy.url + path, WAIT_MS);
}

let tsCounter = Date.now();
async function ingest(truckId: string, extra: Partial<Sample> = {}): Promise<string> {
  const ids = await ingestMany([{ truckId, ...extra }]);
  return ids[0]!;
}

async function ingestMany(items: Partial<Sample>[]): Promise<string[]> {
  const body = items.map((item) => ({
    ts: (tsCounter += 1000),
    lat: 51.9,
    lon: 4.5,
    speedKph: 60,
    headingDeg: 90,
    ...item,
  }));
  const response = await fetch(`${server.url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { ids: string[] }).ids;
}

async function gauge(tenant: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`fleetwire_sse_connections{tenant="${tenant}"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function diagnosticsTabs(page: Page): Promise<number> {
  return client(page, async (f) => (await f.diagnostics()).tabs);
}

/** Polls until `check` holds, for at most WAIT_MS unless told otherwise. */
const waitFor = (check: () => Promise<boolean>, what: string, timeoutMs = WAIT_MS) => eventually(check, what, timeoutMs);

beforeAll(async () => {
  server = await startServer(ENV);
  proxy = await startCountingProxy(server.port);
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
  await waitFor(async () => proxy.openStreams() === 0, 'streams of closed browsers to end');
});

afterAll(async () => {
  await proxy?.close();
  await server?.stop();
  await data.remove();
});

describe('one stream per browser', () => {
  it('holds exactly one /api/stream for 20 tabs and windows, and the 20th tab still fetches', async () => {
    const p = await profile();
    const pages: Page[] = [];
    for (let i = 0; i < 20; i += 1) {
      const truck = `acme-${String((i % 9) + 1).padStart(2, '0')}`;
      pages.push(await open(p, i % 2 === 0 ? '/' : `/trucks/${truck}`));
    }
    await waitFor(async () => (await diagnosticsTabs(pages[0]!)) === 20, '20 tabs attached');
    expect(await gauge('acme')).toBe(1);
    expect(proxy.openStreams()).toBe(1);
    // With one stream per tab this request would queue behind six held connections forever.
    const status = await pages[19]!.evaluate(() =>
      Promise.race([
        fetch('/api/me').then((r) => r.status),
        new Promise<number>((resolve) => setTimeout(() => resolve(-1), 10_000)),
      ]),
    );
    expect(status).toBe(200);
    expect(await client(pages[0]!, async (f) => (await f.diagnostics()).hubKind)).toBe('shared-worker');
  });

  it('paints an ingested event in every tab that shows the truck, all at the same id', async () => {
    const p = await profile();
    const dashboards = [await open(p, '/'), await open(p, '/')];
    const windows = [await open(p, '/trucks/acme-03'), await open(p, '/trucks/acme-03')];
    const other = await open(p, '/trucks/acme-04');
    const id = await ingest('acme-03', { speedKph: 71 });
    for (const page of [...dashboards, ...windows]) await waitForPainted(page, 'acme-03', id);
    for (const page of [...dashboards, ...windows]) {
      expect(await client(page, (f) => f.trucks.get('acme-03')?.last?.speedKph)).toBe(71);
    }
    // A truck window gets only its truck.
    expect(await client(other, (f) => f.trucks.has('acme-03'))).toBe(false);
    expect(await panel(other, 'acme-04').count()).toBe(1);
  });
});

describe('tabs come and go', () => {
  it('drops closed and crashed tabs, then resumes after all tabs closed without loss or duplicates', async () => {
    const p = await profile();
    const pages: Page[] = [];
    for (let i = 0; i < 6; i += 1) pages.push(await open(p, i < 3 ? '/' : '/trucks/acme-06'));
    await waitFor(async () => (await diagnosticsTabs(pages[0]!)) === 6, '6 tabs attached');

    await pages[1]!.close();
    const cdp: CDPSession = await p.context.newCDPSession(pages[2]!);
    // The renderer dies mid-command, so the command never answers: do not wait for it.
    void cdp.send('Page.crash').catch(() => undefined);
    await pages[2]!.waitForEvent('crash', { timeout: WAIT_MS });
    await waitFor(async () => (await diagnosticsTabs(pages[0]!)) === 4, 'closed and crashed tabs dropped');

    const before = await ingestMany(Array.from({ length: 5 }, () => ({ truckId: 'acme-06' })));
    await waitForPainted(pages[3]!, 'acme-06', before.at(-1)!);
    for (const page of pages) if (!page.isClosed()) await page.close().catch(() => undefined);

    // Nobody is watching: these must arrive when a tab opens again.
    const during = await ingestMany(Array.from({ length: 20 }, (_, i) => ({ truckId: 'acme-06', speedKph: 30 + i })));
    const again = await open(p, '/trucks/acme-06');
    await waitForPainted(again, 'acme-06', during.at(-1)!);
    const history = await client(again, (f) => f.history('acme-06'));
    const speeds = history.filter((t) => t.speedKph >= 30 && t.speedKph < 50).map((t) => t.speedKph);
    expect(speeds).toEqual(Array.from({ length: 20 }, (_, i) => 30 + i));
    const stamps = history.map((t) => t.ts);
    expect(new Set(stamps).size).toBe(stamps.length);
    expect(await diagnosticsTabs(again)).toBe(1);
    expect(proxy.openStreams()).toBe(1);
  });
});

describe('without SharedWorker', () => {
  it('elects one leader tab with Web Locks; when it closes another takes over and nothing is lost', async () => {
    const p = await profile({ noSharedWorker: true });
    const leader = await open(p, '/');
    const followers = [await open(p, '/'), await open(p, '/trucks/acme-07'), await open(p, '/trucks/acme-07')];
    expect(await client(leader, async (f) => (await f.diagnostics()).hubKind)).toBe('leader-tab');
    await waitFor(async () => (await diagnosticsTabs(followers[0]!)) === 4, '4 tabs attached to the leader');
    expect(proxy.openStreams()).toBe(1);

    const first = await ingest('acme-07', { speedKph: 41 });
    for (const page of [leader, ...followers]) await waitForPainted(page, 'acme-07', first);

    await leader.close();
    const during = await ingestMany(Array.from({ length: 10 }, (_, i) => ({ truckId: 'acme-07', speedKph: 50 + i })));
    for (const page of followers) await waitForPainted(page, 'acme-07', during.at(-1)!);
    await waitFor(async () => (await diagnosticsTabs(followers[0]!)) === 3, 'the new leader to serve 3 tabs');
    expect(proxy.openStreams()).toBe(1);
    const history = await client(followers[1]!, (f) => f.history('acme-07'));
    expect(history.filter((t) => t.speedKph >= 50 && t.speedKph < 60).map((t) => t.speedKph)).toEqual(
      Array.from({ length: 10 }, (_, i) => 50 + i),
    );
  });
});

describe('server restart on the memory bus', () => {
  it('takes the reset: the new epoch replaces the stored state, nothing old mixed in', async () => {
    const p = await profile();
    const page = await open(p, '/');
    const old = await ingest('acme-05', { speedKph: 77 });
    await waitForPainted(page, 'acme-05', old);
    const oldEpoch = await client(page, async (f) => (await f.diagnostics()).epoch);

    const port = server.port;
    await server.stop();
    server = await startServer({ ...ENV, PORT: String(port) });
    const fleet = (await (await fetch(`${server.url}/api/fleet`, { headers: { cookie: await cookieOf(p) } })).json()) as {
      epoch: string;
      trucks: { id: string; last: { speedKph: number } | null }[];
    };
    expect(fleet.epoch).not.toBe(oldEpoch);
    await waitFor(async () => (await client(page, async (f) => (await f.diagnostics()).epoch)) === fleet.epoch, 'the reset');
    // The tab holds the new epoch's snapshot: the server keeps each truck where it was last seen.
    expect(await client(page, (f) => f.trucks.get('acme-05')?.last?.speedKph ?? null)).toBe(fleet.trucks.find((t) => t.id === 'acme-05')?.last?.speedKph ?? null);

    const fresh = await ingest('acme-05', { speedKph: 12 });
    await waitForPainted(page, 'acme-05', fresh);
    const history = await client(page, (f) => f.history('acme-05'));
    // Nothing stored twice across the reset, and the new epoch's sample is the newest.
    expect(new Set(history.map((t) => t.ts)).size).toBe(history.length);
    expect(history.at(-1)?.speedKph).toBe(12);
  });
});

async function cookieOf(p: Profile): Promise<string> {
  const cookies = await p.context.cookies(proxy.url);
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}
