// One EventSource per tab against the shared hub, side by side in one run, in real Chromium.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { launchProfile, logIn, newWindow, type Profile } from '../test/support/browser';
import { startServer, type RunningServer } from '../test/support/server';
import { startCountingProxy, type CountingProxy } from '../test/support/tcp-proxy';
import { driveIngest, type DriveResult } from './drive';
import { CLEAR_LOG_JS, FLEETWIRE_PAGE_JS, NAIVE_PAGE_JS, READ_LOG_JS, freshness, type WindowLog } from './freshness';
import { cpuByProcessKind, cpuSnapshot } from './cpu';
import { processesMentioning, untilQuiet } from './quiet';
import { ms, quantile, table, writeResult } from './report';

/** Tab counts compared: 1, 6, 10, 20, 50. */
const TAB_COUNTS = (process.env.BENCH_TABS ?? '1,6,10,20,50').split(',').map(Number);
/** Ingest rate for the latency runs: the target is p99 ≤ 50 ms in 20 tabs at this rate. */
const LATENCY_RATE_PER_S = 200;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_S ?? 5);
/** Driven before each latency run at the same rate and left out of its numbers. */
const WARMUP_SECONDS = 2;
/** Offered load for the throughput run: above the ≥ 5,000 ev/s target, to see where it saturates. */
const THROUGHPUT_RATE_PER_S = Number(process.env.BENCH_THROUGHPUT_RATE ?? 6_000);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_S ?? 10);
const THROUGHPUT_TABS = 10;
/**
 * Throughput runs, each on a fresh profile: on two cores one run's long tasks depend on what else
 * the machine does at that moment, so the table shows every run rather than one.
 */
const THROUGHPUT_RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 3);
/** The memory run: 10 tabs at 200 ev/s for five minutes, sampled every 30 s. */
const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_S ?? 300);
const MEMORY_SAMPLE_S = 30;
/** A request from the last tab that takes longer than this is reported as stalled. */
const FETCH_TIMEOUT_MS = 5_000;
/** After the last event of a latency run, how long a tab has to show it (else it counts as that late). */
const DRAIN_MS = 3_000;
const TRUCKS = Array.from({ length: 20 }, (_, i) => `acme-${String(i + 1).padStart(2, '0')}`);


declare global {
  interface Window {
    __longTasks?: number[];
  }
}

async function settle(msToWait: number): Promise<void> {
  await new Promise((r) => setTimeout(r, msToWait));
}

async function gauge(): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('fleetwire_sse_connections{tenant="acme"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** Ingests at `rate` events/s for `seconds`, round-robin over the fleet. */
function drive(rate: number, seconds: number): Promise<DriveResult> {
  const sample = (n: number) => ({ truckId: TRUCKS[n % TRUCKS.length]!, ts: Date.now(), lat: 51.9, lon: 4.5 + n * 1e-6, speedKph: 60, headingDeg: 90 });
  return driveIngest(server.url, rate, seconds, sample);
}

/**
 * A naive tab: its own EventSource, each event shown in the next frame (NAIVE_PAGE_JS). Returns null
 * when the tab cannot even load: every connection the browser allows the host is held by a stream.
 */
async function openNaiveTab(profile: Profile): Promise<Page | null> {
  const page = await newWindow(profile.context);
  try {
    await page.goto(`${proxy.url}/healthz`, { timeout: FETCH_TIMEOUT_MS });
  } catch {
    return null;
  }
  await page.evaluate(NAIVE_PAGE_JS);
  return page;
}

/**
 * A fleetwire tab. With `record`, it logs when each event reaches its client (*received*) and, from
 * `startShowing`, what its panels in view show (FLEETWIRE_PAGE_JS). Without, it is left alone: the
 * records grow with every event, which a memory run must not count.
 */
async function openHubTab(profile: Profile, path: string, record = true): Promise<Page> {
  const page = await newWindow(profile.context);
  await page.goto(proxy.url + path);
  await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: 30_000 });
  await page.locator('truck-panel').first().waitFor({ timeout: 30_000 });
  if (!record) return page;
  // tsx compiles this file with esbuild's keepNames, whose __name helper does not exist in the page.
  await page.evaluate('globalThis.__name ??= (fn) => fn');
  await page.evaluate(() => {
    const received: Record<string, number> = {};
    window.__received = received;
    // Received: the tab's client has the event (before any rendering), comparable to the naive tab.
    const fleetwire = window.fleetwire!;
    fleetwire.addEventListener('change', ({ truckIds }) => {
      const now = Date.now();
      for (const id of truckIds) {
        const eventId = fleetwire.trucks.get(id)?.lastEventId;
        if (eventId && received[eventId] === undefined) received[eventId] = now;
      }
    });
    const longTasks: number[] = [];
    window.__longTasks = longTasks;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
  });
  return page;
}

