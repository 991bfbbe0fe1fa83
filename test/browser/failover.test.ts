// Leader-tab failover in real Chromium: without SharedWorker, the tab that runs the hub going away
// (closed, over and over with a core kept busy; logged out and in again; unable to load the hub's
// code) must always leave exactly one stream and every tab live.
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { compareEventIds } from '../../src/shared/events';
import { client, eventually, launchProfile, logIn, openApp, panel, waitForPainted, type Profile } from '../support/browser';
import { startServer, type RunningServer } from '../support/server';
import { startCountingProxy, type CountingProxy } from '../support/tcp-proxy';

/** Leader tabs closed in a row. */
const ROUNDS = 50;
/** Tabs open at the start of every round. */
const TABS = 4;
/** From closing the leader until a new tab is ready, one stream is open and every tab painted. */
const ROUND_MS = 10_000;
/** The truck every tab shows (dashboards and truck windows alike). */
const TRUCK = 'acme-07';
/** The CPU burner stops itself after this long even if nothing terminates it. */
const BURN_LIMIT_MS = 6 * 60_000;
/** Bound on the waits of the targeted tests. */
const WAIT_MS = 20_000;

let server: RunningServer;
let proxy: CountingProxy;
let profiles: Profile[] = [];
let burner: Worker | null = null;

beforeAll(async () => {
  server = await startServer();
  proxy = await startCountingProxy(server.port);
});

afterEach(async () => {
  await burner?.terminate();
  burner = null;
  for (const p of profiles) await p.close();
  profiles = [];
  await eventually(async () => proxy.openStreams() === 0, 'streams of closed browsers to end', WAIT_MS);
});

afterAll(async () => {
  await burner?.terminate();
  await proxy?.close();
  await server?.stop();
});

/**
 * Keeps one core busy for the test's duration: the machine's other work (Chromium, the server, this
 * runner) shares what is left, as on a loaded laptop or a busy CI runner.
 */
function burnOneCore(): Worker {
  const worker = new Worker(`const end = Date.now() + ${BURN_LIMIT_MS}; while (Date.now() < end) {}`, { eval: true });
  worker.unref();
  return worker;
}

/**
 * Runs in every page before the app: removes SharedWorker (as in Android WebViews and Chrome for
 * Android before 148) and records which Web Locks this page holds, so the test can tell the leader.
 */
function withoutSharedWorker(): void {
  delete (window as { SharedWorker?: unknown }).SharedWorker;
  const held = new Set<string>();
  (window as { __heldLocks?: Set<string> }).__heldLocks = held;
  const request = LockManager.prototype.request as (this: LockManager, name: string, ...rest: unknown[]) => Promise<unknown>;
  LockManager.prototype.request = function (this: LockManager, name: string, ...rest: unknown[]) {
    const callback = rest.pop() as (lock: Lock | null) => unknown;
    return request.call(this, name, ...rest, async (lock: Lock | null) => {
      if (lock) held.add(name);
      try {
        return await callback(lock);
      } finally {
        if (lock) held.delete(name);
      }
    });
  } as typeof LockManager.prototype.request;
}

async function profileWithoutSharedWorker(): Promise<Profile> {
  const p = await launchProfile({ initScript: withoutSharedWorker });
  profiles.push(p);
  await logIn(p.context, proxy.url, 'ana');
  return p;
}

function heldLocks(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((window as { __heldLocks?: Set<string> }).__heldLocks ?? [])]);
}

/** The one page holding the leader lock; fails when none or several do. */
async function leaderOf(pages: Page[]): Promise<Page> {
  const leaders: Page[] = [];
  for (const page of pages) if ((await heldLocks(page)).some((n) => n.startsWith('fleetwire-leader:'))) leaders.push(page);
  if (leaders.length !== 1) throw new Error(`${leaders.length} pages hold the leader lock\n${await describeState(pages)}`);
  return leaders[0]!;
}

