// Freshness as an operator sees it: from sending an event until the truck's panel in each window in
// view shows that event or a later one. fleetwire against a trivial page in the same run.
import type { Page } from 'playwright-core';
import { launchProfile, logIn, newWindow, type Profile } from '../test/support/browser';
import { startServer, type RunningServer } from '../test/support/server';
import { driveIngest } from './drive';
import { CLEAR_LOG_JS, FLEETWIRE_PAGE_JS, FLOOR_PAGE_JS, READ_LOG_JS, freshness, type WindowLog } from './freshness';
import { cpuByProcessKind, cpuSnapshot, type CpuSnapshot } from './cpu';
import { untilQuiet } from './quiet';
import { traceMainThread, type MainThreadProfile } from './trace';
import os from 'node:os';
import { gitState, ms, table, writeResult } from './report';

const WINDOW_COUNTS = (process.env.BENCH_WINDOWS ?? '1,6,10,20,50').split(',').map(Number);
const RATE_PER_S = Number(process.env.BENCH_FRESH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_FRESH_S ?? 8);
/** Driven before each run at the same rate and left out of its numbers: every window compiles its rendering code then. */
const WARMUP_SECONDS = 2;
/** After the last event, how long a window has to show it; an event not shown by then counts as this late. */
const DRAIN_MS = 5_000;
const WINDOW_SIZE = { width: 800, height: 600 };
/** Seconds of load traced for the main-thread breakdown. */
const TRACE_SECONDS = 3;
const TRUCK_PAGE = 'acme-03';
/** Events go round-robin over these trucks (the demo fleet's first 20). */
const TRUCKS = Array.from({ length: 20 }, (_, i) => `acme-${String(i + 1).padStart(2, '0')}`);
/** The 2× target: fleetwire's p99 in 20 windows against the floor's p99 in the same run. */
const TARGET_WINDOWS = 20;
const TARGET_FACTOR = 2;

type Mode = 'floor' | 'fleetwire';

async function openWindow(profile: Profile, mode: Mode, index: number, url: string): Promise<Page> {
  const page = await newWindow(profile.context, WINDOW_SIZE);
  if (mode === 'floor') {
    await page.goto(`${url}/healthz`);
    await page.evaluate(FLOOR_PAGE_JS);
    return page;
  }
  await page.goto(index % 2 === 0 ? `${url}/` : `${url}/trucks/${TRUCK_PAGE}`);
  await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: 60_000 });
  await page.locator('truck-panel').first().waitFor({ timeout: 60_000 });
  return page;
}

interface Row {
  mode: Mode;
  windows: number;
  /** (event, window) pairs measured: each event in each window that shows its truck. */
  pairs: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  /** Share of pairs whose exact event was shown (not only a later one). */
  paintedIndividually: number;
  /** Pairs whose event (or a later one) was not shown within DRAIN_MS of the last event. */
  notShown: number;
  /** Pairs where a window showed an older event of the truck after a newer one. */
  wentBack: number;
  /** Cores used during the measured seconds, by process kind (from /proc). */
  cores: Record<string, number>;
  /** fleetwire: p99 of the dashboards and of the truck pages apart (where the lag is). */
  p99ByPage: { dashboards: number | null; truckPages: number | null } | null;
  /** In the TARGET_WINDOWS row: one window of each kind, its main thread per second (bench/trace.ts). */
  mainThread: Record<string, MainThreadProfile>;
}