async function fetchFromLastTab(page: Page): Promise<number | null> {
  return page.evaluate(async (timeout) => {
    const start = performance.now();
    const done = await Promise.race([
      fetch('/api/me', { cache: 'no-store' }).then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeout)),
    ]);
    return done ? performance.now() - start : null;
  }, FETCH_TIMEOUT_MS);
}

interface LatencyRow {
  mode: 'naive' | 'hub';
  tabs: number;
  streamConnections: number;
  serverGauge: number;
  fetchMs: number | null;
  /** Freshness (bench/freshness.ts) over the tabs that received anything. */
  p50: number | null;
  p99: number | null;
  paintedIndividually: number;
  notShown: number;
  receivedP50: number | null;
  receivedP99: number | null;
  tabsReceiving: number;
  /** (event, tab) pairs measured. */
  samples: number;
}

async function latencyRun(mode: 'naive' | 'hub', tabs: number): Promise<LatencyRow> {
  await untilQuiet();
  const profile = await launchProfile();
  try {
    await logIn(profile.context, proxy.url, 'ana');
    const pages: (Page | null)[] = [];
    for (let i = 0; i < tabs; i += 1) {
      if (mode === 'naive') pages.push(await openNaiveTab(profile));
      else pages.push(await openHubTab(profile, i % 2 === 0 ? '/' : `/trucks/${TRUCKS[i % TRUCKS.length]}`));
    }
    await settle(1_500);
    const streamConnections = proxy.openStreams();
    const serverGauge = await gauge();
    const lastTab = pages.at(-1);
    const fetchMs = lastTab ? await fetchFromLastTab(lastTab) : null;
    // Warm-up at the same rate, not counted: every tab compiles its rendering code on the first
    // events at once, which on two cores is a start-up cost, not the steady latency measured here.
    await drive(LATENCY_RATE_PER_S, WARMUP_SECONDS);
    await settle(1_000);
    const open = pages.filter((p): p is Page => p !== null);
    if (mode === 'hub') for (const page of open) await page.evaluate(FLEETWIRE_PAGE_JS);
    for (const page of open) await page.evaluate(CLEAR_LOG_JS);
    const driven = await drive(LATENCY_RATE_PER_S, LATENCY_SECONDS);
    await settle(DRAIN_MS);
    const endedAt = Date.now();
    const receivedLatencies: number[] = [];
    const logs: WindowLog[] = [];
    for (const page of open) {
      const received = await page.evaluate(() => window.__received ?? {});
      for (const [id, at] of Object.entries(received)) {
        const sent = driven.sentAt.get(id);
        if (sent !== undefined) receivedLatencies.push(at - sent);
      }
      const log = (await page.evaluate(READ_LOG_JS)) as WindowLog;
      // A naive tab beyond the browser's connection limit never receives anything: counted apart.
      if (log.shown.length > 0) logs.push(log);
    }
    const fresh = freshness(driven.truckOf, driven.sentAt, logs, endedAt);
    return {
      mode,
      tabs,
      streamConnections,
      serverGauge,
      fetchMs,
      p50: fresh.p50,
      p99: fresh.p99,
      paintedIndividually: fresh.paintedIndividually,
      notShown: fresh.notShown,
      receivedP50: quantile(receivedLatencies, 0.5),
      receivedP99: quantile(receivedLatencies, 0.99),
      tabsReceiving: logs.length,
      samples: fresh.pairs,
    };
  } finally {
    await profile.close();
    const deadline = Date.now() + 10_000;
    while (proxy.openStreams() > 0 && Date.now() < deadline) await settle(100);
  }
}

