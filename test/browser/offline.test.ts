// fleetwire offline and installable, in real Chromium against a real server serving a build of its own.
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import type { Telemetry } from '../../src/shared/fleet';
import { client, eventually, launchProfile, logIn, openApp, panel, waitForHubEnded, waitForPainted, type Profile } from '../support/browser';
import { buildClient, buildDir } from '../support/build';
import { startServer, type RunningServer } from '../support/server';
import { startCountingProxy, type CountingProxy } from '../support/tcp-proxy';
import { freshDataDir } from '../support/database';

/** A fixed secret, so that the session stays valid across a restart of the server process. */
// One database for every start of the server here: a restart keeps the accounts, and so the sessions.
const data = await freshDataDir();
const ENV = { FLEETWIRE_SESSION_SECRET: 'offline-test-secret-0123456789abcdef', FLEETWIRE_DATA_DIR: data.dir };
/** Bound on every wait for something the browser does on its own (install, paint, reconnect). */
const WAIT_MS = 45_000;

let dir: string;
let server: RunningServer;
let profiles: Profile[] = [];

beforeAll(async () => {
  dir = await buildDir();
  await buildClient(dir, 'offline-test');
  server = await startServer({ ...ENV, FLEETWIRE_STATIC_DIR: dir });
});

afterEach(async () => {
  for (const p of profiles) await p.close();
  profiles = [];
  // A test that failed while its server was down leaves the next one a server.
  if (server.process.exitCode !== null || server.process.signalCode !== null) {
    server = await startServer({ ...ENV, FLEETWIRE_STATIC_DIR: dir, PORT: String(server.port) });
  }
});

afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  await data.remove();
});

async function profile(baseUrl: string): Promise<Profile> {
  const p = await launchProfile();
  profiles.push(p);
  await logIn(p.context, baseUrl, 'ana');
  return p;
}

/** Opens a page and waits until its hub answered and the service worker controls it. */
async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await openApp(context, url, WAIT_MS);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: WAIT_MS });
  return page;
}

let tsCounter = Date.now();
/** Telemetry time of the last event ingested per truck. */
const lastTs = new Map<string, number>();
async function ingest(baseUrl: string, items: { truckId: string; speedKph: number }[]): Promise<string[]> {
  const body = items.map((item) => ({ ts: (tsCounter += 1000), lat: 51.9, lon: 4.5, headingDeg: 90, ...item }));
  for (const item of body) lastTs.set(item.truckId, item.ts);
  const response = await fetch(`${baseUrl}/api/ingest`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { ids: string[] }).ids;
}

