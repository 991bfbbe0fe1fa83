// The store under load: ingest with telemetry history written to PostgreSQL and to the embedded
// PGlite, beside ingest with history off, at 1,000 and 5,000 events/s offered; login with the store;
// the cost of a device-key lookup per ingest request.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import http from 'node:http';
import { Directory, issueDeviceKey } from '../server/store';
import { freshDatabase as freshEmbedded } from '../test/support/database';
import { freshDatabase as freshPostgres, postgresAnswers } from '../test/support/postgres';
import { startServer, type RunningServer } from '../test/support/server';
import { ms, quantile, table, writeResult } from './report';

/** Offered rates, events/s. */
const RATES = (process.env.BENCH_STORE_RATES ?? '1000,5000').split(',').map(Number);
/** Seconds each rate is offered. */
const SECONDS = Number(process.env.BENCH_STORE_SECONDS ?? 10);
/** One request every TICK_MS carries rate × TICK_MS / 1000 events (a gateway batching its devices). */
const TICK_MS = 10;
/** Longest wait for the history backlog to drain after a run, ms. */
const DRAIN_TIMEOUT_MS = 120_000;
const LOGINS = 40;
const KEY_LOOKUPS = 200_000;
const TARGET_RATE = 5_000;
const TARGET_P99_MS = 50;
const TRUCKS = Array.from({ length: 24 }, (_, i) => `acme-${String(i + 1).padStart(2, '0')}`);

interface RunResult {
  engine: string;
  offeredPerS: number;
  acceptedEvents: number;
  refusedRequests: number;
  requests: number;
  ingestP50Ms: number | null;
  ingestP99Ms: number | null;
  /** Rows the server wrote to the database, from the first request until its backlog was empty. */
  historyRows: number;
  /** historyRows over that time: what the database took, sustained. */
  historyPerS: number | null;
  /** From the last request sent until the backlog was empty, ms. */
  drainMs: number | null;
  peakBacklog: number;
}

