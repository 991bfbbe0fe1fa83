// Server throughput: fleetwire against a better-sse baseline, both in their own process, driven by
// the same load (bench/server/load.ts children) for 1,000 / 5,000 / 10,000 SSE clients.
// Writes bench/results/server.{json,md} and bench/results/server-throughput.svg.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RESULTS_DIR, table, writeResult } from '../report';
import { throughputChart } from './chart';
import { cpuMs, machineTicks, rssBytes } from './proc';
import type { ChildConfig, ClientGroup, FromChild, Histogram, ToChild } from './protocol';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const HOST = '127.0.0.1';

/** Client counts compared at RATE_PER_S. */
const CLIENT_COUNTS = (process.env.BENCH_SERVER_CLIENTS ?? '1000,5000,10000').split(',').map(Number);
/**
 * Extra runs as `<clients>@<events/s>`: 10,000 clients at a tenth of the rate, a load the two cores
 * can carry with the clients on the same machine, to see latency at that many connections.
 */
const EXTRA_RUNS = (process.env.BENCH_SERVER_EXTRA ?? '10000@100')
  .split(',')
  .filter(Boolean)
  .map((spec) => {
    const [clients, rate] = spec.split('@').map(Number);
    return { clients: clients as number, rate: rate as number };
  });
/** Offered ingest, events per second across the fleet. */
const RATE_PER_S = Number(process.env.BENCH_SERVER_RATE ?? 1_000);
/** How long the ingest runs per measurement, ms. */
const INGEST_MS = Number(process.env.BENCH_SERVER_INGEST_MS ?? 10_000);
/** After the ingest stops, how long clients may take to receive the rest, ms. */
const DRAIN_MS = Number(process.env.BENCH_SERVER_DRAIN_MS ?? 20_000);
/** A run is repeated (up to MAX_ATTEMPTS) when processes outside the benchmark took more of the machine than this, %. */
const QUIET_OTHER_CPU_PCT = 20;
const MAX_ATTEMPTS = 3;
/** No repeats once the matrix has run this long, ms (the whole bench stays near ten minutes). */
const RETRY_BUDGET_MS = 7 * 60_000;
/** After the ingest, how long outstanding ingest replies are waited for, ms. */
const REPLY_WAIT_MS = 15_000;
/** Quiet time after connecting, before the idle memory reading, ms (lets allocations settle). */
const SETTLE_MS = 3_000;
/** Ingest ticks: each tick, one POST per tenant carrying the events due, ms. */
const TICK_MS = 10;
/** Probe clients per generator process: each parses every event, so they are few. */
const MAX_PROBES_PER_PROCESS = 40;
/** Above this, clients are split over two generator processes (one core cannot read them all). */
const CLIENTS_PER_PROCESS = 5_000;
/**
 * Scheduling niceness of the stream-client generators when they run as several processes (above
 * CLIENTS_PER_PROCESS clients): then they could take both cores, and must leave the server what it
 * needs. A single generator process runs at 0 like the server and the ingest, so that its reads
 * are timely and latency measures the server, not a descheduled client.
 */