async function gauge(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('fleetwire_sse_connections{tenant="acme"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Polls until `check` holds, for at most WAIT_MS unless told otherwise. */
const waitFor = (check: () => Promise<boolean>, what: string, timeoutMs = WAIT_MS) => eventually(check, what, timeoutMs);

/** The hub's stored history of a truck; `history()` flushes what waits to be stored first. */
function history(page: Page, truckId: string): Promise<Telemetry[]> {
  return page.evaluate((id) => window.fleetwire!.history(id), truckId);
}

/** Waits until the page's stream indicator shows this state. */
async function waitForStreamState(page: Page, state: string): Promise<void> {
  await page.locator(`stream-indicator[data-state="${state}"]`).first().waitFor({ timeout: WAIT_MS });
}

/** Checks the panel says when its truck was last heard: the time of the last event ingested for it. */
async function expectLastSeen(page: Page, truckId: string): Promise<void> {
  const seen = panel(page, truckId).locator('.seen');
  expect((await seen.innerText({ timeout: WAIT_MS })).replace(/\s+/g, ' ')).toMatch(/^Last seen \S/);
  expect(await seen.locator('time').getAttribute('datetime')).toBe(new Date(lastTs.get(truckId)!).toISOString());
}

describe('offline', () => {
  it('reload and a new truck window show the last known state with the server down and the browser offline; back online they catch up', async () => {
    const p = await profile(server.url);
    const page = await open(p.context, `${server.url}/`);
    const ids = await ingest(server.url, [
      { truckId: 'acme-03', speedKph: 61 },
      { truckId: 'acme-04', speedKph: 62 },
      { truckId: 'acme-03', speedKph: 63 },
    ]);
    const last = ids.at(-1)!;
    await waitForPainted(page, 'acme-03', last);
    await waitForPainted(page, 'acme-04', ids[1]!);
    // Stored before the lights go out (history() waits for the hub's pending writes).
    expect((await history(page, 'acme-03')).map((t) => t.speedKph)).toContain(63);

    const port = server.port;
    await server.stop();
    await p.context.setOffline(true);

    await page.reload({ timeout: WAIT_MS });
    await waitForPainted(page, 'acme-03', last, WAIT_MS);
    await waitForPainted(page, 'acme-04', ids[1]!, WAIT_MS);
    await waitForStreamState(page, 'offline');
    await page.getByText('Offline: showing the last known state').waitFor({ timeout: WAIT_MS });
    await expectLastSeen(page, 'acme-03');
    await expectLastSeen(page, 'acme-04');
    expect(await client(page, (f) => f.trucks.get('acme-03')?.last?.speedKph)).toBe(63);

    const truckWindow = await p.context.newPage();
    await truckWindow.goto(`${server.url}/trucks/acme-03`, { timeout: WAIT_MS });
    await waitForPainted(truckWindow, 'acme-03', last, WAIT_MS);
    await waitForStreamState(truckWindow, 'offline');
    await expectLastSeen(truckWindow, 'acme-03');

    // A memory-bus server starts a new epoch: the hub takes its reset, without a reload.
    server = await startServer({ ...ENV, FLEETWIRE_STATIC_DIR: dir, PORT: String(port) });
    await p.context.setOffline(false);
    await waitForStreamState(page, 'live');
    const after = await ingest(server.url, [{ truckId: 'acme-03', speedKph: 64 }]);
    await waitForPainted(page, 'acme-03', after[0]!, WAIT_MS);
    await waitForPainted(truckWindow, 'acme-03', after[0]!, WAIT_MS);
    const stamps = (await history(truckWindow, 'acme-03')).map((t) => t.ts);
    expect(new Set(stamps).size).toBe(stamps.length);
  });

  it('resumes from the last stored id when the network returns: everything sent meanwhile is painted once', async () => {
    const proxy: CountingProxy = await startCountingProxy(server.port);
    try {
      const p = await profile(proxy.url);
      const page = await open(p.context, `${proxy.url}/`);
      const truckWindow = await open(p.context, `${proxy.url}/trucks/acme-05`);
      const before = await ingest(server.url, [{ truckId: 'acme-05', speedKph: 20 }]);
      await waitForPainted(truckWindow, 'acme-05', before[0]!);

      proxy.unplug();
      await p.context.setOffline(true);
      await waitForStreamState(page, 'offline');
      // Sent while this browser is offline; the server keeps running (same epoch).
      const during = await ingest(
        server.url,
        Array.from({ length: 12 }, (_, i) => ({ truckId: 'acme-05', speedKph: 30 + i })),
      );
      expect(await panel(truckWindow, 'acme-05').getAttribute('data-last-event')).toBe(before[0]);

      proxy.plug();
      await p.context.setOffline(false);
      for (const tab of [page, truckWindow]) await waitForPainted(tab, 'acme-05', during.at(-1)!, WAIT_MS);
      const stored = await history(truckWindow, 'acme-05');
      expect(stored.map((t) => t.speedKph).filter((s) => s >= 30)).toEqual(Array.from({ length: 12 }, (_, i) => 30 + i));
      const stamps = stored.map((t) => t.ts);
      expect(new Set(stamps).size).toBe(stamps.length);
    } finally {
      await proxy.close();
    }
  });

  it('shows the login page with an offline message to a logged-out user', async () => {
    const p = await launchProfile();
    profiles.push(p);
    const page = await p.context.newPage();
    await page.goto(`${server.url}/login`);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: WAIT_MS });
    await p.context.setOffline(true);
    await page.goto(`${server.url}/`, { timeout: WAIT_MS });
    await page.waitForURL(/\/login/, { timeout: WAIT_MS });
    await page.getByText('fleetwire cannot reach its server').waitFor({ timeout: WAIT_MS });
    await p.context.setOffline(false);
  });
});

