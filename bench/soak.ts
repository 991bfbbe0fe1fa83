// Soak: 2,000 SSE clients and 500 events/s on one server process for SOAK_SECONDS (default 600),
// with a browser of 10 tabs on the same stream. Server RSS must stay flat after warm-up, every
// client must see every event exactly once, and the browser's memory must not grow.
import { fork } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CDPSession, Page } from 'playwright-core';
import { launchProfile, logIn, type Profile } from '../test/support/browser';
import { login, startServer } from '../test/support/server';
import type { ClientsReport, FromClients, ToClients } from './soak-clients';
import { table, writeResult } from './report';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 2_000);
const RATE_PER_S = Number(process.env.SOAK_RATE ?? 500);
const TABS = Number(process.env.SOAK_TABS ?? 10);
/** Ingest cadence: one request per tick carries RATE/10 events, as a gateway batching devices would. */
const TICK_MS = 100;
/** Samples over the run: enough for a curve, few enough to cost nothing. */
const SAMPLE_EVERY_S = Math.max(5, Math.round(SECONDS / 40));
/** Flatness bound: server RSS within 10 % after warm-up. */
const FLAT_WITHIN = 0.1;
/** History the memory bus keeps per tenant; shorter runs keep less, so that warm-up ends early in the run. */
const RETENTION = Math.min(50_000, Math.max(5_000, Math.round((RATE_PER_S * SECONDS) / 6)));
/** The store keeps 2,000 samples per truck (server/store.ts) over 20 trucks. */
const STORE_HISTORY_EVENTS = 2_000 * 20;
const TRUCKS = Array.from({ length: 20 }, (_, i) => `acme-${String(i + 1).padStart(2, '0')}`);
const here = path.dirname(fileURLToPath(import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 102.4) / 10;
}

/** Resident memory of every Chromium process of a profile, in MiB. */
async function profileRssMiB(profile: Profile): Promise<number> {
  let kib = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(profile.dir)) continue;
      kib += Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // The process ended while we looked.
    }
  }
  return Math.round(kib / 102.4) / 10;
}