const CLIENTS_NICE = 10;
/** Open file descriptors per process: each client is one; capped by the hard limit (`ulimit -Hn`). */
const NOFILE = 20_000;
/** No child may outlive this, ms: the whole matrix must stay well under ten minutes. */
const CHILD_LIFETIME_MS = 120_000;
/** Demo fleet: acme-01 … acme-24, globex-01 … globex-10; events go round-robin over every truck. */
const TRUCKS = [
  ...Array.from({ length: 24 }, (_, i) => `acme-${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 10 }, (_, i) => `globex-${String(i + 1).padStart(2, '0')}`),
];
const KEYS = { acme: 'demo-acme', globex: 'demo-globex' };

type ServerKind = 'fleetwire' | 'better-sse';
/** Servers measured, in order (`BENCH_SERVER_ONLY=fleetwire` for a quick look at one). */
const SERVERS = (process.env.BENCH_SERVER_ONLY?.split(',') ?? ['fleetwire', 'better-sse']) as ServerKind[];

/**
 * Spawns a Node script under `ulimit -n` so it may hold thousands of sockets. `nice` lowers its
 * priority: the stream-client generators share the two cores with the server under test and must
 * not take the CPU the server needs (they get what it leaves).
 */
function spawnWithLimit(args: string[], env: NodeJS.ProcessEnv, ipc: boolean, nice = 0): ChildProcess {
  return spawn('bash', ['-c', `ulimit -n ${NOFILE} && exec nice -n ${nice} "$0" "$@"`, process.execPath, '--import', 'tsx', ...args], {
    cwd: ROOT,
    env,
    stdio: ipc ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
}

interface Server {
  kind: ServerKind;
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
}

async function startServer(kind: ServerKind): Promise<Server> {
  const file = kind === 'fleetwire' ? 'server/main.ts' : 'bench/baselines/better-sse-server.ts';
  const child = spawnWithLimit(
    [file],
    { ...process.env, PORT: '0', HOST, FLEETWIRE_DEMO: '1', FLEETWIRE_SIM_RATE: '0', FLEETWIRE_BUS: 'memory', LOG_LEVEL: 'warn', FLEETWIRE_STATIC_DIR: '/nonexistent/fleetwire-bench', FLEETWIRE_INGEST_RATE: '1000000', FLEETWIRE_STREAMS_PER_SESSION: '100000' },
    false,
  );
  let out = '';
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start:\n${out}`)), 30_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    child.once('exit', (code) => reject(new Error(`${kind} exited (${code}) before listening:\n${out}`)));
  });
  return { kind, child, pid: child.pid as number, port: Number(new URL(url).port), url };
}

