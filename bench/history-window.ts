// The truck window's history as an operator meets it, in real Chromium: a browser that never ran
// fleetwire opens /trucks/<id> on 24 h and on 7 days, until the charts and the track draw the
// server's history; and an open window switched from 24 h to 7 days. Beside it, in the same run on
// the same server and data, a floor: a page that fetches the same range as JSON pages of 10,000 and
// draws one canvas polyline. Every figure below is computed from the JSON this run writes.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { Page } from 'playwright-core';
import type { Telemetry } from '../src/shared/fleet';
import { launchProfile, logIn } from '../test/support/browser';
import { freshDatabase as freshPostgres, postgresAnswers } from '../test/support/postgres';
import { ingest, login, startServer, type RunningServer } from '../test/support/server';
import { FIND_IN_SHADOWS_JS } from './page-script';
import { untilQuiet } from './quiet';
import { ms, quantile, table, writeResult } from './report';

const TRUCK = 'acme-03';
const SAMPLE_EVERY_MS = 5_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const RUNS = Number(process.env.BENCH_WINDOW_RUNS ?? 7);
/** Longest wait for one window to draw its range. */
const DRAW_TIMEOUT_MS = 120_000;
const TARGET_24H_P99_MS = 500;
const LONG_TASK_MS = 50;

type RangeName = '24h' | '7d';
const RANGE_MS: Record<RangeName, number> = { '24h': DAY_MS, '7d': 7 * DAY_MS };

/** One measured window: ms from navigation (or the click) to the frame that draws the range, and the longest task meanwhile. */
interface Run {
  /** Samples the server held for the range when the window opened (or switched). */
  expected: number;
  drawnMs: number;
  /** From the window's first history request (resource timing) to the frame that draws the range: the history's share. */
  fromRequestMs: number | null;
  samples: number;
  longestTaskMs: number;
  longTasksOver50: number;
  /** Longest task from navigation (the app starting up included) or the click. */
  longestTaskFromStartMs: number;
}

interface Row {
  engine: string;
  scenario: string;
  what: 'fleetwire' | 'floor';
  range: RangeName;
  runs: Run[];
  p50Ms: number | null;
  p99Ms: number | null;
  fromRequestP50Ms: number | null;
  fromRequestP99Ms: number | null;
  longestTaskMs: number;
  longTasksOver50: number;
  longestTaskFromStartMs: number;
}

/** The seeded samples' first and last times (one every SAMPLE_EVERY_MS between them). */
let seededTs = { first: 0, last: 0 };

/** How many seeded samples a range that ends at `at` holds. */
function expectedAt(at: number, range: RangeName): number {
  const since = Math.max(seededTs.first, at - RANGE_MS[range]);
  if (since > seededTs.last) return 0;
  const firstIn = seededTs.first + Math.ceil((since - seededTs.first) / SAMPLE_EVERY_MS) * SAMPLE_EVERY_MS;
  return Math.floor((seededTs.last - firstIn) / SAMPLE_EVERY_MS) + 1;
}

