// The dashboard's fleet map under load, in real Chromium: 100 and 1,000 trucks at 200 ev/s. Frames
// per second, the longest main-thread task, and marker freshness: send → the frame in which the map
// draws a truck at that position or a later one (read back from what MapLibre rendered). Beside it,
// in the same run and on the same stream, a floor: one EventSource and a canvas of dots, redrawn
// once per frame. Every figure below is computed from the JSON this run writes.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { Page } from 'playwright-core';
import type { Telemetry } from '../src/shared/fleet';
import { launchProfile, logIn, type Profile } from '../test/support/browser';
import { ingest, startServer, type RunningServer } from '../test/support/server';
import { chunksKb, initialJsKb } from './bundle';
import { driveIngest } from './drive';
import { FIND_IN_SHADOWS_JS } from './page-script';
import { untilQuiet } from './quiet';
import { ms, quantile, table, writeResult } from './report';

const FLEETS = (process.env.BENCH_MAP_TRUCKS ?? '100,1000').split(',').map(Number);
const RATE_PER_S = 200;
const SECONDS = Number(process.env.BENCH_MAP_S ?? 30);
/** Trucks whose markers are watched for freshness: apart from the rest, so none is in a cluster. */
const PROBES = 6;
/** How far a watched truck moves south per sample, degrees: a few of MapLibre's tile units (~0.006° at the fitted zoom). */
const PROBE_STEP_DEG = 0.02;
/** A rendered position within this of the sent one counts as drawn (MapLibre quantizes geometry to its tile grid). */
const DRAWN_TOL_DEG = 0.008;
const LONG_TASK_MS = 50;
const MAP_CHUNKS = ['maplibre', 'fleet-map-gl', 'world-outlines'];

const truckId = (i: number) => `acme-${String(i + 1).padStart(2, '0')}`;

/**
 * Where truck `i` of `n` starts: the watched ones in a row north of the rest, 4° apart; the others
 * spread over central Europe. The watched trucks drive south, into the map's fitted view, never
 * closer to the rest than a cluster's reach.
 */
function home(i: number, n: number): { lat: number; lon: number } {
  const probeFirst = n - PROBES;
  if (i >= probeFirst) return { lat: 57, lon: -2 + (i - probeFirst) * 4 };
  const cols = Math.ceil(Math.sqrt(probeFirst));
  return { lat: 44 + (Math.floor(i / cols) / cols) * 7, lon: -1 + ((i % cols) / cols) * 20 };
}

interface Sent {
  truckId: string;
  lat: number;
  at: number;
}

/** The load: truck after truck, each sample a little further on; the watched trucks' samples are remembered with their send time. */
function load(n: number, sent: Sent[]) {
  const steps = new Array<number>(n).fill(0);
  return (k: number): Telemetry => {
    const i = (k - 1) % n;
    const step = ++steps[i]!;
    const base = home(i, n);
    const watched = i >= n - PROBES;
    const lat = base.lat - (watched ? step * PROBE_STEP_DEG : (step % 10) * 0.002);
    if (watched) sent.push({ truckId: truckId(i), lat, at: Date.now() });
    return { truckId: truckId(i), ts: Date.now(), lat, lon: base.lon, speedKph: 60 + (step % 30), headingDeg: (step * 13) % 360, fuelPct: 50 };
  };
}

/**
 * In the page after it is ready: counts frames, records long tasks and, each frame, where the map
 * drew each watched truck (only changes are kept). A string: tsx's helpers do not exist in the page.
 */
const MAP_PROBE_JS = (probes: string[]) => `(() => {
  const probe = { frames: 0, longTasks: [], drawn: [] };
  window.__probe = probe;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) probe.longTasks.push(e.duration); }).observe({ type: 'longtask' });
  ${FIND_IN_SHADOWS_JS}
  const map = find(document, 'fleet-map');
  const last = {};
  const frame = () => {
    probe.frames++;
    const now = Date.now();
    for (const id of ${JSON.stringify(probes)}) {
      const p = map.renderedPosition(id);
      if (p && p.lat !== last[id]) { last[id] = p.lat; probe.drawn.push({ id, lat: p.lat, at: now }); }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})()`;

