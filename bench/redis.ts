// The Redis bus against the memory bus in one run: events/s and ingest→delivered latency to 1,000 SSE subscribers.
import http from 'node:http';
import { deletePrefix, redisAnswers, SHARED_REDIS_URL, uniquePrefix } from '../test/support/redis';
import { ingest, login, startServer, type RunningServer } from '../test/support/server';
import { ms, quantile, table, writeResult } from './report';

/** Subscribers per run: 1,000, split over the instances. */
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000);
/** Subscribers that parse every event to time it; the rest only count (the bench must not be the bottleneck). */
const PROBES = 50;
/** Steady phase: a moderate rate for latency. */
const STEADY_RATE_PER_S = Number(process.env.BENCH_REDIS_RATE ?? 200);
const STEADY_SECONDS = Number(process.env.BENCH_REDIS_STEADY_S ?? 5);
/** Saturation phase: writers ingest back to back for this long; events/s is what reached every subscriber. */
const SATURATION_SECONDS = Number(process.env.BENCH_REDIS_SATURATION_S ?? 5);
const SATURATION_WRITERS = 4;
const SATURATION_BATCH = 50;
/** Hard bound on events per phase, whatever the machine's speed. */
const MAX_EVENTS_PER_PHASE = 200_000;
/** Longest wait for the last subscriber to receive everything after the writers stop, ms. */
const DRAIN_TIMEOUT_MS = 60_000;
const TRUCKS = Array.from({ length: 20 }, (_, i) => `acme-${String(i + 1).padStart(2, '0')}`);
const SECRET = 'bench-redis-secret-0123456789abcdef0123';

/** One SSE subscriber: counts telemetry events; a probe also times each one from its `ts`. */
class Subscriber {
  received = 0;
  latencies: number[] = [];
  closed = false;
  private tail = '';
  private req: http.ClientRequest | null = null;

  constructor(readonly probe: boolean) {}

  open(url: string, cookie: string, agent: http.Agent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.req = http.get(`${url}/api/stream`, { agent, headers: { cookie, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.feed(chunk));
        res.on('close', () => (this.closed = true));
        resolve();
      });
      this.req.on('error', (err) => {
        this.closed = true;
        reject(err);
      });
    });
  }

  private feed(chunk: string): void {
    const text = this.tail + chunk;
    if (!this.probe) {
      let i = text.indexOf('event: telemetry\n');
      while (i >= 0) {
        this.received++;
        i = text.indexOf('event: telemetry\n', i + 17);
      }
      this.tail = text.slice(-16);
      return;
    }
    const now = Date.now();
    const blocks = text.split('\n\n');
    this.tail = blocks.pop() ?? '';
    for (const block of blocks) {
      if (!block.includes('event: telemetry\n')) continue;
      this.received++;
      const m = /"ts":(\d+)/.exec(block);
      if (m) this.latencies.push(now - Number(m[1]));
    }
  }

  reset(): void {
    this.received = 0;
    this.latencies = [];
  }

  close(): void {
    this.req?.destroy();
  }
}

interface PhaseResult {
  published: number;
  seconds: number;
  eventsPerSec: number;
  deliveredPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  cutSubscribers: number;
}

function batch(n: number) {
  const ts = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    truckId: TRUCKS[i % TRUCKS.length] as string,
    ts,
    lat: 51.9,
    lon: 4.5,
    speedKph: 70,
    headingDeg: 90,
    engineOn: true,
  }));
}

async function drain(subs: Subscriber[], published: number): Promise<number> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (subs.every((s) => s.closed || s.received >= published)) return Date.now();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`subscribers did not receive all ${published} events within ${DRAIN_TIMEOUT_MS} ms`);
}

function summarize(subs: Subscriber[], published: number, started: number, ended: number): PhaseResult {
  const latencies = subs.filter((s) => s.probe).flatMap((s) => s.latencies);
  const seconds = (ended - started) / 1000;
  const live = subs.filter((s) => !s.closed);
  return {
    published,
    seconds: Math.round(seconds * 100) / 100,
    eventsPerSec: Math.round(published / seconds),
    deliveredPerSec: Math.round(live.reduce((n, s) => n + s.received, 0) / seconds),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    maxMs: quantile(latencies, 1),
    cutSubscribers: subs.length - live.length,
  };
}

async function steady(ingestUrls: string[], subs: Subscriber[]): Promise<PhaseResult> {
  for (const s of subs) s.reset();
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((STEADY_RATE_PER_S * tickMs) / 1000));
  const ticks = Math.min(Math.round((STEADY_SECONDS * 1000) / tickMs), Math.floor(MAX_EVENTS_PER_PHASE / perTick));
  const started = Date.now();
  let published = 0;
  for (let t = 0; t < ticks; t++) {
    const due = started + t * tickMs;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    published += (await ingest(ingestUrls[t % ingestUrls.length] as string, 'demo-acme', batch(perTick))).length;
  }
  const ended = await drain(subs, published);
  return summarize(subs, published, started, ended);
}