/** One week of one refrigerated truck at a sample every 5 s, ending now, through the devices' ingest. */
async function seed(server: RunningServer, end: number): Promise<{ seeded: number; lastTs: number }> {
  const batch: Telemetry[] = [];
  let n = 0;
  let lastTs = 0;
  const flush = async () => {
    for (let attempt = 0; ; attempt++) {
      try {
        await ingest(server.url, 'demo-acme', batch);
        break;
      } catch (error) {
        // The history writer's backlog is full (503): give it a moment, as a device would.
        if (attempt > 50 || !String(error).includes('503')) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    batch.length = 0;
  };
  for (let ts = end - 7 * DAY_MS + SAMPLE_EVERY_MS; ts <= end; ts += SAMPLE_EVERY_MS, n++) {
    lastTs = ts;
    batch.push({ truckId: TRUCK, ts, lat: 50 + (n % 17_280) / 5_000, lon: 6 + n / 60_000, speedKph: 62 + ((n * 7) % 25), headingDeg: 90, reeferTempC: 2.5 + ((n % 11) - 5) / 10 });
    if (batch.length === 1_000) await flush();
  }
  if (batch.length) await flush();
  return { seeded: n, lastTs };
}

/** Waits until the server's history holds the newest seeded sample (the writer commits in order). */
async function untilStored(server: RunningServer, cookie: string, lastTs: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${server.url}/api/trucks/${TRUCK}/history?since=${lastTs}&until=${lastTs + 1}`, { headers: { cookie } });
    if (res.ok && ((await res.json()) as { telemetry: unknown[] }).telemetry.length === 1) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the seeded history was not stored within 10 minutes');
}

/** Samples the server holds for a range ending now (what a window must draw). */
async function samplesIn(server: RunningServer, cookie: string, since: number): Promise<number> {
  let total = 0;
  let from = since;
  for (;;) {
    const res = await fetch(`${server.url}/api/trucks/${TRUCK}/history?since=${from}&limit=10000`, { headers: { cookie } });
    const list = ((await res.json()) as { telemetry: Telemetry[] }).telemetry;
    total += list.length;
    if (list.length < 10_000) return total;
    from = (list[list.length - 1] as Telemetry).ts + 1;
  }
}

/**
 * Installed before any script of the page (a string: tsx's helpers do not exist in the page): records
 * long tasks from the start and, each frame, whether `<truck-page>` draws the server's history of its
 * range in full. The frame found first is the one that paints it (its DOM was committed before this
 * frame's callbacks).
 */
const PROBE_JS = `(() => {
  const probe = { longTasks: [], drawnAt: null, samples: 0, from: 0, range: new URLSearchParams(location.search).get('range') || '24h' };
  window.__probe = probe;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) probe.longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
  ${FIND_IN_SHADOWS_JS}
  let page = null;
  const frame = (now) => {
    page ??= find(document, 'truck-page');
    const d = page && page.dataset;
    if (d && d.historyRange === probe.range && d.historySource === 'server' && d.historyDrawn === d.historySamples && Number(d.historySamples) > 0 && probe.drawnAt === null) {
      probe.drawnAt = now;
      probe.samples = Number(d.historySamples);
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();`;

interface Probe {
  longTasks: { start: number; duration: number }[];
  drawnAt: number | null;
  samples: number;
  from: number;
  range: RangeName;
}

async function probeResult(page: Page, what: string, expected: number): Promise<Run> {
  await page.waitForFunction(() => (window as unknown as { __probe: Probe }).__probe.drawnAt !== null, undefined, { timeout: DRAW_TIMEOUT_MS, polling: 100 }).catch(() => {
    throw new Error(`${what}: the window did not draw the server's history within ${DRAW_TIMEOUT_MS / 1000} s`);
  });
  // Tasks that began before the range was drawn count; one more second for a redraw it triggered.
  await page.waitForTimeout(1_000);
  const p = await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe);
  const firstRequest = await page.evaluate(
    (from) =>
      performance
        .getEntriesByType('resource')
        .filter((e) => e.name.includes('/history') && e.startTime >= from)
        .reduce<number | null>((m, e) => (m === null ? e.startTime : Math.min(m, e.startTime)), null),
    p.from,
  );
  const until = (p.drawnAt as number) + 1_000;
  const all = p.longTasks.filter((t) => t.start >= p.from && t.start <= until);
  // While the range loads: from its first request (the app's own start-up is not the history's).
  const loading = all.filter((t) => firstRequest !== null && t.start >= firstRequest);
  return {
    expected,
    drawnMs: (p.drawnAt as number) - p.from,
    fromRequestMs: firstRequest === null ? null : (p.drawnAt as number) - firstRequest,
    samples: p.samples,
    longestTaskMs: loading.reduce((m, t) => Math.max(m, t.duration), 0),
    longTasksOver50: loading.filter((t) => t.duration > LONG_TASK_MS).length,
    longestTaskFromStartMs: all.reduce((m, t) => Math.max(m, t.duration), 0),
  };
}

/** A browser that never ran fleetwire, logged in, with the probe in every page; `work` gets its first page. */
async function inNewBrowser<T>(server: RunningServer, work: (page: Page) => Promise<T>): Promise<T> {
  const profile = await launchProfile();
  try {
    await profile.context.addInitScript({ content: PROBE_JS });
    await logIn(profile.context, server.url, 'ana');
    const page = await profile.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    return await work(page);
  } finally {
    await profile.close();
  }
}

/** A new browser opens the truck window on a range: navigation start → the frame that draws it. */
function openWindow(server: RunningServer, range: RangeName): Promise<Run> {
  return inNewBrowser(server, async (page) => {
    const expected = expectedAt(Date.now(), range);
    await page.goto(`${server.url}/trucks/${TRUCK}${range === '24h' ? '' : `?range=${range}`}`);
    return probeResult(page, `open on ${range}`, expected);
  });
}

/** An open window (24 h drawn) switched to 7 days: the click → the frame that draws the week. */
function switchToWeek(server: RunningServer): Promise<Run> {
  return inNewBrowser(server, async (page) => {
    await page.goto(`${server.url}/trucks/${TRUCK}`);
    await probeResult(page, 'open on 24h', expectedAt(Date.now(), '24h'));
    await page.evaluate(() => {
      const p = (window as unknown as { __probe: Probe }).__probe;
      p.drawnAt = null;
      p.from = performance.now();
      p.range = '7d';
    });
    const expected = expectedAt(Date.now(), '7d');
    await page.getByRole('radio', { name: '7 d' }).check();
    return probeResult(page, 'switch to 7d', expected);
  });
}

/** The floor, on the same origin and session: fetch the range in pages of 10,000, draw one polyline. */
const FLOOR_HTML = `<!doctype html><meta charset="utf-8"><title>floor</title><canvas width="920" height="220"></canvas>
<script type="module">
const p = { longTasks: [], drawnAt: null, samples: 0, from: 0 };
window.__probe = p;
new PerformanceObserver((l) => { for (const e of l.getEntries()) p.longTasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: true });
const q = new URLSearchParams(location.search);
const truck = q.get('truck'), until = Date.now(), since = until - Number(q.get('ms'));
const all = [];
for (let from = since; ; ) {
  const page = (await (await fetch('/api/trucks/' + truck + '/history?limit=10000&since=' + from + '&until=' + until)).json()).telemetry;
  for (const s of page) all.push(s);
  if (page.length < 10000) break;
  from = page[page.length - 1].ts + 1;
}
const c = document.querySelector('canvas').getContext('2d');
c.beginPath();
for (let i = 0; i < all.length; i++) {
  const x = ((all[i].ts - since) / (until - since)) * 920, y = 220 - all[i].speedKph * 2;
  if (i === 0) c.moveTo(x, y); else c.lineTo(x, y);
}
c.stroke();
requestAnimationFrame((now) => { p.samples = all.length; p.drawnAt = now; });
</script>`;

async function openFloor(server: RunningServer, range: RangeName): Promise<Run> {
  const profile = await launchProfile();
  try {
    await logIn(profile.context, server.url, 'ana');
    await profile.context.route(`${server.url}/bench-floor.html*`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: FLOOR_HTML }));
    const page = await profile.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    const expected = expectedAt(Date.now(), range);
    await page.goto(`${server.url}/bench-floor.html?truck=${TRUCK}&ms=${RANGE_MS[range]}`);
    return await probeResult(page, `floor ${range}`, expected);
  } finally {
    await profile.close();
  }
}