/** The floor: one EventSource, a canvas of dots redrawn once per frame when something moved. */
const FLOOR_HTML = (probes: string[]) => `<!doctype html><meta charset="utf-8"><title>floor</title><canvas width="1400" height="700"></canvas>
<script type="module">
const probe = { frames: 0, longTasks: [], drawn: [] };
window.__probe = probe;
new PerformanceObserver((l) => { for (const e of l.getEntries()) probe.longTasks.push(e.duration); }).observe({ type: 'longtask' });
const ctx = document.querySelector('canvas').getContext('2d');
const trucks = new Map();
const watched = new Set(${JSON.stringify(probes)});
let dirty = new Set();
const es = new EventSource('/api/stream');
es.addEventListener('telemetry', (e) => { const t = JSON.parse(e.data); trucks.set(t.truckId, t); dirty.add(t.truckId); });
const frame = () => {
  probe.frames++;
  if (dirty.size) {
    ctx.clearRect(0, 0, 1400, 700);
    for (const t of trucks.values()) ctx.fillRect((t.lon + 5) * 40, (62 - t.lat) * 40, 4, 4);
    const now = Date.now();
    for (const id of dirty) if (watched.has(id)) probe.drawn.push({ id, lat: trucks.get(id).lat, at: now });
    dirty = new Set();
  }
  requestAnimationFrame(frame);
};
requestAnimationFrame(frame);
</script>`;

interface Probe {
  frames: number;
  longTasks: number[];
  drawn: { id: string; lat: number; at: number }[];
}

interface Row {
  trucks: number;
  what: 'fleetwire map' | 'floor';
  framesPerSec: number;
  longestTaskMs: number;
  longTasksOver50: number;
  freshP50Ms: number | null;
  freshP99Ms: number | null;
  watchedSamples: number;
  neverDrawn: number;
}

/** For each watched sample: send → the first frame that drew its truck there or further on. */
function freshness(sent: readonly Sent[], drawn: Probe['drawn']): { latencies: number[]; never: number } {
  const latencies: number[] = [];
  let never = 0;
  for (const s of sent) {
    // Watched trucks only drive south: drawn at that sample's latitude or further south is drawn.
    const hit = drawn.find((d) => d.id === s.truckId && d.lat <= s.lat + DRAWN_TOL_DEG && d.at >= s.at - 1);
    if (hit) latencies.push(hit.at - s.at);
    else never++;
  }
  return { latencies, never };
}

async function measure(server: RunningServer, page: Page, n: number, what: Row['what']): Promise<Row> {
  const sent: Sent[] = [];
  const framesBefore = await page.evaluate(() => {
    const p = (window as unknown as { __probe: Probe }).__probe;
    p.longTasks = [];
    p.drawn = [];
    return p.frames;
  });
  const started = Date.now();
  await driveIngest(server.url, RATE_PER_S, SECONDS, load(n, sent));
  await new Promise((r) => setTimeout(r, 2_000));
  const elapsedS = (Date.now() - started) / 1000;
  const p = await page.evaluate(() => (window as unknown as { __probe: Probe }).__probe);
  const { latencies, never } = freshness(sent, p.drawn);
  return {
    trucks: n,
    what,
    framesPerSec: Math.round(((p.frames - framesBefore) / elapsedS) * 10) / 10,
    longestTaskMs: Math.max(0, ...p.longTasks),
    longTasksOver50: p.longTasks.filter((d) => d > LONG_TASK_MS).length,
    freshP50Ms: quantile(latencies, 0.5),
    freshP99Ms: quantile(latencies, 0.99),
    watchedSamples: sent.length,
    neverDrawn: never,
  };
}

async function openPage(profile: Profile, url: string): Promise<Page> {
  const page = await profile.context.newPage();
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto(url);
  return page;
}