function seqOf(id: string | null | undefined): number {
  return id ? Number(id.split('-')[1]) : 0;
}

async function throughputRun() {
  await untilQuiet();
  const profile = await launchProfile();
  try {
    await logIn(profile.context, proxy.url, 'ana');
    const pages: Page[] = [];
    for (let i = 0; i < THROUGHPUT_TABS; i += 1) pages.push(await openHubTab(profile, '/'));
    // The same warm-up as the latency runs, so the pages' code is compiled before it is measured.
    await drive(LATENCY_RATE_PER_S, WARMUP_SECONDS);
    await settle(1_000);
    const before = await pages[0]!.evaluate(async () => window.fleetwire!.diagnostics());
    // Only what happens under load counts: forget the long tasks of page start-up and warm-up.
    for (const page of pages) await page.evaluate(() => window.__longTasks?.splice(0));
    const cpuBefore = await cpuSnapshot(profile.dir, server.process.pid!);
    const start = Date.now();
    const { sentAt } = await drive(THROUGHPUT_RATE_PER_S, THROUGHPUT_SECONDS);
    const offeredEnd = Date.now();
    const cores = cpuByProcessKind(cpuBefore, await cpuSnapshot(profile.dir, server.process.pid!), (Date.now() - start) / 1000);
    const lastId = [...sentAt.keys()].sort((a, b) => seqOf(a) - seqOf(b)).at(-1)!;
    // Fanned out: every tab's client has the last event.
    const deadline = Date.now() + 60_000;
    let fannedOutAt: number | null = null;
    while (Date.now() < deadline) {
      const ids = await Promise.all(pages.map((p) => p.evaluate(() => window.fleetwire!.lastEventId)));
      if (ids.every((id) => seqOf(id) >= seqOf(lastId))) {
        fannedOutAt = Date.now();
        break;
      }
      await settle(50);
    }
    // Persisted: IndexedDB holds every event (history of a truck is bounded far above this run).
    let persistedAt: number | null = null;
    let stored = 0;
    while (Date.now() < deadline) {
      stored = (await pages[0]!.evaluate(async () => window.fleetwire!.diagnostics())).eventsStored;
      if (stored - before.eventsStored >= sentAt.size) {
        persistedAt = Date.now();
        break;
      }
      await settle(100);
    }
    const longTasks = (await Promise.all(pages.map((p) => p.evaluate(() => window.__longTasks ?? [])))).flat();
    const events = sentAt.size;
    return {
      tabs: THROUGHPUT_TABS,
      offeredPerSec: THROUGHPUT_RATE_PER_S,
      events,
      ingestSeconds: (offeredEnd - start) / 1000,
      fannedOutPerSec: fannedOutAt ? events / ((fannedOutAt - start) / 1000) : null,
      persistedPerSec: persistedAt ? events / ((persistedAt - start) / 1000) : null,
      longTasksOver50ms: longTasks.filter((d) => d > 50).length,
      longestTaskMs: longTasks.length ? Math.max(...longTasks) : 0,
      /** Cores used while the load was offered, by process kind (bench/cpu.ts). */
      cores,
    };
  } finally {
    await profile.close();
  }
}

