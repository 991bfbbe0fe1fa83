// The dashboard under load: 100 trucks at 200 ev/s in real Chromium; main-thread long tasks,
// frame rate and ingest→painted latency; and the size of the JavaScript the dashboard loads first.
import { launchProfile, logIn } from '../test/support/browser';
import { untilQuiet } from './quiet';
import { startServer } from '../test/support/server';
import { initialJsKb, loginJsKb } from './bundle';
import { driveIngest } from './drive';
import { ms, quantile, table, writeResult } from './report';

const TRUCKS = 100;
const RATE_PER_S = 200;
const SECONDS = Number(process.env.BENCH_UI_S ?? 30);
/** Budget for the dashboard's initial JavaScript, gzip: ≤ 60 KB. */
const INITIAL_JS_BUDGET_KB = 60;

declare global {
  interface Window {
    __ui?: { longTasks: number[]; frames: number; painted: Record<string, number> };
  }
}

await untilQuiet();
const server = await startServer({ FLEETWIRE_DEMO_TRUCKS: String(TRUCKS), LOG_LEVEL: 'error' });
const profile = await launchProfile();
try {
  await logIn(profile.context, server.url, 'ana');
  const page = await profile.context.newPage();
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(server.url + '/');
  await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: 30_000 });
  await page.locator('truck-panel').first().waitFor({ timeout: 30_000 });
  // tsx compiles this file with esbuild's keepNames, whose __name helper does not exist in the page.
  await page.evaluate('globalThis.__name ??= (fn) => fn');
  await page.evaluate(() => {
    const ui = { longTasks: [] as number[], frames: 0, painted: {} as Record<string, number> };
    window.__ui = ui;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) ui.longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
    const frame = () => {
      ui.frames += 1;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
    const observer = new MutationObserver((records) => {
      const now = Date.now();
      for (const r of records) {
        const id = (r.target as Element).getAttribute('data-last-event');
        if (id && ui.painted[id] === undefined) ui.painted[id] = now;
      }
    });
    const visit = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.localName === 'truck-panel') observer.observe(el, { attributes: true, attributeFilter: ['data-last-event'] });
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    };
    visit(document);
  });
  const panels = await page.locator('truck-panel').count();

  const { sentAt, startedAt: start } = await driveIngest(server.url, RATE_PER_S, SECONDS, (n) => ({
    truckId: `acme-${String((n % TRUCKS) + 1).padStart(2, '0')}`,
    ts: Date.now(),
    lat: 50 + (n % 7) * 0.01,
    lon: 8,
    speedKph: 40 + (n % 50),
    headingDeg: 90,
    fuelPct: 50,
  }));
  await new Promise((r) => setTimeout(r, 1_000));
  const elapsedS = (Date.now() - start) / 1000;
  const ui = await page.evaluate(() => window.__ui!);
  const latencies = Object.entries(ui.painted)
    .map(([id, at]) => (sentAt.has(id) ? at - sentAt.get(id)! : null))
    .filter((v): v is number => v !== null);
  const js = await initialJsKb();
  const loginJs = await loginJsKb();
  const result = {
    trucks: TRUCKS,
    panels,
    ratePerSec: RATE_PER_S,
    seconds: SECONDS,
    events: sentAt.size,
    longTasksOver50ms: ui.longTasks.filter((d) => d > 50).length,
    longestTaskMs: ui.longTasks.length ? Math.max(...ui.longTasks) : 0,
    framesPerSec: Math.round(ui.frames / elapsedS),
    paintedP50: quantile(latencies, 0.5),
    paintedP99: quantile(latencies, 0.99),
    initialJs: js,
    loginJs,
  };
  console.log(result);
  await writeResult(
    'ui',
    result,
    `## Dashboard under load

One dashboard tab (1600×1000, ${panels} truck panels) of a ${TRUCKS}-truck fleet
(\`FLEETWIRE_DEMO_TRUCKS=${TRUCKS}\`) at ${RATE_PER_S} ev/s for ${SECONDS} s (${result.events} events), real Chromium.
Long tasks come from a \`PerformanceObserver\` on the page; *painted* is ingest request sent →
the panel's \`data-last-event\` changing.

${table(
  ['long tasks > 50 ms', 'longest task', 'frames/s', 'ingest→painted p50', 'p99', 'initial JS (gzip)'],
  [[result.longTasksOver50ms, ms(result.longestTaskMs), result.framesPerSec, ms(result.paintedP50), ms(result.paintedP99), `${js.kb} KB (${js.files.length} files)`]],
)}

Targets: no long task > 50 ms with 100 trucks at 200 ev/s; initial JavaScript ≤ ${INITIAL_JS_BUDGET_KB} KB gzip for the
dashboard (the truck page's map and charts load on demand). The login page loads ${loginJs.kb} KB gzip
(${loginJs.bytes} bytes before compression, ${loginJs.files.length} files): the dashboard's code comes after the login.`,
  );
} finally {
  await profile.close();
  await server.stop();
}
