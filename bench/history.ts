// History queries: one truck's 24 hours and 7 days at one sample every 5 s, from PostgreSQL and from
// the embedded PGlite, through the store (as the history route reads it) and over HTTP.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import type { Telemetry } from '../src/shared/fleet';
import { HistoryWriter, openDatabase, readHistoryJson, streamHistory, type Database } from '../server/store';
import { freshDataDir } from '../test/support/database';
import { freshDatabase as freshPostgres, postgresAnswers } from '../test/support/postgres';
import { ms, quantile, table, writeResult } from './report';

const SAMPLE_EVERY_MS = 5_000;
const DAY_MS = 86_400_000;
// A hundred runs, so that p99 is not simply the slowest of a few.
const RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? 100);
/** The route's largest page. */
const LIMIT = 10_000;
const TARGET_24H_P99_MS = 50;

interface Row {
  engine: string;
  range: string;
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

async function seed(database: Database, end: number): Promise<number> {
  const writer = new HistoryWriter(database.db, { days: 30, maxPending: 1_000_000 });
  await writer.start();
  let n = 0;
  for (let ts = end - 7 * DAY_MS; ts < end; ts += SAMPLE_EVERY_MS) {
    const telemetry: Telemetry = { truckId: 'bench-01', ts, lat: 51 + n / 1e5, lon: 4, speedKph: 70 + (n % 20), headingDeg: 90, reeferTempC: -18 + (n % 7) / 10 };
    writer.append([{ tenant: 'bench', eventId: `1-${n}`, telemetry }]);
    n++;
  }
  await writer.settled();
  await writer.close();
  return n;
}

async function time(runs: number, work: () => Promise<number>): Promise<{ p50: number | null; p99: number | null; samples: number }> {
  const times: number[] = [];
  let samples = 0;
  await work(); // warm: plans cached, pages in memory, as on a serving instance
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    samples = await work();
    times.push(performance.now() - started);
  }
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99), samples };
}

async function measure(engine: string, database: Database): Promise<Row[]> {
  const end = Date.now();
  await database.db.insertInto('tenants').values({ id: 'bench', name: 'Bench' }).onConflict((oc) => oc.doNothing()).execute();
  const seeded = await seed(database, end);
  console.log(`${engine}: ${seeded} samples seeded`);
  const rows: Row[] = [];
  const q = (since: number) => ({ tenant: 'bench', truckId: 'bench-01', since, until: end, limit: LIMIT });
  for (const [range, since] of [['24 h (one page of ≤ 10,000)', end - DAY_MS], ['7 d (one page of ≤ 10,000)', end - 7 * DAY_MS]] as const) {
    // As the route answers: the database's JSON text (its samples counted once, outside the timing).
    const r = await time(RUNS, async () => (await readHistoryJson(database.db, q(since))).length);
    const samples = (JSON.parse(await readHistoryJson(database.db, q(since))) as unknown[]).length;
    rows.push({ engine, range, samples, p50Ms: r.p50, p99Ms: r.p99 });
  }
  for (const [range, since] of [['24 h, every sample', end - DAY_MS], ['7 d, every sample', end - 7 * DAY_MS]] as const) {
    const r = await time(Math.min(RUNS, 5), async () => {
      let n = 0;
      for await (const page of streamHistory(database.db, { ...q(since), limit: Number.MAX_SAFE_INTEGER })) n += page.length;
      return n;
    });
    rows.push({ engine, range, samples: r.samples, p50Ms: r.p50, p99Ms: r.p99 });
  }
  return rows;
}

const loadBefore = os.loadavg()[0] ?? 0;
const results: Row[] = [];
const data = await freshDataDir();
const embedded = await openDatabase({ dataDir: data.dir }, 'server');
try {
  results.push(...(await measure('PGlite (embedded)', embedded)));
} finally {
  await embedded.close();
  await data.remove();
}
if (await postgresAnswers()) {
  const pg = await freshPostgres('bench_history');
  const server = await openDatabase({ url: pg.url, dataDir: '' }, 'server');
  try {
    results.push(...(await measure('PostgreSQL', server)));
  } finally {
    await server.close();
    await pg.drop();
  }
} else {
  console.warn('*** PostgreSQL does not answer on 127.0.0.1:5432: the PostgreSQL rows are missing from this run ***');
}

const pg24 = results.find((r) => r.engine === 'PostgreSQL' && r.range.startsWith('24 h (one page'));
const verdict =
  pg24 === undefined || pg24.p99Ms === null
    ? 'not measured (no PostgreSQL in this run)'
    : pg24.p99Ms <= TARGET_24H_P99_MS
      ? `met: ${Math.round(pg24.p99Ms)} ms`
      : `missed: ${Math.round(pg24.p99Ms)} ms`;
const commit = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
const dirty = spawnSync('git', ['status', '--porcelain', '--', '.', ':!bench/results'], { encoding: 'utf8' }).stdout.trim() !== '';
const markdown = `## History queries

Commit \`${commit.slice(0, 12)}\`${dirty ? ' (with uncommitted changes)' : ''}, load average ${loadBefore.toFixed(1)} on ${os.cpus().length} cores before the run. One truck with 7 days of telemetry at one sample every 5 s
(${results.find((r) => r.range.startsWith('7 d, every'))?.samples ?? '—'} samples) in the day-partitioned \`telemetry\` table, read
through the store as the history route reads it: a page (the route's limit, 10,000) and every sample
page by page (as the CSV export streams). ${RUNS} runs after one warm-up, on this machine. Target: 24 h
query p99 ≤ ${TARGET_24H_P99_MS} ms on PostgreSQL — **${verdict}**.

${table(['engine', 'range', 'samples', 'p50', 'p99'], results.map((r) => [r.engine, r.range, r.samples, ms(r.p50Ms), ms(r.p99Ms)]))}
`;
await writeResult('history', { git: { commit, dirty }, loadBefore, sampleEveryMs: SAMPLE_EVERY_MS, runs: RUNS, results, verdict }, markdown);
process.exit(0);