/** Resident memory of every Chromium process of a profile, in MiB. */
async function profileRssMiB(profile: Profile): Promise<number> {
  let kib = 0;
  for (const pid of await processesMentioning(profile.dir)) {
    // A process that ended while we looked counts nothing.
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return Math.round(kib / 1024);
}

async function memoryRun() {
  await untilQuiet();
  const profile = await launchProfile();
  try {
    await logIn(profile.context, proxy.url, 'ana');
    const pages: Page[] = [];
    for (let i = 0; i < 10; i += 1) pages.push(await openHubTab(profile, i % 2 === 0 ? '/' : `/trucks/${TRUCKS[i]}`, false));
    const cdp = await profile.context.newCDPSession(pages[0]!);
    await cdp.send('Performance.enable');
    const samples: { atS: number; rssMiB: number; tabHeapMiB: number; eventsStored: number }[] = [];
    const start = Date.now();
    const load = drive(LATENCY_RATE_PER_S, MEMORY_SECONDS);
    for (let t = 0; t <= MEMORY_SECONDS; t += MEMORY_SAMPLE_S) {
      await settle(Math.max(0, start + t * 1000 - Date.now()));
      // Garbage is not growth: collect it first, so the heap shows what the tab keeps.
      await cdp.send('HeapProfiler.collectGarbage');
      const metrics = (await cdp.send('Performance.getMetrics')).metrics;
      const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
      const diag = await pages[0]!.evaluate(async () => window.fleetwire!.diagnostics());
      samples.push({
        atS: Math.round((Date.now() - start) / 1000),
        rssMiB: await profileRssMiB(profile),
        tabHeapMiB: Math.round((heap / 2 ** 20) * 10) / 10,
        eventsStored: diag.eventsStored,
      });
      console.log('memory sample', samples.at(-1));
    }
    await load;
    return samples;
  } finally {
    await profile.close();
  }
}

const server: RunningServer = await startServer({ LOG_LEVEL: 'error' });
const proxy: CountingProxy = await startCountingProxy(server.port);
try {
  const rows: LatencyRow[] = [];
  for (const tabs of TAB_COUNTS) {
    for (const mode of ['naive', 'hub'] as const) {
      const row = await latencyRun(mode, tabs);
      console.log(row);
      rows.push(row);
    }
  }
  const throughput: Awaited<ReturnType<typeof throughputRun>>[] = [];
  for (let run = 0; run < THROUGHPUT_RUNS; run += 1) {
    throughput.push(await throughputRun());
    console.log(throughput.at(-1));
  }
  const offered = throughput[0]!;
  const memory = MEMORY_SECONDS > 0 ? await memoryRun() : [];

  const cpuKinds = [...new Set(throughput.flatMap((t) => Object.keys(t.cores)))].sort();
  const first = memory[0];
  const last = memory.at(-1);
  const md = `## Hub: one stream per browser vs one EventSource per tab

Real Chromium (headless, one profile per row, started once the previous row's browser has exited)
through a counting TCP proxy in front of one fleetwire server. **naive**: every tab opens its own \`EventSource('/api/stream')\`. **hub**: fleetwire tabs
(half on \`/\`, half on \`/trucks/<id>\`) sharing the SharedWorker hub. Every page has a popup window of its own
(1280×800), as the truck windows fleetwire opens sit beside the dashboard, so every one of them keeps
painting: headless Chromium draws only the active tab of a window and throttles the frames of its other
tabs to one per second, where a real browser would hide them. *Stream connections* are counted by
the proxy (the server's \`fleetwire_sse_connections\` gauge agrees: column *gauge*). *fetch from last tab*
is \`fetch('/api/me')\` from the newest tab (stalled = no answer, or the tab itself did not load, within
${FETCH_TIMEOUT_MS / 1000} s).
Latency runs ${LATENCY_RATE_PER_S} ev/s for ${LATENCY_SECONDS} s after a ${WARMUP_SECONDS} s warm-up at the same rate, from the ingest request being sent: *received* is the
event in the tab's JavaScript (naive: the EventSource message; hub: the tab's FleetClient). *fresh* is
what the operator sees (\`bench/freshness.ts\`): per event and tab, until the tab shows the truck's panel
with that event **or a later one** (hub: the panels in view — dashboards scrolled to their grid, truck
pages their truck; naive: one line of text per event, in the next frame). *painted individually* is
the share of those (event, tab) pairs whose exact event was shown; an event not shown within
${DRAIN_MS / 1000} s counts as that late (*not shown*). A naive tab beyond the browser's six connections receives
nothing and is left out of *fresh* (column *tabs receiving*).

${table(
  ['tabs', 'mode', 'stream connections', 'gauge', 'fetch from last tab', 'received p50', 'p99', 'fresh p50', 'p99', 'painted individually', 'not shown', 'tabs receiving'],
  rows.map((r) => [
    r.tabs,
    r.mode,
    r.streamConnections,
    r.serverGauge,
    r.fetchMs === null ? 'stalled' : ms(r.fetchMs),
    ms(r.receivedP50),
    ms(r.receivedP99),
    ms(r.p50),
    ms(r.p99),
    `${Math.round(r.paintedIndividually * 100)} %`,
    r.notShown,
    `${r.tabsReceiving}/${r.tabs}`,
  ]),
)}

Targets: 1 connection for 50 tabs; fetch < 100 ms with 20 tabs. Freshness in many windows against a
trivial page is the *fresh* benchmark below.

### Hub throughput

${offered.offeredPerSec} ev/s offered for ${THROUGHPUT_SECONDS} s (${offered.events} events) to ${offered.tabs} dashboard windows, after a ${WARMUP_SECONDS} s warm-up at ${LATENCY_RATE_PER_S} ev/s; ${THROUGHPUT_RUNS} runs, each on a fresh browser profile once the previous one has exited.

${table(
  ['run', 'fanned out to all tabs', 'persisted to IndexedDB', 'long tasks > 50 ms (all tabs)', 'longest task', ...cpuKinds.map((k) => `cores: ${k}`)],
  throughput.map((t, i) => [
    i + 1,
    t.fannedOutPerSec === null ? 'did not finish' : `${Math.round(t.fannedOutPerSec)} ev/s`,
    t.persistedPerSec === null ? 'did not finish' : `${Math.round(t.persistedPerSec)} ev/s`,
    t.longTasksOver50ms,
    ms(t.longestTaskMs),
    ...cpuKinds.map((k) => (t.cores[k] ?? 0).toFixed(2)),
  ]),
)}

Target: ≥ 5,000 ev/s through the hub with no long task > 50 ms. Rates are events over the time from the
first ingest request to the moment the last event was in every tab (or in IndexedDB), so they include
the server's ingest. *cores*: CPU time while the load was offered divided by its length, per process
kind (\`/proc/<pid>/stat\`, \`bench/cpu.ts\`).

The ten dashboards are windows in view. Each tab's client applies every event as it comes, and at
this rate (over 1,000 ev/s to one tab) the dashboard paints at most every 100 ms instead of every
frame (docs/architecture.md, Rendering).

### Hub memory over time

10 tabs at ${LATENCY_RATE_PER_S} ev/s for ${MEMORY_SECONDS} s. RSS is every Chromium process of the profile (browser,
renderers, the SharedWorker); heap is one dashboard tab's JS heap after a forced garbage collection.

${table(
  ['t', 'Chromium RSS', 'tab JS heap', 'events stored'],
  memory.map((s) => [`${s.atS} s`, `${s.rssMiB} MiB`, `${s.tabHeapMiB} MiB`, s.eventsStored]),
)}
${first && last ? `\nRSS from ${first.atS} s to ${last.atS} s: ${first.rssMiB} → ${last.rssMiB} MiB (${Math.round(((last.rssMiB - first.rssMiB) / first.rssMiB) * 100)} %).` : ''}
`;
  await writeResult('hub', { rows, throughput, memory }, md);
} finally {
  await proxy.close();
  await server.stop();
}