function row(engine: string, scenario: string, what: Row['what'], range: RangeName, runs: Run[]): Row {
  const times = runs.map((r) => r.drawnMs);
  const fromRequest = runs.flatMap((r) => (r.fromRequestMs === null ? [] : [r.fromRequestMs]));
  return {
    engine,
    scenario,
    what,
    range,
    runs,
    p50Ms: quantile(times, 0.5),
    p99Ms: quantile(times, 0.99),
    fromRequestP50Ms: quantile(fromRequest, 0.5),
    fromRequestP99Ms: quantile(fromRequest, 0.99),
    longestTaskMs: Math.max(0, ...runs.map((r) => r.longestTaskMs)),
    longTasksOver50: runs.reduce((n, r) => n + r.longTasksOver50, 0),
    longestTaskFromStartMs: Math.max(0, ...runs.map((r) => r.longestTaskFromStartMs)),
  };
}

async function measure(engine: string, env: Record<string, string>): Promise<{ rows: Row[]; seeded: number; expected: Record<RangeName, number> }> {
  const server = await startServer({ LOG_LEVEL: 'error', ...env });
  try {
    const end = Date.now();
    const { seeded, lastTs } = await seed(server, end);
    seededTs = { first: end - 7 * DAY_MS + SAMPLE_EVERY_MS, last: lastTs };
    const cookie = await login(server.url, 'ana', 'fleetwire');
    await untilStored(server, cookie, lastTs);
    const expected = { '24h': await samplesIn(server, cookie, Date.now() - DAY_MS), '7d': await samplesIn(server, cookie, Date.now() - 7 * DAY_MS) };
    console.log(`${engine}: ${seeded} samples seeded; the server holds ${expected['24h']} for 24 h and ${expected['7d']} for 7 d`);
    const rows: Row[] = [];
    for (const range of ['24h', '7d'] as const) {
      const ours: Run[] = [];
      const floor: Run[] = [];
      // Interleaved, so a slower minute of the machine falls on both.
      for (let i = 0; i < RUNS; i++) {
        await untilQuiet();
        ours.push(await openWindow(server, range));
        floor.push(await openFloor(server, range));
        console.log(`${engine} ${range} #${i + 1}: fleetwire ${Math.round(ours.at(-1)!.drawnMs)} ms (${ours.at(-1)!.samples} samples), floor ${Math.round(floor.at(-1)!.drawnMs)} ms`);
      }
      rows.push(row(engine, 'new browser opens the window', 'fleetwire', range, ours), row(engine, 'floor: fetch the range, one canvas polyline', 'floor', range, floor));
    }
    const switches: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      await untilQuiet();
      switches.push(await switchToWeek(server));
      console.log(`${engine} switch 24h→7d #${i + 1}: ${Math.round(switches.at(-1)!.drawnMs)} ms`);
    }
    rows.push(row(engine, 'open window switched from 24 h', 'fleetwire', '7d', switches));
    return { rows, seeded, expected };
  } finally {
    await server.stop();
  }
}