async function run(n: number): Promise<Row[]> {
  await untilQuiet();
  const server = await startServer({ FLEETWIRE_DEMO_TRUCKS: String(n), LOG_LEVEL: 'error' });
  const rows: Row[] = [];
  try {
    // Every truck reports once, so the map fits them all (the watched row included) before the load.
    const first: Telemetry[] = Array.from({ length: n }, (_, i) => ({ truckId: truckId(i), ts: Date.now(), ...home(i, n), speedKph: 50, headingDeg: 0 }));
    for (let i = 0; i < first.length; i += 1_000) await ingest(server.url, 'demo-acme', first.slice(i, i + 1_000));
    const probes = Array.from({ length: PROBES }, (_, k) => truckId(n - PROBES + k));

    const profile = await launchProfile();
    try {
      await logIn(profile.context, server.url, 'ana');
      const page = await openPage(profile, `${server.url}/`);
      await page.locator(`fleet-map[data-trucks="${n}"][data-mode="webgl"][data-basemap]`).waitFor({ timeout: 60_000 });
      await page.locator('fleet-map').scrollIntoViewIfNeeded();
      // tsx compiles this file with esbuild's keepNames, whose __name helper does not exist in the page.
      await page.evaluate('globalThis.__name ??= (fn) => fn');
      await page.waitForFunction(
        (ids) => {
          const find = (root: Document | ShadowRoot): Element | null => {
            for (const el of root.querySelectorAll('*')) {
              if (el.localName === 'fleet-map') return el;
              const inner = el.shadowRoot ? find(el.shadowRoot) : null;
              if (inner) return inner;
            }
            return null;
          };
          const map = find(document) as unknown as { renderedPosition(id: string): unknown } | null;
          return !!map && ids.every((id) => map.renderedPosition(id) !== null);
        },
        probes,
        { timeout: 60_000, polling: 250 },
      ).catch(() => {
        throw new Error(`the map never drew the watched trucks ${probes.join(', ')} on their own`);
      });
      await page.evaluate(MAP_PROBE_JS(probes));
      rows.push(await measure(server, page, n, 'fleetwire map'));
      await page.close();
    } finally {
      await profile.close();
    }

    await untilQuiet();
    const floorProfile = await launchProfile();
    try {
      await logIn(floorProfile.context, server.url, 'ana');
      await floorProfile.context.route(`${server.url}/bench-floor.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: FLOOR_HTML(probes) }));
      const page = await openPage(floorProfile, `${server.url}/bench-floor.html`);
      await page.waitForFunction(() => (window as unknown as { __probe?: Probe }).__probe !== undefined, undefined, { timeout: 30_000 });
      rows.push(await measure(server, page, n, 'floor'));
    } finally {
      await floorProfile.close();
    }
  } finally {
    await server.stop();
  }
  for (const r of rows) console.log(r);
  return rows;
}

const loadBefore = os.loadavg()[0] ?? 0;
const rows: Row[] = [];
for (const n of FLEETS) rows.push(...(await run(n)));
const [initialJs, mapChunks] = await Promise.all([initialJsKb(), chunksKb(MAP_CHUNKS)]);
const commit = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--', '.', ':!bench/results'], { encoding: 'utf8' }).stdout.trim() !== '';
const verdicts = FLEETS.map((n) => {
  const ours = rows.find((r) => r.trucks === n && r.what === 'fleetwire map');
  return { trucks: n, longestTask: ours ? (ours.longestTaskMs <= LONG_TASK_MS ? `met: ${Math.round(ours.longestTaskMs)} ms` : `missed: ${Math.round(ours.longestTaskMs)} ms`) : 'not measured' };
});
const markdown = `## Fleet map under load

Commit \`${commit.slice(0, 12)}\`${dirty ? ' (with uncommitted changes)' : ''}, load average ${loadBefore.toFixed(1)} on ${os.cpus().length} cores before the run, real Chromium (1600×1000, WebGL through
SwiftShader: no GPU). The dashboard of a fleet of N trucks (\`FLEETWIRE_DEMO_TRUCKS\`) with its map in
view, ${RATE_PER_S} ev/s for ${SECONDS} s spread over every truck. *Fresh* is, per sample of ${PROBES} watched trucks
(placed apart from the rest so none is in a cluster, driving south), the send of the ingest request → the first
frame in which the map draws that truck at that position or further on, read back from what MapLibre
rendered (\`renderedPosition\`, ${DRAWN_TOL_DEG}° tolerance for its tile grid); reading it back each frame costs
the page a little. The floor is a page on the same server and session with one \`EventSource\` and a
canvas of dots redrawn once per frame. Map chunks (loaded on demand): ${mapChunks.kb} KB gzip
(${mapChunks.files.join(', ')}); the dashboard's initial JavaScript: ${initialJs.kb} KB gzip (${initialJs.files.length} files).

${table(
  ['trucks', 'page', 'frames/s', 'longest task', 'tasks > 50 ms', 'fresh p50', 'fresh p99', 'watched samples', 'never drawn'],
  rows.map((r) => [r.trucks, r.what, r.framesPerSec, ms(r.longestTaskMs), r.longTasksOver50, ms(r.freshP50Ms), ms(r.freshP99Ms), r.watchedSamples, r.neverDrawn]),
)}

Target: no task over ${LONG_TASK_MS} ms. ${verdicts.map((v) => `${v.trucks} trucks: **${v.longestTask}**`).join('; ')}.`;
await writeResult('map', { git: { commit, dirty }, loadBefore, ratePerSec: RATE_PER_S, seconds: SECONDS, probes: PROBES, rows, verdicts, initialJs, mapChunks }, markdown);
process.exit(0);