describe('starting up', () => {
  /** A SharedWorker that never answers: a window with it can only show what it reads itself. */
  const SILENT_HUB = `window.SharedWorker = class { constructor() { this.port = new MessageChannel().port1; } };`;

  it('a new window paints the stored fleet before its hub answers', async () => {
    const p = await profile(server.url);
    const page = await open(p.context, `${server.url}/`);
    const [id] = await ingest(server.url, [{ truckId: 'acme-05', speedKph: 71 }]);
    await waitForPainted(page, 'acme-05', id!);
    expect((await history(page, 'acme-05')).map((t) => t.speedKph)).toContain(71);

    const silent = await p.context.newPage();
    await silent.addInitScript({ content: SILENT_HUB });
    await silent.goto(`${server.url}/`);
    await waitForPainted(silent, 'acme-05', id!, WAIT_MS);
    expect(await client(silent, (f) => f.ready)).toBe(false);
    expect(await client(silent, (f) => f.trucks.get('acme-05')?.last?.speedKph)).toBe(71);
  });

  it('paints from the copy a closed window left, before IndexedDB opens; logging out removes it', async () => {
    const p = await profile(server.url);
    const page = await open(p.context, `${server.url}/`);
    const [id] = await ingest(server.url, [{ truckId: 'acme-06', speedKph: 66 }]);
    await waitForPainted(page, 'acme-06', id!);
    await page.close();

    // IndexedDB refuses to open in this window, and its hub never answers: only the copy can fill it.
    const blind = await p.context.newPage();
    await blind.addInitScript({
      content: `${SILENT_HUB} IDBFactory.prototype.open = () => { throw new DOMException('disabled for this test', 'InvalidStateError'); };`,
    });
    await blind.goto(`${server.url}/`);
    await waitForPainted(blind, 'acme-06', id!, WAIT_MS);
    expect(await client(blind, (f) => f.trucks.get('acme-06')?.last?.speedKph)).toBe(66);
    await blind.close();

    const again = await open(p.context, `${server.url}/`);
    const saved = () => again.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('fleetwire:last-view:')));
    expect(await saved()).toEqual(['fleetwire:last-view:acme:ana']);
    await again.getByRole('button', { name: 'Log out' }).click();
    await again.waitForURL(/\/login/, { timeout: WAIT_MS });
    await waitFor(async () => (await saved()).length === 0, 'the saved view to be forgotten at logout');
  });

  it('reads an operator’s stored view without ever creating a database', async () => {
    const p = await launchProfile();
    profiles.push(p);
    await logIn(p.context, server.url, 'bo');
    await p.context.addInitScript({ content: SILENT_HUB });
    // The first window remembers bo (after /api/me); the second reads bo's stored view at start-up.
    for (let i = 0; i < 2; i += 1) {
      const page = await p.context.newPage();
      await page.goto(`${server.url}/`);
      await page.getByText('Loading the fleet').waitFor({ timeout: WAIT_MS });
      await page.waitForFunction(() => localStorage.getItem('fleetwire:last-user') !== null, undefined, { timeout: WAIT_MS });
    }
    const page = p.context.pages().at(-1)!;
    expect(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toEqual([]);
  });
});

describe('installable service worker', () => {
  it('shows "Install app" when the browser offers installation, and hands the offer to the browser on click', async () => {
    // Chromium offers installation only after some engagement with the site; this flag skips the wait.
    const p = await launchProfile({ args: ['--bypass-app-banner-engagement-checks'] });
    profiles.push(p);
    await logIn(p.context, server.url, 'ana');
    const page = await open(p.context, `${server.url}/`);
    const install = page.getByRole('button', { name: 'Install app' });
    await install.waitFor({ state: 'visible', timeout: WAIT_MS });

    // The offer can be used once: the button goes away as the browser's own dialog takes over.
    await install.click();
    await install.waitFor({ state: 'detached', timeout: WAIT_MS });
  });

  it('has no installability errors, and never answers /api/stream from the service worker', async () => {
    const p = await profile(server.url);
    const page = await open(p.context, `${server.url}/`);
    const cdp = await p.context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors).toEqual([]);

    // The page's own stream request (the page is controlled) goes past the service worker...
    const streamResponse = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/stream', { timeout: WAIT_MS });
    await page.evaluate(async () => {
      const abort = new AbortController();
      await fetch('/api/stream', { headers: { accept: 'text/event-stream' }, signal: abort.signal });
      abort.abort();
    });
    expect((await streamResponse).fromServiceWorker()).toBe(false);

    // ...and so do the hub's. The first hub started before the service worker existed: let it end
    // (no tab left), so that the next one runs under the worker, then ask the worker what it saw.
    await page.close();
    await waitFor(async () => (await gauge()) === 0, 'the first hub to close its stream');
    // Its worker ends a moment after the stream; a tab opened before then would join it instead.
    await waitForHubEnded(p.context, WAIT_MS);
    const again = await open(p.context, `${server.url}/`);
    await again.waitForFunction(() => window.fleetwire?.status.state === 'live', undefined, { timeout: WAIT_MS });
    const stats = await again.evaluate(
      () =>
        new Promise<{ streamFetchEvents: number; streamResponses: number }>((resolve) => {
          const channel = new MessageChannel();
          channel.port1.onmessage = (e: MessageEvent<{ streamFetchEvents: number; streamResponses: number }>) => resolve(e.data);
          navigator.serviceWorker.controller!.postMessage({ type: 'GET_STATS' }, [channel.port2]);
        }),
    );
    // The hub's stream request reached the worker as a fetch event (it is controlled) and was left alone.
    expect(stats.streamFetchEvents).toBeGreaterThanOrEqual(1);
    expect(stats.streamResponses).toBe(0);
  });
});