let tsCounter = Date.now();
async function ingest(speedKph: number): Promise<string> {
  const response = await fetch(`${server.url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
    body: JSON.stringify([{ truckId: TRUCK, ts: (tsCounter += 1000), lat: 51.9, lon: 4.5, speedKph, headingDeg: 90 }]),
  });
  if (!response.ok) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { ids: string[] }).ids[0]!;
}

/** Streams the server holds for the tenant (its gauge). */
async function serverStreams(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('fleetwire_sse_connections{tenant="acme"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The id the truck's panel shows, without waiting for it. */
function painted(page: Page): Promise<string | null> {
  return panel(page, TRUCK)
    .getAttribute('data-last-event', { timeout: 1_000 })
    .catch(() => null);
}

async function describeState(pages: Page[]): Promise<string> {
  const lines = [`open streams at the proxy: ${proxy.openStreams()}, opened so far: ${proxy.streamsOpened()}`];
  for (const [i, page] of pages.entries()) {
    const state = await page
      .evaluate(() => {
        const f = window.fleetwire;
        return {
          locks: [...((window as { __heldLocks?: Set<string> }).__heldLocks ?? [])].filter((n) => !n.startsWith('fleetwire-tab:')),
          ready: f?.ready ?? null,
          status: f?.status.state ?? null,
          lastEventId: f?.lastEventId ?? null,
        };
      })
      .catch((error: unknown) => String(error));
    lines.push(`tab ${i} ${page.url()}: ${JSON.stringify(state)} painted ${await painted(page)}`);
  }
  return lines.join('\n');
}

describe('leader tab failover without SharedWorker', () => {
  it(`closes the leader tab ${ROUNDS} times in a row with a core busy: each time one stream and every tab live within ${ROUND_MS / 1000} s`, async () => {
    burner = burnOneCore();
    const { context } = await profileWithoutSharedWorker();
    const path = (n: number) => (n % 2 === 0 ? '/' : `/trucks/${TRUCK}`);
    let pages: Page[] = [];
    for (let i = 0; i < TABS; i += 1) pages.push(await openApp(context, proxy.url + path(i), 30_000));
    expect(await client(pages[0]!, async (f) => (await f.diagnostics()).hubKind)).toBe('leader-tab');

    const took: number[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      const leader = await leaderOf(pages);
      const closedAt = Date.now();
      const deadline = closedAt + ROUND_MS;
      await leader.close();
      pages = pages.filter((page) => page !== leader);
      // At once, while the next tab takes over: one more tab that must find the new hub.
      let added: Page;
      try {
        added = await openApp(context, proxy.url + path(round), Math.max(1, deadline - Date.now()));
      } catch (error) {
        throw new Error(`round ${round}: the new tab did not connect: ${String(error)}\n${await describeState(pages)}`, { cause: error });
      }
      pages.push(added);
      const id = await ingest(round);
      let done = false;
      while (Date.now() < deadline) {
        if (proxy.openStreams() === 1) {
          const seen = await Promise.all(pages.map(painted));
          if (proxy.openStreams() === 1 && seen.every((s) => s !== null && compareEventIds(s, id) >= 0)) {
            done = true;
            break;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      if (!done) {
        throw new Error(`round ${round}: ${ROUND_MS / 1000} s after closing the leader, not one stream and ${id} painted in every tab\n${await describeState(pages)}`);
      }
      took.push(Date.now() - closedAt);
    }

    // The last hub serves every tab, and the server agrees there is one stream.
    expect(await client(pages[0]!, async (f) => (await f.diagnostics()).tabs)).toBe(TABS);
    expect(proxy.openStreams()).toBe(1);
    const sorted = [...took].sort((a, b) => a - b);
    console.log(
      `leader failover x${ROUNDS}: median ${sorted[Math.floor(sorted.length / 2)]} ms, slowest ${sorted.at(-1)} ms, ` +
        `streams opened ${proxy.streamsOpened()}`,
    );
  }, 300_000);

  it('hands leadership on when the leader tab logs out: logging in again without a reload, in any tab, brings the stream back', async () => {
    const p = await profileWithoutSharedWorker();
    const pages = [await openApp(p.context, proxy.url + '/', WAIT_MS), await openApp(p.context, proxy.url + '/', WAIT_MS)];
    expect(await leaderOf(pages)).toBe(pages[0]);
    const first = await ingest(1);
    for (const page of pages) await waitForPainted(page, TRUCK, first);

    // The session ends (revoked elsewhere): every tab closes its client and shows the login form;
    // the leader tab stays open, without a hub. (The server ends that stream, and the browser keeps
    // its connection for other requests: the server's count tells here, not the proxy's.)
    const cookie = (await p.context.cookies(proxy.url)).map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await fetch(`${server.url}/api/session`, { method: 'DELETE', headers: { cookie } })).status).toBe(204);
    for (const page of pages) await page.getByText('Your session has expired').waitFor({ timeout: WAIT_MS });
    await eventually(async () => (await serverStreams()) === 0, 'the stream of the ended session to close', WAIT_MS);

    // Logging in again in the tab that led, then in the other, without reloading either.
    for (const page of [pages[0]!, pages[1]!]) {
      await page.getByLabel('Username').fill('ana');
      await page.getByLabel('Password').fill('fleetwire');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: WAIT_MS });
    }
    const id = await ingest(2);
    for (const page of pages) await waitForPainted(page, TRUCK, id, WAIT_MS);
    await eventually(async () => (await serverStreams()) === 1, 'one stream', WAIT_MS);
    expect(await client(pages[1]!, async (f) => (await f.diagnostics()).tabs)).toBe(2);
  });

  it('a tab that cannot load the hub code lets another tab lead, and leads itself once it can', async () => {
    // No service worker either (a first visit, or one that failed to install): the hub code comes
    // from the network, and the network fails for that tab.
    const p = await profileWithoutSharedWorker();
    await p.context.addInitScript(() => delete (Navigator.prototype as { serviceWorker?: unknown }).serviceWorker);
    const blocked = await p.context.newPage();
    await blocked.route('**/assets/leader-*.js', (route) => route.abort('internetdisconnected'));
    const failed = blocked.waitForEvent('requestfailed', { predicate: (r) => r.url().includes('/assets/leader-'), timeout: WAIT_MS });
    await blocked.goto(proxy.url + '/');
    await failed;

    // Another tab leads meanwhile, and serves the first one too.
    const other = await openApp(p.context, proxy.url + '/', WAIT_MS);
    await blocked.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: WAIT_MS });
    const first = await ingest(1);
    for (const page of [blocked, other]) await waitForPainted(page, TRUCK, first, WAIT_MS);

    // The network is back and the other tab goes: the first one, still in line, takes over.
    await blocked.unrouteAll();
    await other.close();
    const id = await ingest(2);
    await waitForPainted(blocked, TRUCK, id, WAIT_MS);
    await eventually(async () => proxy.openStreams() === 1, 'one stream', WAIT_MS);
    expect(await heldLocks(blocked)).toEqual(expect.arrayContaining([expect.stringMatching(/^fleetwire-leader:/)]));
  });
});