async function gauge(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('fleetwire_sse_connections{tenant="acme"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

interface Sample {
  atS: number;
  serverRssMiB: number;
  streams: number;
  clientEvents: number;
  clientsBehindS: number;
  browserRssMiB: number;
  tabHeapMiBMean: number;
  tabHeapMiBMax: number;
  hubEventsStored: number;
  /** The machine's 1-minute load average: other work on the same cores shows up here. */
  load1: number;
}

// Every soak client streams with one session: the per-session stream cap does not apply to them.
const server = await startServer({ FLEETWIRE_RETENTION: String(RETENTION), LOG_LEVEL: 'error', FLEETWIRE_SIM_RATE: '0', FLEETWIRE_STREAMS_PER_SESSION: '100000' });
const serverPid = server.process.pid as number;
let profile: Profile | null = null;
let clients: ReturnType<typeof fork> | null = null;
try {
  const cookie = await login(server.url, 'ana', 'fleetwire');
  const fleet = (await (await fetch(`${server.url}/api/fleet`, { headers: { cookie } })).json()) as { epoch: string; lastEventId: string | null };
  const startSeq = fleet.lastEventId ? Number(fleet.lastEventId.split('-')[1]) : 0;

  // The clients resume from the same id, so each must end with exactly every event after it.
  let latest: ClientsReport | null = null;
  let final: Extract<FromClients, { type: 'final' }> | null = null;
  clients = fork(path.join(here, 'soak-clients.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SOAK_URL: server.url, SOAK_COOKIE: cookie, SOAK_CLIENTS: String(CLIENTS), SOAK_EPOCH: fleet.epoch, SOAK_START_SEQ: String(startSeq) },
  });
  clients.on('message', (m: FromClients) => {
    if (m.type === 'progress') latest = m.report;
    else final = m;
  });
  const connectDeadline = Date.now() + 120_000;
  while ((await gauge(server.url)) < CLIENTS) {
    if (Date.now() > connectDeadline) throw new Error(`only ${await gauge(server.url)} of ${CLIENTS} clients connected`);
    await sleep(500);
  }
  console.log(`soak: ${CLIENTS} SSE clients connected`);

  profile = await launchProfile();
  await logIn(profile.context, server.url, 'ana');
  const pages: Page[] = [];
  const cdps: CDPSession[] = [];
  for (let i = 0; i < TABS; i++) {
    const page = await profile.context.newPage();
    await page.goto(server.url + (i % 2 === 0 ? '/' : `/trucks/${TRUCKS[i]}`));
    await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: 60_000 });
    const cdp = await profile.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    pages.push(page);
    cdps.push(cdp);
  }
  console.log(`soak: browser with ${TABS} tabs ready; ingesting ${RATE_PER_S} events/s for ${SECONDS} s`);

  const samples: Sample[] = [];
  let sent = 0;
  let ingestErrors = 0;
  const start = Date.now();
  const perTick = Math.round((RATE_PER_S * TICK_MS) / 1000);
  const ingestLoop = (async () => {
    for (let tick = 0; Date.now() - start < SECONDS * 1000; tick++) {
      const now = Date.now();
      const body = Array.from({ length: perTick }, (_, k) => {
        const n = sent + k;
        return { truckId: TRUCKS[n % TRUCKS.length], ts: now, lat: 51.9, lon: 4.5 + (n % 1000) * 1e-5, speedKph: 60 + (n % 20), headingDeg: 90 };
      });
      try {
        const res = await fetch(`${server.url}/api/ingest`, {
          method: 'POST',
          headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (res.ok) sent += perTick;
        else ingestErrors += 1;
        await res.arrayBuffer();
      } catch {
        ingestErrors += 1;
      }
      await sleep(Math.max(0, start + (tick + 1) * TICK_MS - Date.now()));
    }
  })();

  for (let t = 0; t <= SECONDS; t += SAMPLE_EVERY_S) {
    await sleep(Math.max(0, start + t * 1000 - Date.now()));
    const heaps: number[] = [];
    for (const cdp of cdps) {
      // Live heap, not garbage waiting for the next collection.
      await cdp.send('HeapProfiler.collectGarbage');
      const metrics = (await cdp.send('Performance.getMetrics')).metrics;
      heaps.push((metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20);
    }
    const diag = await pages[0]!.evaluate(async () => window.fleetwire!.diagnostics());
    const report = latest as ClientsReport | null;
    const sample: Sample = {
      atS: Math.round((Date.now() - start) / 1000),
      serverRssMiB: await rssMiB(serverPid),
      streams: await gauge(server.url),
      clientEvents: report?.events ?? 0,
      clientsBehindS: report ? Math.round(((report.maxSeq - report.minSeq) / RATE_PER_S) * 10) / 10 : 0,
      browserRssMiB: await profileRssMiB(profile),
      tabHeapMiBMean: Math.round((heaps.reduce((a, b) => a + b, 0) / heaps.length) * 10) / 10,
      tabHeapMiBMax: Math.round(Math.max(...heaps) * 10) / 10,
      hubEventsStored: diag.eventsStored,
      load1: Math.round(os.loadavg()[0]! * 10) / 10,
    };
    samples.push(sample);
    console.log('soak sample', sample, report ? { gaps: report.gaps, duplicates: report.duplicates, resets: report.resets, reconnects: report.reconnects } : {});
  }
  await ingestLoop;

  const after = (await (await fetch(`${server.url}/api/fleet`, { headers: { cookie } })).json()) as {
    lastEventId: string;
    trucks: { id: string; lastEventId: string | null }[];
  };
  const finalSeq = Number(after.lastEventId.split('-')[1]);
  clients.send({ type: 'finish', finalSeq, timeoutMs: 120_000 } satisfies ToClients);
  const finalDeadline = Date.now() + 150_000;
  while (!final && Date.now() < finalDeadline) await sleep(250);
  // A dashboard ends at the last id; a truck window at its truck's last event.
  const tabsCaughtUp: boolean[] = [];
  for (const [i, page] of pages.entries()) {
    const truck = i % 2 === 0 ? null : TRUCKS[i]!;
    const want = truck ? (after.trucks.find((t) => t.id === truck)?.lastEventId ?? null) : after.lastEventId;
    tabsCaughtUp.push(
      await page
        .waitForFunction(
          ([id, w]) => (id ? window.fleetwire?.trucks.get(id)?.lastEventId : window.fleetwire?.lastEventId) === w,
          [truck, want] as const,
          { timeout: 60_000 },
        )
        .then(
          () => true,
          () => false,
        ),
    );
  }

  // Warm-up: until the bus's ring and the store's per-truck history are full; after it memory should be flat.
  const warmupS = Math.min(SECONDS / 2, Math.max(RETENTION, STORE_HISTORY_EVENTS) / RATE_PER_S + 20);
  // The browser's IndexedDB fills to 5,000 events per truck, then is pruned every minute.
  const browserWarmupS = Math.min(SECONDS / 2, (5_000 * TRUCKS.length) / RATE_PER_S + 80);
  const from = (t: number) => samples.filter((s) => s.atS >= t);
  const deviation = (list: Sample[], pick: (s: Sample) => number) => {
    const base = list[0] ?? samples[0]!;
    return Math.max(...list.map((s) => Math.abs(pick(s) - pick(base)) / pick(base)));
  };
  const base = from(warmupS)[0] ?? samples[0]!;
  const browserBase = from(browserWarmupS)[0] ?? samples[0]!;
  const last = samples.at(-1)!;
  const serverRssDeviation = deviation(from(warmupS), (s) => s.serverRssMiB);
  const browserRssDeviation = deviation(from(browserWarmupS), (s) => s.browserRssMiB);
  const heapGrowth = (last.tabHeapMiBMean - browserBase.tabHeapMiBMean) / browserBase.tabHeapMiBMean;
  const expectedPerClient = finalSeq - startSeq;
  const f = final as Extract<FromClients, { type: 'final' }> | null;
  const noLoss =
    f !== null && f.atFinal === CLIENTS && f.missing === 0 && f.report.gaps === 0 && f.report.duplicates === 0 && f.report.resets === 0 && f.report.events === expectedPerClient * CLIENTS;
  const verdict = {
    serverRssFlat: serverRssDeviation <= FLAT_WITHIN,
    noEventLost: noLoss,
    browserRssFlat: browserRssDeviation <= FLAT_WITHIN,
    tabHeapNotGrowing: heapGrowth <= FLAT_WITHIN,
    tabsCaughtUp: tabsCaughtUp.every(Boolean),
  };
  const pct = (v: number) => `${Math.round(v * 1000) / 10} %`;

  const markdown = `## Soak: ${CLIENTS} SSE clients, ${RATE_PER_S} events/s, ${SECONDS} s, one server process

${CLIENTS} stream clients (Node \`http\` readers in one child process, \`bench/soak-clients.ts\`) resumed from the same
id and checked that the ids they received were contiguous, resuming with \`Last-Event-ID\` if cut; a Chromium profile
held ${TABS} tabs (half dashboards, half truck windows) on the same server. Ingest: ${RATE_PER_S} events/s in
requests of ${perTick} every ${TICK_MS} ms over 20 trucks. Warm-up ${Math.round(warmupS)} s: until the bus's ring
(FLEETWIRE_RETENTION=${RETENTION}) and the store's per-truck history are full; flatness is measured after it.
The browser's warm-up is ${Math.round(browserWarmupS)} s: until its IndexedDB holds 5,000 events per truck and a prune ran.
Browser RSS sums every process of the profile (shared pages counted in each), so only its change means anything.

${table(
  ['check', 'result'],
  [
    ['server RSS within 10 % after warm-up', `${verdict.serverRssFlat ? 'yes' : 'NO'} (largest deviation ${pct(serverRssDeviation)}: ${base.serverRssMiB} → ${last.serverRssMiB} MiB)`],
    ['no event lost by any client', `${verdict.noEventLost ? 'yes' : 'NO'} (${f ? `${f.atFinal}/${CLIENTS} clients at the last id, ${f.report.events} events received of ${expectedPerClient * CLIENTS}, gaps ${f.report.gaps}, duplicates ${f.report.duplicates}, resets ${f.report.resets}, reconnects ${f.report.reconnects}` : 'no final report from the clients'})`],
    ['browser RSS (all profile processes) within 10 %', `${verdict.browserRssFlat ? 'yes' : 'NO'} (largest deviation ${pct(browserRssDeviation)} after ${Math.round(browserWarmupS)} s: ${browserBase.browserRssMiB} → ${last.browserRssMiB} MiB)`],
    ['tab JS heap (after a forced GC) within 10 %', `${verdict.tabHeapNotGrowing ? 'yes' : 'NO'} (mean ${browserBase.tabHeapMiBMean} → ${last.tabHeapMiBMean} MiB, ${pct(heapGrowth)})`],
    ['every tab current at the end', verdict.tabsCaughtUp ? 'yes' : 'NO'],
    ['events ingested', `${sent} (${ingestErrors} failed requests)`],
  ],
)}

${table(
  ['t', 'server RSS', 'streams', 'client events', 'spread between clients', 'browser RSS', 'tab heap mean / max', 'hub events stored', 'load (1 min)'],
  samples.map((s) => [`${s.atS} s`, `${s.serverRssMiB} MiB`, s.streams, s.clientEvents, `${s.clientsBehindS} s`, `${s.browserRssMiB} MiB`, `${s.tabHeapMiBMean} / ${s.tabHeapMiBMax} MiB`, s.hubEventsStored, s.load1]),
)}
`;
  await writeResult('soak', { seconds: SECONDS, clients: CLIENTS, ratePerS: RATE_PER_S, tabs: TABS, retention: RETENTION, warmupS, browserWarmupS, sent, ingestErrors, verdict, final: f, samples }, markdown);
  process.exitCode = Object.values(verdict).every(Boolean) ? 0 : 1;
} finally {
  clients?.kill();
  await profile?.close();
  await server.stop();
}
