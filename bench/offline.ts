// Offline start: with the server down and the browser offline, how long from navigation start until
// the last known state is painted (target ≤ 300 ms). Real Chromium; the app comes from the service
// worker's precache and the state from the hub's IndexedDB.
//
//   npx tsx bench/offline.ts        (or `npm run bench -- offline`)
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, logIn, waitForHubEnded } from '../test/support/browser';
import { buildClient, buildDir } from '../test/support/build';
import { startServer } from '../test/support/server';
import { untilQuiet } from './quiet';
import { ms, quantile, table, writeResult } from './report';

/** Reloads of an open window measured (the hub SharedWorker may outlive the reload). */
const RELOADS = Number(process.env.BENCH_OFFLINE_RELOADS ?? 15);
/** Windows opened after the hub ended (all windows closed), the browser still running. */
const HUB_GONE_STARTS = Number(process.env.BENCH_OFFLINE_HUB_GONE ?? 5);
/** Browser restarts measured: nothing runs yet, everything starts from disk. */
const COLD_STARTS = Number(process.env.BENCH_OFFLINE_COLD ?? 5);
/** Trucks with stored state; the dashboard paints them all. */
const TRUCKS = Array.from({ length: 20 }, (_, i) => `acme-${String(i + 1).padStart(2, '0')}`);
/** The truck whose panel is watched, and how long a single measurement may take at most. */
const WATCHED = 'acme-20';
const PAINT_TIMEOUT_MS = 30_000;
const TARGET_MS = 300;

declare global {
  interface Window {
    __paintedAt?: number;
  }
}

/**
 * Runs in every page before the app: records `performance.now()` (ms since navigation start) on the
 * first frame where the watched panel shows the target event (both from localStorage). A string, not
 * a function: tsx would wrap a function's inner closures in helpers the page does not have.
 */
const WATCH_PAINT = `(() => {
  const target = localStorage.getItem('bench:target');
  const truck = localStorage.getItem('bench:truck');
  if (!target || !truck) return;
  const find = (root) => {
    const hit = root.querySelector('truck-panel[truck-id="' + truck + '"]');
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) {
      const found = el.shadowRoot ? find(el.shadowRoot) : null;
      if (found) return found;
    }
    return null;
  };
  const frame = () => {
    if (find(document)?.getAttribute('data-last-event') === target) window.__paintedAt = performance.now();
    else requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();`;

async function launch(dir: string): Promise<BrowserContext> {
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  await context.addInitScript({ content: WATCH_PAINT });
  return context;
}

async function paintedAt(page: Page): Promise<number> {
  await page.waitForFunction(() => window.__paintedAt !== undefined, undefined, { timeout: PAINT_TIMEOUT_MS });
  return page.evaluate(() => window.__paintedAt!);
}

await untilQuiet();
const buildRoot = await buildDir();
const profileDir = await mkdtemp(path.join(tmpdir(), 'fleetwire-bench-offline-'));
const server = await startServer({ FLEETWIRE_STATIC_DIR: buildRoot });
let context: BrowserContext | null = null;
try {
  await buildClient(buildRoot, 'bench-offline');
  context = await launch(profileDir);
  await logIn(context, server.url, 'ana');
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.waitForFunction(() => window.fleetwire?.status.state === 'live' && navigator.serviceWorker.controller !== null, undefined, {
    timeout: PAINT_TIMEOUT_MS,
  });

  // Last known state: a few events for every truck; the watched truck's is the newest.
  const ts = Date.now();
  const body = TRUCKS.flatMap((truckId, i) =>
    Array.from({ length: 5 }, (_, k) => ({ truckId, ts: ts + i * 10 + k, lat: 51.9, lon: 4.5 + k * 0.001, speedKph: 50 + k, headingDeg: 90 })),
  );
  const res = await fetch(`${server.url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const { ids } = (await res.json()) as { ids: string[] };
  const target = ids.at(-1)!;
  await page.evaluate(
    ([t, truck]) => {
      localStorage.setItem('bench:target', t);
      localStorage.setItem('bench:truck', truck);
    },
    [target, WATCHED] as const,
  );
  // history() waits for the hub's pending IndexedDB writes.
  await page.waitForFunction((id) => window.fleetwire?.lastEventId === id, target, { timeout: PAINT_TIMEOUT_MS });
  await page.evaluate((truck) => window.fleetwire!.history(truck), WATCHED);

  await server.stop();
  await context.setOffline(true);

  const reloads: number[] = [];
  for (let i = 0; i < RELOADS; i += 1) {
    await page.reload();
    reloads.push(await paintedAt(page));
  }

  // The hub ends once no window is left (IDLE_CLOSE_MS after the last one); the browser stays.
  const hubGone: number[] = [];
  await page.close();
  for (let i = 0; i < HUB_GONE_STARTS; i += 1) {
    await waitForHubEnded(context, PAINT_TIMEOUT_MS);
    const fresh = await context.newPage();
    await fresh.goto(`${server.url}/`);
    hubGone.push(await paintedAt(fresh));
    await fresh.close();
  }

  const cold: number[] = [];
  for (let i = 0; i < COLD_STARTS; i += 1) {
    await context.close();
    context = await launch(profileDir);
    await context.setOffline(true);
    const fresh = context.pages()[0] ?? (await context.newPage());
    await fresh.goto(`${server.url}/`);
    cold.push(await paintedAt(fresh));
  }

  const row = (name: string, values: number[]) => [name, values.length, ms(quantile(values, 0.5)), ms(quantile(values, 0.95)), ms(Math.max(...values))];
  const verdict = (name: string, values: number[]) =>
    `${name}: median ${ms(quantile(values, 0.5))}, ${(quantile(values, 0.5) ?? Infinity) <= TARGET_MS ? 'within' : 'over'} the ${TARGET_MS} ms target`;
  await writeResult(
    'offline',
    { targetMs: TARGET_MS, trucks: TRUCKS.length, reloadsMs: reloads, hubGoneStartsMs: hubGone, coldStartsMs: cold },
    `## Offline start

Server stopped and the browser offline (Playwright \`setOffline\`), ${TRUCKS.length} trucks stored. Time from
navigation start until the watched panel paints the last event (\`data-last-event\`), measured in the
page (\`performance.now()\` on the first frame that shows it). *Reload*: an open dashboard reloads (the
hub SharedWorker may outlive it). *New window, hub ended*: every window was closed until the hub ended,
then the dashboard opens again in the running browser, so a new hub starts and reads IndexedDB.
*Cold start*: the browser is restarted on the same profile, so the browser's own processes, the service
worker, the hub and IndexedDB all start from disk. Target: ≤ ${TARGET_MS} ms.

${table(['case', 'runs', 'p50', 'p95', 'max'], [row('reload', reloads), row('new window, hub ended', hubGone), row('cold start', cold)])}

${verdict('Reload', reloads)}; ${verdict('new window after the hub ended', hubGone)}; ${verdict('cold start', cold)}.`,
  );
} finally {
  await context?.close().catch(() => undefined);
  await server.stop();
  await rm(buildRoot, { recursive: true, force: true });
  await rm(profileDir, { recursive: true, force: true });
}