async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function login(url: string, username: string): Promise<string> {
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'fleetwire' }),
  });
  if (!res.ok) throw new Error(`login ${username}: ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** A generator child with typed IPC. */
class Generator {
  readonly child: ChildProcess;
  private readonly waiting = new Map<string, ((m: FromChild) => void)[]>();

  constructor(config: ChildConfig, nice = 0) {
    this.child = spawnWithLimit(['bench/server/load.ts', JSON.stringify(config)], process.env, true, nice);
    this.child.on('message', (m: FromChild) => {
      const list = this.waiting.get(m.type);
      const next = list?.shift();
      next?.(m);
    });
  }

  send(m: ToChild): void {
    this.child.send(m);
  }

  next<T extends FromChild['type']>(type: T, timeoutMs = 60_000): Promise<Extract<FromChild, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`generator sent no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const list = this.waiting.get(type) ?? [];
      list.push((m) => {
        clearTimeout(timer);
        resolve(m as Extract<FromChild, { type: T }>);
      });
      this.waiting.set(type, list);
    });
  }

  async ask<T extends FromChild['type']>(m: ToChild, type: T): Promise<Extract<FromChild, { type: T }>> {
    const reply = this.next(type);
    this.send(m);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    try {
      this.send({ type: 'stop' });
    } catch {
      // The child already closed its IPC channel: it is on its way out.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}

function merge(into: Histogram, from: Histogram): void {
  for (const [k, v] of Object.entries(from)) into[Number(k)] = (into[Number(k)] ?? 0) + v;
}

function histQuantile(h: Histogram, q: number): number | null {
  const entries = Object.entries(h)
    .map(([k, v]) => [Number(k), v] as const)
    .sort((a, b) => a[0] - b[0]);
  const n = entries.reduce((s, [, v]) => s + v, 0);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let seen = 0;
  for (const [k, v] of entries) {
    seen += v;
    if (seen >= rank) return k;
  }
  return entries[entries.length - 1]?.[0] ?? null;
}

/** One server under one load. */
export interface RunResult {
  server: ServerKind;
  clients: number;
  /** Offered ingest rate of the run, events/s. */
  ratePerS: number;
  connected: number;
  connectMs: number;
  rssBaseMiB: number;
  rssIdleMiB: number;
  /** (idle RSS with every client connected − RSS before any) / clients. */
  kibPerConnection: number;
  rssPeakMiB: number;
  /** Server CPU during the ingest window, % of one core. */
  cpuPct: number;
  /** Server CPU from the ingest's start to the end of the drain ÷ events received by clients, µs. */
  cpuUsPerEvent: number | null;
  /** From the ingest's start to the end of the drain, ms. */
  elapsedMs: number;
  /** The whole machine's CPU during the ingest window, % of all cores. */
  machineCpuPct: number;
  /** CPU of the stream-client and ingest generators during the ingest window, % of one core. */
  generatorsCpuPct: number;
  /** Machine CPU in softirq (kernel network work not charged to a process) during the window, % of all cores. */
  softirqCpuPct: number;
  /** Machine CPU used by processes outside this benchmark during the ingest window, % of all cores. */
  otherCpuPct: number;
  /** CPU of the stream-client generators over their whole life (connect included), ms. */
  clientsCpuMs: number;
  /** Socket reads the stream clients made (each one a wake-up of a generator). */
  clientReads: number;
  /** CPU of the ingest generator during the ingest, ms. */
  ingestCpuMs: number;
  offeredPerS: number;
  ingestErrors: number;
  /** Ingest requests not answered within REPLY_WAIT_MS after the ingest ended. */
  ingestUnanswered: number;
  /** Ingest requests answered (`accepted` events per tenant). */
  ingestAccepted: number;
  ingestP99Ms: number | null;
  /** Events every client should receive per second, summed over clients. */
  expectedPerS: number;
  /** Events the clients received per second during the ingest window. */
  deliveredPerS: number;
  /** Received after the drain / expected. */
  deliveredRatio: number;
  /** Clients that received every event of their tenant. */
  completeClients: number;
  closedClients: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  latencyMaxMs: number | null;
  latencySamples: number;
  /** Runs made for this row (see QUIET_OTHER_CPU_PCT). */
  attempts?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

async function measure(kind: ServerKind, clients: number, rate: number): Promise<RunResult> {
  const server = await startServer(kind);
  const gens: Generator[] = [];
  let ingest: Generator | null = null;
  try {
    let groups: ClientGroup[];
    if (kind === 'fleetwire') {
      const [acme, globex] = await Promise.all([login(server.url, 'ana'), login(server.url, 'bo')]);
      groups = [
        { tenant: 'acme', path: '/api/stream', headers: [`Cookie: ${acme}`], count: Math.ceil(clients / 2) },
        { tenant: 'globex', path: '/api/stream', headers: [`Cookie: ${globex}`], count: Math.floor(clients / 2) },
      ];
    } else {
      groups = [
        { tenant: 'acme', path: '/api/stream?tenant=acme', headers: [], count: Math.ceil(clients / 2) },
        { tenant: 'globex', path: '/api/stream?tenant=globex', headers: [], count: Math.floor(clients / 2) },
      ];
    }
    // Warm the ingest path (JIT, lazy allocations) before the memory baseline; no client sees these.
    for (let i = 0; i < 20; i++) {
      await fetch(`${server.url}/api/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer demo-acme' },
        body: JSON.stringify([{ truckId: 'acme-01', ts: Date.now(), lat: 51.9, lon: 4.48, speedKph: 62, headingDeg: 90, engineOn: true }]),
      });
    }
    await sleep(500);
    const rssBase = rssBytes(server.pid);

    const processes = Math.max(1, Math.ceil(clients / CLIENTS_PER_PROCESS));
    for (let p = 0; p < processes; p++) {
      const share = groups.map((g) => ({ ...g, count: Math.floor(g.count / processes) + (p < g.count % processes ? 1 : 0) }));
      gens.push(
        new Generator(
          { role: 'clients', host: HOST, port: server.port, groups: share, probeEvery: 25, maxProbes: MAX_PROBES_PER_PROCESS, connectConcurrency: 128, lifetimeMs: CHILD_LIFETIME_MS },
          processes > 1 ? CLIENTS_NICE : 0,
        ),
      );
    }
    ingest = new Generator({ role: 'ingest', host: HOST, port: server.port, keys: KEYS, trucks: TRUCKS, ratePerS: rate, durationMs: INGEST_MS, tickMs: TICK_MS, replyWaitMs: REPLY_WAIT_MS, lifetimeMs: CHILD_LIFETIME_MS });

    const connected = await Promise.all(gens.map((g) => g.ask({ type: 'connect' }, 'connected')));
    const open = connected.reduce((s, c) => s + c.open, 0);
    const connectMs = Math.max(...connected.map((c) => c.ms));
    await sleep(SETTLE_MS);
    const rssIdle = rssBytes(server.pid);

    let rssPeak = rssIdle;
    const sampler = setInterval(() => {
      try {
        rssPeak = Math.max(rssPeak, rssBytes(server.pid));
      } catch {
        // The server died mid-run; the delivery numbers will show it.
      }
    }, 250);
    const sentMsg = ingest.next('sent', INGEST_MS + 30_000);
    const ingested = ingest.next('ingested', INGEST_MS + REPLY_WAIT_MS + 30_000);
    const loadPids = [...gens, ingest].map((g) => g.child.pid as number);
    const loadCpu = () => loadPids.reduce((sum, pid) => sum + cpuMs(pid), 0);
    const m0 = machineTicks();
    const load0 = loadCpu();
    const cpu0 = cpuMs(server.pid);
    const t0 = Date.now();
    const start = await Promise.all(gens.map((g) => g.ask({ type: 'mark', name: 'start' }, 'mark')));
    ingest.send({ type: 'start' });
    const sent = await sentMsg;
    const end = await Promise.all(gens.map((g) => g.ask({ type: 'mark', name: 'end' }, 'mark')));
    const windowMs = Date.now() - t0;
    const cpu1 = cpuMs(server.pid);
    const load1 = loadCpu();
    const m1 = machineTicks();
    const cores = os.cpus().length;

    // Every client should get every event posted for its tenant.
    const perTenantExpected = (t: string) => sent.sent[t] ?? 0;
    const expectedTotal = groups.reduce((s, g) => s + g.count * perTenantExpected(g.tenant), 0);
    const received = async () => (await Promise.all(gens.map((g) => g.ask({ type: 'mark', name: 'drain' }, 'mark')))).reduce((s, m) => s + m.received, 0);
    const drainUntil = Date.now() + DRAIN_MS;
    let last = await received();
    while (last < expectedTotal && Date.now() < drainUntil) {
      await sleep(250);
      last = await received();
    }
    const drainedMs = Date.now() - t0;
    const cpu2 = cpuMs(server.pid);
    const done = await ingested;
    clearInterval(sampler);

    const reports = await Promise.all(gens.map((g) => g.ask({ type: 'report' }, 'report')));
    const latency: Histogram = {};
    let complete = 0;
    let closed = 0;
    let receivedTotal = 0;
    for (const r of reports) {
      merge(latency, r.latency);
      closed += r.closed;
      for (const [tenant, counts] of Object.entries(r.perClient)) {
        for (const n of counts) {
          receivedTotal += n;
          if (n === perTenantExpected(tenant)) complete++;
        }
      }
    }
    const inWindow = end.reduce((s, m) => s + m.received, 0) - start.reduce((s, m) => s + m.received, 0);
    const sentPerS = Object.values(sent.sent).reduce((a, b) => a + b, 0) / (sent.ms / 1000);
    return {
      server: kind,
      clients,
      ratePerS: rate,
      connected: open,
      connectMs,
      rssBaseMiB: mib(rssBase),
      rssIdleMiB: mib(rssIdle),
      kibPerConnection: Math.round(((rssIdle - rssBase) / 1024 / Math.max(1, open)) * 10) / 10,
      rssPeakMiB: mib(rssPeak),
      cpuPct: Math.round(((cpu1 - cpu0) / windowMs) * 100),
      cpuUsPerEvent: receivedTotal === 0 ? null : Math.round(((cpu2 - cpu0) * 1000 * 100) / receivedTotal) / 100,
      elapsedMs: drainedMs,
      machineCpuPct: Math.round(((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100),
      generatorsCpuPct: Math.round(((load1 - load0) / windowMs) * 100),
      softirqCpuPct: Math.round(((m1.softirq - m0.softirq) / Math.max(1, m1.total - m0.total)) * 100),
      // Busy time that neither the server, the generators nor softirq account for: other work.
      otherCpuPct: Math.max(
        0,
        Math.round(
          ((m1.busy - m0.busy - (m1.softirq - m0.softirq)) / Math.max(1, m1.total - m0.total)) * 100 -
            ((cpu1 - cpu0 + load1 - load0) / windowMs / cores) * 100,
        ),
      ),
      clientsCpuMs: Math.round(reports.reduce((s, r) => s + r.cpuMs, 0)),
      clientReads: reports.reduce((s, r) => s + r.reads, 0),
      ingestCpuMs: Math.round(done.cpuMs),
      offeredPerS: Math.round(sentPerS),
      ingestErrors: done.errors,
      ingestUnanswered: done.unanswered,
      ingestAccepted: Object.values(done.accepted).reduce((a, b) => a + b, 0),
      ingestP99Ms: histQuantile(done.latency, 0.99),
      expectedPerS: Math.round(expectedTotal / (sent.ms / 1000)),
      deliveredPerS: Math.round(inWindow / (windowMs / 1000)),
      deliveredRatio: expectedTotal === 0 ? 0 : Math.round((receivedTotal / expectedTotal) * 10_000) / 10_000,
      completeClients: complete,
      closedClients: closed,
      latencyP50Ms: histQuantile(latency, 0.5),
      latencyP99Ms: histQuantile(latency, 0.99),
      latencyMaxMs: histQuantile(latency, 1),
      latencySamples: Object.values(latency).reduce((a, b) => a + b, 0),
    };
  } finally {
    await Promise.all([...gens.map((g) => g.stop()), ingest?.stop()]);
    await stopServer(server);
  }
}

const results: RunResult[] = [];
const started = Date.now();
const runs = [...CLIENT_COUNTS.map((clients) => ({ clients, rate: RATE_PER_S })), ...EXTRA_RUNS];
for (const { clients, rate } of runs) {
  for (const kind of SERVERS) {
    // The machine is shared: a run during which other processes took much of it is repeated while
    // the time budget allows, and the quietest attempt is kept (the table shows its outside share).
    let best: RunResult | null = null;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      process.stdout.write(`${kind}, ${clients} clients, ${rate} events/s, attempt ${attempt} … `);
      const r = { ...(await measure(kind, clients, rate)), attempts: attempt };
      console.log(JSON.stringify(r));
      if (!best || r.otherCpuPct < best.otherCpuPct) best = r;
      if (best.otherCpuPct <= QUIET_OTHER_CPU_PCT || Date.now() - started > RETRY_BUDGET_MS) break;
    }
    results.push(best as RunResult);
  }
}
const totalS = Math.round((Date.now() - started) / 1000);

function fmt(n: number | null, unit = ''): string | null {
  return n === null ? null : `${n.toLocaleString('en-US')}${unit}`;
}

const rows = results.map((r) => [
  r.server,
  fmt(r.clients),
  fmt(r.ratePerS),
  `${fmt(r.connected)}`,
  fmt(r.expectedPerS),
  fmt(r.deliveredPerS),
  `${(r.deliveredRatio * 100).toFixed(2)} %`,
  `${fmt(r.completeClients)} / ${fmt(r.clients)}`,
  fmt(r.latencyP50Ms, ' ms'),
  fmt(r.latencyP99Ms, ' ms'),
  fmt(r.kibPerConnection, ' KiB'),
  fmt(r.rssPeakMiB, ' MiB'),
  `${r.cpuPct} %`,
  fmt(r.cpuUsPerEvent, ' µs'),
  `${r.machineCpuPct} % (${r.otherCpuPct} %)`,
]);

const svg = throughputChart(results);
await mkdir(RESULTS_DIR, { recursive: true });
await writeFile(path.join(RESULTS_DIR, 'server-throughput.svg'), svg);

/** The server targets, each met or missed by how much, from this run's numbers. */
function targets(all: RunResult[]): string {
  const at = (server: ServerKind, clients: number, rate = RATE_PER_S) => all.find((r) => r.server === server && r.clients === clients && r.ratePerS === rate);
  const lines: string[] = [];
  const big = at('fleetwire', 10_000);
  if (big) {
    const ok = big.connected === 10_000 && big.completeClients === 10_000;
    lines.push(
      `- **10,000 clients in one process, every event delivered**: ${ok ? 'met' : 'missed'} — ${fmt(big.connected)} connected, ` +
        `${fmt(big.completeClients)} received every event of their tenant (${(big.deliveredRatio * 100).toFixed(2)} % of all deliveries), ${fmt(big.closedClients)} cut.`,
    );
  }
  const small = at('fleetwire', 1_000);
  if (small && small.latencyP99Ms !== null) {
    const ok = small.latencyP99Ms <= 100;
    lines.push(
      `- **p99 ≤ 100 ms at ${fmt(RATE_PER_S)} ev/s to 1,000 clients**: ${ok ? 'met' : `missed by ${fmt(small.latencyP99Ms - 100)} ms`} — p99 ${fmt(small.latencyP99Ms)} ms, p50 ${fmt(small.latencyP50Ms)} ms` +
        ` (processes outside the benchmark took ${small.otherCpuPct} % of the machine meanwhile).`,
    );
  }
  const pairs = all.filter((r) => r.server === 'fleetwire').map((f) => [f, at('better-sse', f.clients, f.ratePerS)] as const);
  const thr = pairs.filter(([, b]) => b).map(([f, b]) => `${fmt(f.clients)}${f.ratePerS === RATE_PER_S ? '' : ` @ ${fmt(f.ratePerS)}/s`}: ${fmt(f.deliveredPerS)} vs ${fmt(b!.deliveredPerS)}/s (×${(f.deliveredPerS / Math.max(1, b!.deliveredPerS)).toFixed(1)})`);
  const thrOk = pairs.every(([f, b]) => !b || f.deliveredPerS >= b.deliveredPerS);
  if (thr.length > 0) lines.push(`- **throughput ≥ better-sse's**: ${thrOk ? 'met' : 'missed'} — ${thr.join('; ')}.`);
  const mem = pairs.filter(([, b]) => b).map(([f, b]) => `${fmt(f.clients)}: ${fmt(f.kibPerConnection)} vs ${fmt(b!.kibPerConnection)} KiB`);
  const memOk = pairs.every(([f, b]) => !b || f.kibPerConnection <= b.kibPerConnection);
  if (mem.length > 0) lines.push(`- **memory per connection ≤ better-sse's**: ${memOk ? 'met' : 'missed'} — ${mem.join('; ')}.`);
  return lines.join('\n');
}

const markdown = `## Server: SSE clients per process, fleetwire vs better-sse

Each row is one server process (\`server/main.ts\`, or the baseline \`bench/baselines/better-sse-server.ts\`:
Fastify + one better-sse channel per tenant, \`channel.broadcast\` per event) driven by the same load
(\`bench/server/load.ts\`, separate processes on 127.0.0.1): N raw-socket SSE clients, half on
tenant acme and half on globex, then ${RATE_PER_S.toLocaleString('en-US')} telemetry events/s for
${INGEST_MS / 1000} s spread round-robin over the 34 demo trucks (one POST per tenant every ${TICK_MS} ms,
\`Authorization: Bearer demo-acme\` / \`demo-globex\`). A client counts every \`event: telemetry\`; one
client in 25 also reads \`ts\` (set when the POST is sent) out of each event, so latency is
POST sent → event read by the client, which includes the ingest request itself. After the ingest,
clients get up to ${DRAIN_MS / 1000} s to receive the rest.

- *expected/s*: events the clients should receive per second (clients × their tenant's share of the rate);
  *delivered/s*: events they did receive per second during the ingest window;
  *delivered*: all events received by the end of the drain ÷ all that should have been;
  *complete*: clients that received every event of their tenant.
- *per conn.*: (server RSS with every client connected and idle − RSS before) ÷ clients.
  *peak RSS*: highest server RSS during the load. *server CPU*: % of one core during the ingest;
  *CPU/event*: server CPU time from the ingest's start to the end of the drain ÷ events received;
  *machine CPU*: both cores, generators included: they share the machine with the server (above
  ${fmt(CLIENTS_PER_PROCESS)} clients, in two processes at \`nice ${CLIENTS_NICE}\`, so that they get what the server leaves); in
  parentheses, the share taken by processes outside the benchmark (the machine is not idle).
- A row during which processes outside the benchmark took more than ${QUIET_OTHER_CPU_PCT} % of the
  machine is run again (at most ${MAX_ATTEMPTS} times, while the matrix is under ${RETRY_BUDGET_MS / 60_000} min) and the
  quietest attempt is shown. Whole matrix: ${totalS} s. Raw numbers: \`bench/results/server.json\`.

${table(['server', 'clients', 'ingest/s', 'connected', 'expected/s', 'delivered/s', 'delivered', 'complete', 'p50', 'p99', 'per conn.', 'peak RSS', 'server CPU', 'CPU/event', 'machine CPU'], rows)}

![delivered events per second, fleetwire vs better-sse](bench/results/server-throughput.svg)

### Targets, from this run

${targets(results)}

### Reading the numbers

- The clients run on the same two cores as the server. When their share of the work (2.5 million
  events/s to read and count in Node at 5,000 clients, 5 million at 10,000) is more than the
  machine has left, events wait in the kernel's socket buffers and latency grows with the run,
  though every event still arrives; the *server CPU* column shows how much the server itself needed. *CPU/event* is the
  server's cost independent of how fast the clients read: fleetwire writes one shared, pre-framed
  buffer per flush per client, and when clients lag, more events share a flush, so the cost per
  event falls as the load rises.
- better-sse serializes and writes each event to each session separately (\`channel.broadcast\` →
  \`session.push\` → \`res.write\`): ${fmt(RATE_PER_S)} events/s × N sessions writes. It falls
  behind from 1,000 clients, its ingest answers late, its memory grows without bound (no
  backpressure), and it keeps one keep-alive timer per session. fleetwire's slow-client bound
  (1 MiB unsent, then cut; the client resumes by id) is what keeps its peak RSS flat.
- The baseline does less per request than fleetwire (no login, no body validation beyond the
  truck's tenant, no alerts, no fleet store, no resume), which favours it.
- The machine is shared: the *machine CPU* column's parenthesis is the CPU that processes
  outside the benchmark used during the run; numbers, latency above all, move with it.
`;

await writeResult('server', { rate: RATE_PER_S, ingestMs: INGEST_MS, drainMs: DRAIN_MS, results }, markdown);
process.exit(0);