async function run(mode: Mode, windows: number): Promise<Row> {
  await untilQuiet();
  const profile = await launchProfile();
  try {
    await logIn(profile.context, server.url, 'ana');
    const pages: Page[] = [];
    for (let i = 0; i < windows; i += 1) pages.push(await openWindow(profile, mode, i, server.url));
    const sample = (n: number) => ({ truckId: TRUCKS[n % TRUCKS.length]!, ts: Date.now(), lat: 51.9, lon: 4.5 + n * 1e-6, speedKph: 60 + (n % 30), headingDeg: 90 });
    await driveIngest(server.url, RATE_PER_S, WARMUP_SECONDS, sample);
    await new Promise((r) => setTimeout(r, 1_000));
    if (mode === 'fleetwire') for (const page of pages) await page.evaluate(FLEETWIRE_PAGE_JS);
    for (const page of pages) await page.evaluate(CLEAR_LOG_JS);
    const before: CpuSnapshot = await cpuSnapshot(profile.dir, server.process.pid!);
    const startedAt = Date.now();
    const drive = await driveIngest(server.url, RATE_PER_S, SECONDS, sample);
    const after: CpuSnapshot = await cpuSnapshot(profile.dir, server.process.pid!);
    const cores = cpuByProcessKind(before, after, (Date.now() - startedAt) / 1000);
    await new Promise((r) => setTimeout(r, DRAIN_MS));
    const endedAt = Date.now();
    const logs = await Promise.all(pages.map((p) => p.evaluate(READ_LOG_JS) as Promise<WindowLog>));
    // Windows alternate: even ones the dashboard, odd ones the truck page (openWindow).
    const p99ByPage =
      mode === 'fleetwire'
        ? {
            dashboards: freshness(drive.truckOf, drive.sentAt, logs.filter((_, i) => i % 2 === 0), endedAt).p99,
            truckPages: freshness(drive.truckOf, drive.sentAt, logs.filter((_, i) => i % 2 === 1), endedAt).p99,
          }
        : null;
    // Where a window's main thread goes, traced after the measured seconds under the same load (a
    // trace costs CPU itself): the first window of each kind.
    const traced: Row['mainThread'] = {};
    if (windows === TARGET_WINDOWS) {
      const kinds = mode === 'fleetwire' ? ([['dashboard', pages[0]], ['truck page', pages[1]]] as const) : ([['floor', pages[0]]] as const);
      for (const [kind, page] of kinds) {
        if (page) traced[kind] = await traceMainThread(profile.context, page, () => driveIngest(server.url, RATE_PER_S, TRACE_SECONDS, sample));
      }
    }
    return { mode, windows, ...freshness(drive.truckOf, drive.sentAt, logs, endedAt), cores, p99ByPage, mainThread: traced };
  } finally {
    await profile.close();
  }
}