function gitState(): { commit: string; dirty: boolean } {
  const commit = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', '.', ':!bench/results'], { encoding: 'utf8' }).stdout.trim() !== '';
  return { commit, dirty };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

function post(agent: http.Agent, url: string, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/api/ingest`, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let ts = Date.now();
async function offer(server: RunningServer, engine: string, rate: number): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  const ticks = Math.round((SECONDS * 1000) / TICK_MS);
  const latencies: number[] = [];
  let accepted = 0;
  let refused = 0;
  const written0 = await metric(server.url, 'fleetwire_history_rows_written_total');
  let peakBacklog = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let t = 0; t < ticks; t++) {
    // Open loop: requests leave on schedule whether or not earlier ones were answered.
    const due = started + t * TICK_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const items = Array.from({ length: perTick }, (_, i) => ({
      truckId: TRUCKS[(t * perTick + i) % TRUCKS.length],
      ts: (ts += 1),
      lat: 51.9,
      lon: 4.5,
      speedKph: 70,
      headingDeg: 90,
      engineOn: true,
    }));
    const sent = performance.now();
    inFlight.push(
      post(agent, server.url, 'demo-acme', JSON.stringify(items)).then(
        (status) => {
          latencies.push(performance.now() - sent);
          if (status === 200) accepted += items.length;
          else refused++;
        },
        () => {
          refused++;
        },
      ),
    );
    if (t % 50 === 0) void metric(server.url, 'fleetwire_history_backlog_rows').then((b) => (peakBacklog = Math.max(peakBacklog, b)));
  }
  await Promise.all(inFlight);
  const lastSent = performance.now();
  let drainMs: number | null = null;
  while (performance.now() - lastSent < DRAIN_TIMEOUT_MS) {
    const backlog = await metric(server.url, 'fleetwire_history_backlog_rows');
    peakBacklog = Math.max(peakBacklog, backlog);
    if (backlog === 0) {
      drainMs = performance.now() - lastSent;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const historyRows = (await metric(server.url, 'fleetwire_history_rows_written_total')) - written0;
  const elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    engine,
    offeredPerS: rate,
    acceptedEvents: accepted,
    refusedRequests: refused,
    requests: ticks,
    ingestP50Ms: quantile(latencies, 0.5),
    ingestP99Ms: quantile(latencies, 0.99),
    historyRows,
    historyPerS: drainMs === null || historyRows === 0 ? null : historyRows / elapsedS,
    drainMs,
    peakBacklog,
  };
}

async function logins(server: RunningServer): Promise<{ p50: number | null; p99: number | null }> {
  const times: number[] = [];
  for (let i = 0; i < LOGINS; i++) {
    const started = performance.now();
    const res = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'ana', password: 'fleetwire' }),
    });
    if (res.status !== 200) throw new Error(`login answered ${res.status}`);
    times.push(performance.now() - started);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

/** ns per directory.deviceKey() call (SHA-256 of the key, one Map lookup), with 1,000 keys loaded. */
async function keyLookupNs(): Promise<number> {
  const database = await freshEmbedded();
  try {
    await database.db.insertInto('tenants').values({ id: 'bench', name: 'Bench' }).execute();
    const keys: string[] = [];
    for (let i = 0; i < 1_000; i++) keys.push((await issueDeviceKey(database.db, 'bench', { tenant: 'bench' })).key);
    const directory = await Directory.open(database);
    let found = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < KEY_LOOKUPS; i++) if (directory.deviceKey(keys[i % keys.length] as string)) found++;
    const ns = Number(process.hrtime.bigint() - started) / KEY_LOOKUPS;
    if (found !== KEY_LOOKUPS) throw new Error('a key was not found');
    await directory.close();
    return ns;
  } finally {
    await database.close();
  }
}

const engines: { name: string; env: () => Promise<{ env: Record<string, string>; done: () => Promise<void> }> }[] = [
  { name: 'history off', env: async () => ({ env: { FLEETWIRE_HISTORY_DAYS: '0' }, done: async () => undefined }) },
  { name: 'PGlite (embedded)', env: async () => ({ env: {}, done: async () => undefined }) },
];
const postgres = await postgresAnswers();
if (postgres) {
  engines.push({
    name: 'PostgreSQL',
    env: async () => {
      const db = await freshPostgres('bench');
      return { env: { DATABASE_URL: db.url }, done: db.drop };
    },
  });
} else {
  console.warn('*** PostgreSQL does not answer on 127.0.0.1:5432: the PostgreSQL rows are missing from this run ***');
}

const loadBefore = os.loadavg()[0] ?? 0;
const runs: RunResult[] = [];
const loginRows: { engine: string; p50Ms: number | null; p99Ms: number | null }[] = [];
for (const engine of engines) {
  const { env, done } = await engine.env();
  const server = await startServer({ ...env, LOG_LEVEL: 'error', FLEETWIRE_SESSION_SECRET: 'bench-store-secret-0123456789abcdef01' });
  try {
    for (const rate of RATES) {
      const result = await offer(server, engine.name, rate);
      console.log(JSON.stringify(result));
      runs.push(result);
    }
    const login = await logins(server);
    loginRows.push({ engine: engine.name, p50Ms: login.p50, p99Ms: login.p99 });
  } finally {
    await server.stop();
    await done();
  }
}
const keyNs = await keyLookupNs();

const pgAtTarget = runs.find((r) => r.engine === 'PostgreSQL' && r.offeredPerS === TARGET_RATE);
const verdict =
  pgAtTarget === undefined
    ? 'not measured (no PostgreSQL in this run)'
    : pgAtTarget.historyPerS !== null &&
        pgAtTarget.historyPerS >= TARGET_RATE * 0.98 &&
        pgAtTarget.refusedRequests === 0 &&
        pgAtTarget.ingestP99Ms !== null &&
        pgAtTarget.ingestP99Ms <= TARGET_P99_MS
      ? `met: ${Math.round(pgAtTarget.historyPerS)} rows/s into PostgreSQL, ingest p99 ${Math.round(pgAtTarget.ingestP99Ms)} ms`
      : `missed: ${pgAtTarget.historyPerS === null ? 'no' : Math.round(pgAtTarget.historyPerS)} rows/s into PostgreSQL, ingest p99 ${pgAtTarget.ingestP99Ms === null ? '—' : Math.round(pgAtTarget.ingestP99Ms)} ms, ${pgAtTarget.refusedRequests} requests refused`;
const git = gitState();

const markdown = `## Store: ingest with history, logins, key lookups

Commit \`${git.commit.slice(0, 12)}\`${git.dirty ? ' (with uncommitted changes)' : ''}, load average ${loadBefore.toFixed(1)} on ${os.cpus().length} cores before the run. One fleetwire process (memory bus, simulator off) on
this machine, the load generator beside it: every ${TICK_MS} ms one \`POST /api/ingest\` with
rate × ${TICK_MS / 1000} s of samples (open loop, ${SECONDS} s per rate, up to 32 requests in flight). "History rows/s" is
what the server wrote to the database from the first request until its backlog was empty; "drain" is
how long that took after the last request. Target: ≥ ${TARGET_RATE.toLocaleString('en')} ev/s sustained into PostgreSQL with
ingest p99 ≤ ${TARGET_P99_MS} ms — **${verdict}**.

${table(
  ['engine', 'offered ev/s', 'accepted events', 'refused requests', 'ingest p50', 'ingest p99', 'history rows', 'history rows/s', 'drain', 'peak backlog'],
  runs.map((r) => [
    r.engine,
    r.offeredPerS,
    r.acceptedEvents,
    r.refusedRequests,
    ms(r.ingestP50Ms),
    ms(r.ingestP99Ms),
    r.historyRows,
    r.historyPerS === null ? null : Math.round(r.historyPerS),
    ms(r.drainMs),
    r.peakBacklog,
  ]),
)}

Logins (${LOGINS} in a row as \`ana\`, scrypt N=2^14 against the stored hash):

${table(['engine', 'login p50', 'login p99'], loginRows.map((l) => [l.engine, ms(l.p50Ms), ms(l.p99Ms)]))}

Device-key lookup per ingest request (SHA-256 of the key and one in-memory lookup, 1,000 keys loaded,
${KEY_LOOKUPS.toLocaleString('en')} lookups): ${Math.round(keyNs)} ns.
`;
await writeResult('store', { git, loadBefore, tickMs: TICK_MS, seconds: SECONDS, runs, logins: loginRows, keyLookupNs: keyNs, verdict }, markdown);
process.exit(0);
