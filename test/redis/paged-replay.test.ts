// Resuming streams replay page by page on the Redis bus: one XRANGE page at a time, each read only
// once the previous page is written, and each checked against the stream's bounds before it goes
// out, so trimming during a replay ends it with a reset, never a hole.
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisBus, type ReplayPage } from '../../server/bus';
import type { Config } from '../../server/config';
import type { FleetSnapshot } from '../../src/shared/fleet';
import { acmeTruck, inject, listen, loginCookie, makeApp, sample, SseReader, waitUntil } from '../server/helpers';
import { SHARED_REDIS_URL, deletePrefix, requireRedis, uniquePrefix } from '../support/redis';

const available = await requireRedis('test/redis/paged-replay.test.ts');
const prefix = uniquePrefix();
/** Every instance of a deployment shares the session secret. */
const SECRET = 'redis-paged-replay-secret-0123456789abcdef';
const RETENTION = 100_000;

let apps: FastifyInstance[] = [];
const readers: SseReader[] = [];
const sockets: net.Socket[] = [];

/** An instance on the shared Redis; `replayPage` sets its bus's XRANGE page. */
async function instance(replayPage?: number, options: { replayStallMs?: number } = {}): Promise<{ app: FastifyInstance; bus: RedisBus }> {
  const config: Partial<Config> = { bus: 'redis', redisUrl: SHARED_REDIS_URL, redisPrefix: prefix, sessionSecret: SECRET, retention: RETENTION };
  const bus = new RedisBus({ url: SHARED_REDIS_URL, prefix, retention: RETENTION, ...(replayPage ? { replayPage } : {}) });
  const app = await makeApp(config, { bus, ...options });
  apps.push(app);
  return { app, bus };
}

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const r of readers.splice(0)) r.close();
  for (const app of apps) await app.close();
  apps = [];
  await deletePrefix(prefix);
});

afterAll(async () => {
  await deletePrefix(prefix);
});

const truck = acmeTruck;

async function publish(app: FastifyInstance, count: number, label: string, pad = ''): Promise<string[]> {
  const res = await inject(
    app,
    Array.from({ length: count }, (_, k) => sample(truck(k), { driverId: `${label}-${k}${pad}` })),
  );
  if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
  return res.json().ids as string[];
}

/** What the bus's XRANGE calls read. */
interface XrangeLog {
  calls: number;
  entries: number;
  /** The entries as SSE bytes. */
  bytes: number;
}

/** Counts the bus's XRANGE calls (its replay reads) and what they returned. */
function watchXrange(bus: RedisBus): XrangeLog {
  const log: XrangeLog = { calls: 0, entries: 0, bytes: 0 };
  type Xrange = (...args: unknown[]) => Promise<[string, string[]][]>;
  const redis = bus.redis as unknown as { xrange: Xrange };
  const original = redis.xrange.bind(redis);
  redis.xrange = async (...args: unknown[]) => {
    log.calls++;
    const entries = await original(...args);
    log.entries += entries.length;
    for (const [id, fields] of entries) {
      const at = (name: string) => fields[fields.indexOf(name) + 1] ?? '';
      log.bytes += Buffer.byteLength(`id: ${id}\nevent: ${at('t')}\ndata: ${at('d')}\n\n`);
    }
    return entries;
  };
  return log;
}

/** Runs `between(pagesTaken)` after each page the stream took and before the next one is read. */
function betweenPages(bus: RedisBus, between: (pagesTaken: number) => Promise<void>): void {
  const original = bus.replayPages.bind(bus);
  bus.replayPages = (tenant: string, afterId: string) =>
    (async function* paced(): AsyncGenerator<ReplayPage> {
      const pages = original(tenant, afterId)[Symbol.asyncIterator]();
      try {
        for (let taken = 0; ; taken++) {
          if (taken > 0) await between(taken);
          const next = await pages.next();
          if (next.done) return;
          yield next.value;
        }
      } finally {
        await pages.return?.();
      }
    })();
}

const eventually = (check: () => boolean, what: string, timeoutMs = 15_000) => waitUntil(check, what, timeoutMs);