const loadBefore = os.loadavg()[0] ?? 0;
const git = gitState();
const server: RunningServer = await startServer({ LOG_LEVEL: 'error', FLEETWIRE_STREAMS_PER_SESSION: '100' });
try {
  const rows: Row[] = [];
  for (const windows of WINDOW_COUNTS) {
    for (const mode of ['floor', 'fleetwire'] as const) {
      const row = await run(mode, windows);
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  const at = (mode: Mode, windows: number) => rows.find((r) => r.mode === mode && r.windows === windows);
  const target = at('fleetwire', TARGET_WINDOWS);
  const floor = at('floor', TARGET_WINDOWS);
  const verdict =
    target?.p99 != null && floor?.p99 != null
      ? {
          fleetwireP99: target.p99,
          floorP99: floor.p99,
          ratio: target.p99 / floor.p99,
          met: target.p99 <= TARGET_FACTOR * floor.p99,
        }
      : null;
  const most = Math.max(...WINDOW_COUNTS);
  const mostFleetwire = at('fleetwire', most);
  const mostFloor = at('floor', most);
  const degradation =
    mostFleetwire && mostFloor && most > TARGET_WINDOWS
      ? `In ${most} windows fleetwire shows an event or a later one after ${ms(mostFleetwire.p50)} (p50) and ${ms(mostFleetwire.p99)} (p99), ${mostFleetwire.notShown} of ${mostFleetwire.pairs} not within ${DRAIN_MS / 1000} s; the floor ${ms(mostFloor.p50)} and ${ms(mostFloor.p99)}, ${mostFloor.notShown} of ${mostFloor.pairs} not within ${DRAIN_MS / 1000} s.`
      : '';
  const traceRows = rows.flatMap((r) => Object.entries(r.mainThread).map(([kind, t]) => ({ windows: r.windows, kind, t })));
  const traceKinds = [...new Set(traceRows.flatMap((r) => Object.keys(r.t.byKindMsPerS)))];
  const traceTable = traceRows.length
    ? `Main thread of one window of each kind in the ${TARGET_WINDOWS}-window rows, ms per second of a ${TRACE_SECONDS} s Chromium trace under the same load after the measured seconds (\`bench/trace.ts\`). Wall time of the thread's tasks, which includes waiting for a core when the machine has more work than cores; each kind's inclusive time, so *Layout* forced inside a frame callback counts in both:

${table(
  ['windows', 'window', 'busy', ...traceKinds],
  traceRows.map((r) => [r.windows, r.kind, r.t.busyMsPerS.toFixed(0), ...traceKinds.map((k) => (r.t.byKindMsPerS[k] ?? 0).toFixed(1))]),
)}`
    : '';
  const kinds = [...new Set(rows.flatMap((r) => Object.keys(r.cores)))].sort();
  const md = `## Freshness: windows in view, fleetwire against a trivial page

Commit \`${git.commit.slice(0, 12)}\`${git.dirty ? ' (with uncommitted changes)' : ''}, load average ${loadBefore.toFixed(1)} on ${os.cpus().length} cores before the run.
Per event and window, from the ingest request being sent until the window shows the truck's panel
with that event **or a later one** — what an operator sees. Real Chromium, one profile per row
(started once the previous row's browser has exited), every window a popup of its own
(${WINDOW_SIZE.width}×${WINDOW_SIZE.height}, all in view and painting). ${RATE_PER_S} ev/s for ${SECONDS} s, round-robin over
${TRUCKS.length} trucks, after a ${WARMUP_SECONDS} s warm-up at the same rate. An event not shown within ${DRAIN_MS / 1000} s of the last one
counts as that late (*not shown*).

- **floor**: a trivial page — one \`EventSource\` in the tab holding a Web Lock, every event handed
  to every tab on a \`BroadcastChannel\`, one line of text set per event, counted in the next
  animation frame. Every window shows every event.
- **fleetwire**: half the windows on \`/\` (scrolled to the panel grid; measured on the panels in
  view), half on \`/trucks/${TRUCK_PAGE}\`; a panel counts as showing an event once its
  \`data-last-event\` names it (set when its DOM holds the event, before the frame is painted).

*painted individually*: the share of (event, window) pairs whose exact event was shown, not only a
later one. *went back*: a window showed an older event of a truck after a newer one (must be 0).
*cores*: CPU time used during the measured seconds divided by their length, per process kind
(\`/proc/<pid>/stat\`, \`bench/cpu.ts\`): Chromium's renderers (the pages and the hub's
SharedWorker), its GPU process (the display compositor; no GPU here), the browser process, the
fleetwire server, and this benchmark process (the load generator).

${table(
  ['windows', 'page', 'pairs', 'fresh p50', 'p99', 'max', 'p99 dashboards / truck pages', 'painted individually', 'not shown', 'went back', ...kinds.map((k) => `cores: ${k}`)],
  rows.map((r) => [
    r.windows,
    r.mode,
    r.pairs,
    ms(r.p50),
    ms(r.p99),
    ms(r.max),
    r.p99ByPage ? `${ms(r.p99ByPage.dashboards) ?? '—'} / ${ms(r.p99ByPage.truckPages) ?? '—'}` : null,
    `${Math.round(r.paintedIndividually * 100)} %`,
    r.notShown,
    r.wentBack,
    ...kinds.map((k) => (r.cores[k] ?? 0).toFixed(2)),
  ]),
)}

${traceTable}

Target: in ${TARGET_WINDOWS} windows, fleetwire's p99 ≤ ${TARGET_FACTOR}× the floor's p99 in the same run: ${
    verdict
      ? `${ms(verdict.fleetwireP99)} against ${ms(verdict.floorP99)} (${verdict.ratio.toFixed(2)}×): **${verdict.met ? 'met' : 'missed'}**.`
      : `not run (${TARGET_WINDOWS} windows not among ${WINDOW_COUNTS.join(', ')}).`
  }
${degradation}
`;
  await writeResult('fresh', { loadBefore, rateEvPerS: RATE_PER_S, seconds: SECONDS, windowSize: WINDOW_SIZE, rows, verdict }, md);
} finally {
  await server.stop();
}