async function saturate(ingestUrls: string[], subs: Subscriber[]): Promise<PhaseResult> {
  for (const s of subs) s.reset();
  const started = Date.now();
  const stopAt = started + SATURATION_SECONDS * 1000;
  let published = 0;
  await Promise.all(
    Array.from({ length: SATURATION_WRITERS }, async (_, w) => {
      let i = w;
      while (Date.now() < stopAt && published < MAX_EVENTS_PER_PHASE) {
        published += (await ingest(ingestUrls[i++ % ingestUrls.length] as string, 'demo-acme', batch(SATURATION_BATCH))).length;
      }
    }),
  );
  const ended = await drain(subs, published);
  return summarize(subs, published, started, ended);
}

async function run(bus: 'memory' | 'redis', prefix: string): Promise<{ steady: PhaseResult; saturation: PhaseResult; instances: number }> {
  // Every stream client shares one session: the per-session stream cap does not apply to them.
  const env = { FLEETWIRE_BUS: bus, FLEETWIRE_SESSION_SECRET: SECRET, REDIS_URL: SHARED_REDIS_URL, FLEETWIRE_REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', FLEETWIRE_STREAMS_PER_SESSION: '100000' };
  // The memory bus cannot span processes: its numbers are one instance with every subscriber.
  const count = bus === 'redis' ? 2 : 1;
  const servers: RunningServer[] = await Promise.all(Array.from({ length: count }, () => startServer(env)));
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const subs: Subscriber[] = [];
  try {
    const cookie = await login(servers[0]!.url, 'ana', 'fleetwire');
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const sub = new Subscriber(i % Math.ceil(SUBSCRIBERS / PROBES) === 0);
      await sub.open(servers[i % count]!.url, cookie, agent);
      subs.push(sub);
    }
    const urls = servers.map((s) => s.url);
    // Warm-up: JIT, connection pools, the read loop's first batch.
    await ingest(urls[0]!, 'demo-acme', batch(20));
    await drain(subs, 20);
    const steadyResult = await steady(urls, subs);
    const saturation = await saturate(urls, subs);
    return { steady: steadyResult, saturation, instances: count };
  } finally {
    for (const s of subs) s.close();
    agent.destroy();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

if (!(await redisAnswers())) {
  console.warn(`bench/redis.ts: nothing answers at ${SHARED_REDIS_URL}; start redis-server to run this benchmark.`);
  process.exit(0);
}
const prefix = uniquePrefix('fwbench');
let memory;
let redis;
try {
  memory = await run('memory', prefix);
  redis = await run('redis', prefix);
} finally {
  await deletePrefix(prefix);
}

const row = (name: string, r: PhaseResult) => [
  name,
  r.published,
  r.eventsPerSec,
  r.deliveredPerSec,
  ms(r.p50Ms),
  ms(r.p99Ms),
  ms(r.maxMs),
  r.cutSubscribers,
];
const markdown = `
## Redis bus vs memory bus (bench/redis.ts)

${SUBSCRIBERS} SSE subscribers read \`/api/stream\` of one tenant. The memory bus serves them all from one
instance (it cannot span processes); the Redis bus from two instances, half each, with ingest
alternating between them, so every event crosses Redis to reach the other instance's subscribers.
Latency: ingest request start → event parsed by a subscriber, on ${PROBES} probe subscribers.
Events/s: events published ÷ time until the last subscriber had them all; deliveries/s counts one per
event per subscriber. Steady: ${STEADY_RATE_PER_S} events/s for ${STEADY_SECONDS} s. Saturation:
${SATURATION_WRITERS} writers posting batches of ${SATURATION_BATCH} back to back for ${SATURATION_SECONDS} s. Servers, Redis and the
${SUBSCRIBERS} subscribers share one machine over loopback, so saturation measures the machine as much as
the bus: read the two rows against each other, not as a capacity plan.

${table(
  ['run', 'events', 'events/s (all subscribers)', 'deliveries/s', 'p50', 'p99', 'max', 'subscribers cut'],
  [
    row('memory, steady', memory.steady),
    row(`redis ×${redis.instances}, steady`, redis.steady),
    row('memory, saturation', memory.saturation),
    row(`redis ×${redis.instances}, saturation`, redis.saturation),
  ],
)}
`;
await writeResult('redis', { subscribers: SUBSCRIBERS, probes: PROBES, memory, redis }, markdown);