describe.skipIf(!available)('paged resume of a stream (Redis bus)', () => {
  it('delivers every event once and in order across many XRANGE pages while another instance publishes during the catch-up', async () => {
    const { app: a, bus } = await instance(100);
    const { app: b } = await instance();
    const url = await listen(a);
    const cookie = await loginCookie(a);
    const backlog: string[] = [];
    for (let i = 0; i < 5; i++) backlog.push(...(await publish(b, 500, `B${i}`)));
    const xrange = watchXrange(bus);
    const live: string[] = [];
    betweenPages(bus, async () => {
      live.push(...(await publish(b, 7, `L${live.length}`)));
    });

    const reader = await SseReader.open(url, cookie, { lastEventId: backlog[249] });
    readers.push(reader);
    await eventually(() => reader.events.length >= 2_250 + 23 * 7, 'the catch-up and the live events');
    const after = await publish(b, 3, 'after');
    await reader.until(() => reader.events.some((e) => e.id === after[2]), 'the events after the catch-up', 15_000);

    // 2,250 entries in XRANGE pages of 100, and 7 events published on B between each two.
    expect(xrange.calls).toBe(23);
    expect(xrange.entries).toBe(2_250);
    expect(live.length).toBe(23 * 7);
    expect(reader.events.map((e) => e.id)).toEqual([...backlog.slice(250), ...live, ...after]);
    expect(reader.ofType('reset')).toHaveLength(0);
  });

  it('reads only what the socket takes for a resume that is never read, and cuts it at the stall deadline', async () => {
    const replayPage = 100;
    const { app, bus } = await instance(replayPage, { replayStallMs: 1_000 });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    // ~15 MB of frames: far more than the kernel's socket buffers take from a client that never reads.
    const total = 60_000;
    for (let i = 0; i < total / 1_000; i++) await publish(app, 1_000, `S${i}`, 'z'.repeat(50));
    const xrange = watchXrange(bus);
    let socket: net.Socket | null = null;
    app.server.on('request', (req, res: ServerResponse) => {
      if (req.url?.startsWith('/api/stream')) socket = res.socket;
    });
    const started = Date.now();

    const { port } = new URL(url);
    const paused = net.connect(Number(port), '127.0.0.1');
    sockets.push(paused);
    await new Promise<void>((resolve) => paused.once('connect', () => resolve()));
    paused.write(
      `GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nAccept: text/event-stream\r\nLast-Event-ID: ${bus.epoch}-0\r\n\r\n`,
    );
    paused.pause();
    // A paused socket never notices the cut (it reads nothing, RST included): errors are expected.
    paused.on('error', () => undefined);

    await eventually(() => xrange.calls > 0, 'the catch-up to start');
    await eventually(() => app.fleetwire.broadcaster.size === 0, 'the stalled catch-up to be cut');
    const cutAfter = Date.now() - started;
    const calls = xrange.calls;
    // Nothing is read past the cut either.
    await new Promise((r) => setTimeout(r, 300));
    expect(xrange.calls).toBe(calls);

    // The kernel took a few MB; Redis was asked for those pages and one more, not the 600 of the backlog.
    const written = (socket as net.Socket | null)?.bytesWritten ?? 0;
    expect(written).toBeGreaterThan(0);
    expect(xrange.bytes).toBeLessThanOrEqual(written + (xrange.bytes / xrange.entries) * replayPage * 1.1);
    expect(calls).toBeLessThan(total / replayPage / 2);
    expect(cutAfter).toBeGreaterThanOrEqual(1_000);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetwire_sse_slow_client_disconnects_total\{tenant="acme"\} 1/);
  });

  it('ends the catch-up with a reset when the stream is trimmed past the cursor mid-way: whole pages, then the snapshot, never a hole', async () => {
    const { app, bus } = await instance(100);
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const backlog = await publish(app, 1_000, 'B');
    const xrange = watchXrange(bus);
    betweenPages(bus, async (taken) => {
      // After two pages (through backlog[199]), trim to the newest 10: entries after the cursor are gone.
      if (taken === 2) await bus.redis.xtrim(bus.keys.stream('acme'), 'MAXLEN', 10);
    });

    const reader = await SseReader.open(url, cookie, { lastEventId: `${bus.epoch}-0` });
    readers.push(reader);
    await reader.until(() => reader.ofType('reset').length === 1, 'the reset', 15_000);
    const after = await publish(app, 5, 'after');
    await reader.until(() => reader.events.some((e) => e.id === after[4]), 'the events after the reset', 15_000);

    // The third XRANGE read the 10 survivors (a hole), and the bounds check refused them.
    expect(xrange.calls).toBe(3);
    const at = reader.events.findIndex((e) => e.event === 'reset');
    expect(reader.events.slice(0, at).map((e) => e.id)).toEqual(backlog.slice(0, 200));
    const reset = reader.events[at]!;
    expect(reset.id).toBe(backlog.at(-1));
    expect((JSON.parse(reset.data) as FleetSnapshot).lastEventId).toBe(backlog.at(-1));
    expect(reader.events.slice(at + 1).map((e) => e.id)).toEqual(after);
  });

  it('goes on without a reset when trimming during the replay leaves the cursor retained', async () => {
    const { app, bus } = await instance(100);
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const backlog = await publish(app, 1_000, 'B');
    betweenPages(bus, async (taken) => {
      // After two pages the cursor is backlog[199]: keep it and everything after (801 entries).
      if (taken === 2) await bus.redis.xtrim(bus.keys.stream('acme'), 'MAXLEN', 801);
    });

    const reader = await SseReader.open(url, cookie, { lastEventId: `${bus.epoch}-0` });
    readers.push(reader);
    await reader.waitForEvents(1_000, 15_000);
    const after = await publish(app, 5, 'after');
    await reader.until(() => reader.events.some((e) => e.id === after[4]), 'the events after the catch-up', 15_000);
    expect(reader.events.map((e) => e.id)).toEqual([...backlog, ...after]);
    expect(reader.ofType('reset')).toHaveLength(0);
  });
});