const loadBefore = os.loadavg()[0] ?? 0;
const engines: { engine: string; seeded: number; expected: Record<RangeName, number> }[] = [];
const rows: Row[] = [];
{
  const r = await measure('PGlite (embedded)', {});
  engines.push({ engine: 'PGlite (embedded)', seeded: r.seeded, expected: r.expected });
  rows.push(...r.rows);
}
if (await postgresAnswers()) {
  const pg = await freshPostgres('bench_window');
  try {
    const r = await measure('PostgreSQL', { DATABASE_URL: pg.url });
    engines.push({ engine: 'PostgreSQL', seeded: r.seeded, expected: r.expected });
    rows.push(...r.rows);
  } finally {
    await pg.drop();
  }
} else {
  console.warn('*** PostgreSQL does not answer on 127.0.0.1:5432: the PostgreSQL rows are missing from this run ***');
}

// Each window must have drawn every sample the server holds for its range (a few more arrive as the clock moves on: none here).
// Each window must have drawn every sample the server held for its range when it opened (two either
// side for a sample that crossed the range's edge while the window loaded).
const incomplete = rows.flatMap((r) => r.runs.filter((run) => Math.abs(run.samples - run.expected) > 2).map((run) => `${r.engine} ${r.scenario} ${r.range} (${run.samples} of ${run.expected})`));
const verdicts = engines.map((e) => {
  const open24 = rows.find((r) => r.engine === e.engine && r.what === 'fleetwire' && r.range === '24h' && r.scenario.startsWith('new browser'));
  const p99 = open24?.p99Ms ?? null;
  const longest = Math.max(...rows.filter((r) => r.engine === e.engine && r.what === 'fleetwire').map((r) => r.longestTaskMs));
  const judge = (v: number | null) => (v === null ? 'not measured' : v <= TARGET_24H_P99_MS ? `met: ${Math.round(v)} ms` : `missed: ${Math.round(v)} ms`);
  return {
    engine: e.engine,
    painted24hP99: judge(p99),
    painted24hFromRequestP99: judge(open24?.fromRequestP99Ms ?? null),
    longestTask: longest <= LONG_TASK_MS ? `met: ${Math.round(longest)} ms` : `missed: ${Math.round(longest)} ms`,
  };
});
const commit = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--', '.', ':!bench/results'], { encoding: 'utf8' }).stdout.trim() !== '';
const markdown = `## Truck window history

Commit \`${commit.slice(0, 12)}\`${dirty ? ' (with uncommitted changes)' : ''}, load average ${loadBefore.toFixed(1)} on ${os.cpus().length} cores before the run, real Chromium (1280×900).
One refrigerated truck with a week of telemetry at one sample every 5 s (${engines.map((e) => `${e.engine}: ${e.expected['24h']} samples in 24 h, ${e.expected['7d']} in 7 d`).join('; ')}),
ingested through \`/api/ingest\`. *Drawn* is navigation start (or the click on "7 d") → the first
frame in which \`<truck-page>\` holds the server's history of the range and its charts and track draw
all of it (\`data-history-source="server"\`, \`data-history-drawn\` = \`data-history-samples\`), each
run in a browser profile that never ran fleetwire (so the app itself loads too); *from 1st history
request* starts at the window's first history request instead (resource timing). *Longest task while loading* is the longest main-thread task
(\`PerformanceObserver\` "longtask") from the first history request to a second after the range is
drawn; *from start* counts from navigation (the app's own start-up included) or the click. The floor is a page on the
same server and session that fetches the range as JSON pages of 10,000 and strokes one canvas
polyline: what getting the data and drawing it costs on this machine in this run. ${RUNS} runs each,
interleaved with the floor.

${table(
  ['engine', 'scenario', 'range', 'drawn p50', 'drawn p99', 'from 1st history request p50', 'p99', 'longest task while loading', 'tasks > 50 ms', 'longest task from start'],
  rows.map((r) => [r.engine, r.scenario, r.range === '24h' ? '24 h' : '7 d', ms(r.p50Ms), ms(r.p99Ms), ms(r.fromRequestP50Ms), ms(r.fromRequestP99Ms), ms(r.longestTaskMs), r.longTasksOver50, ms(r.longestTaskFromStartMs)]),
)}

Targets: history drawn ≤ ${TARGET_24H_P99_MS} ms (p99) for 24 h in a new browser; no task over ${LONG_TASK_MS} ms while a range loads.
${verdicts.map((v) => `- ${v.engine}: 24 h drawn p99 from navigation **${v.painted24hP99}**, from the first history request **${v.painted24hFromRequestP99}**; longest task **${v.longestTask}**.`).join('\n')}
${incomplete.length ? `\n**Incomplete runs** (a window drew fewer samples than the server holds): ${incomplete.join(', ')}.` : ''}`;
await writeResult('history-window', { git: { commit, dirty }, loadBefore, truck: TRUCK, sampleEveryMs: SAMPLE_EVERY_MS, runsEach: RUNS, engines, rows, verdicts, incomplete }, markdown);
process.exit(0);
