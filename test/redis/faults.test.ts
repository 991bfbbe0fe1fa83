// Redis going away, coming back, restarting without its data, being flushed: on private redis-server children.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { FleetSnapshot } from '../../src/shared/fleet';
import type { Config } from '../../server/config';
import { SseReader, inject, listen, loginCookie, makeApp, sample } from '../server/helpers';
import { requireRedis, startOwnRedis, type OwnRedis } from '../support/redis';
import { Redis } from 'ioredis';

// These tests run their own redis-server; they need the binary, which CI installs with Redis.
const available = await requireRedis('test/redis/faults.test.ts');
const SECRET = 'redis-fault-test-secret-0123456789abcdef';

let redis: OwnRedis | null = null;
let apps: FastifyInstance[] = [];
let readers: SseReader[] = [];

afterEach(async () => {
  for (const r of readers) r.close();
  readers = [];
  redis?.resume();
  for (const app of apps) await app.close();
  apps = [];
  await redis?.destroy();
  redis = null;
});

async function setup(persistence: 'none' | 'aof', overrides: Partial<Config> = {}) {
  redis = await startOwnRedis(persistence);
  const app = await makeApp({ bus: 'redis', redisUrl: redis.url, redisPrefix: 'fw:', sessionSecret: SECRET, ...overrides });
  apps.push(app);
  const url = await listen(app);
  const cookie = await loginCookie(app);
  return { app, url, cookie, redis };
}

async function open(url: string, cookie: string, lastEventId?: string): Promise<SseReader> {
  const reader = await SseReader.open(url, cookie, lastEventId === undefined ? {} : { lastEventId });
  readers.push(reader);
  return reader;
}

async function ingestOk(app: FastifyInstance, truckId = 'acme-01'): Promise<string> {
  const res = await inject(app, sample(truckId));
  if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
  return (res.json() as { ids: string[] }).ids[0] as string;
}

/** Retries ingest until Redis takes it again (the connection backs off up to a second). */
async function ingestWhenBack(app: FastifyInstance, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await inject(app, sample('acme-01'));
    if (res.statusCode === 200) return (res.json() as { ids: string[] }).ids[0] as string;
    if (Date.now() > deadline) throw new Error(`Redis never came back: ${res.statusCode} ${res.body}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!available)('Redis faults', () => {
  it('answers 503 while Redis hangs, keeps the stream open, and continues it when Redis answers again', async () => {
    const { app, url, cookie, redis } = await setup('none');
    const stream = await open(url, cookie);
    const before = await ingestOk(app);
    await stream.waitForEvents(1);

    redis.pause();
    const started = Date.now();
    const res = await inject(app, sample('acme-01'));
    expect(res.statusCode).toBe(503);
    // The device key's rate is counted in Redis first: that count fails, and nothing is stored.
    expect(res.json()).toMatchObject({ error: 'ingest_unavailable', message: expect.stringMatching(/nothing was stored/) });
    expect(res.headers['retry-after']).toBeDefined();
    expect(Date.now() - started).toBeLessThan(5_000);
    const health = await app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(503);
    // Anyone may ask /healthz: it says the instance is unavailable, not where Redis is or how it failed.
    expect(health.json()).toEqual({ status: 'unavailable', error: 'unavailable', message: expect.any(String) });
    expect(health.body).not.toMatch(/redis|127\.0\.0\.1|:\d{2,5}\b|ECONN|timed? ?out/i);
    expect(stream.ended).toBe(false);

    redis.resume();
    const after = await ingestWhenBack(app);
    await stream.waitForEvents(2, 15_000);
    expect(stream.events.map((e) => e.id)).toEqual([before, after]);
    expect(stream.ended).toBe(false);
    // The refused sample was not stored: the snapshot's last id is the one after.
    expect(((await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot).lastEventId).toBe(after);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('survives a Redis restart with persistence: 503 while down, then the same stream goes on without a reset', async () => {
    const { app, url, cookie, redis } = await setup('aof');
    const stream = await open(url, cookie);
    const first = await ingestOk(app);
    await stream.waitForEvents(1);

    await redis.stop('SIGTERM');
    const down = await inject(app, sample('acme-01'));
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ error: 'ingest_unavailable' });
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(503);
    await new Promise((r) => setTimeout(r, 500));
    expect(stream.ended).toBe(false);

    await redis.start();
    const second = await ingestWhenBack(app);
    await stream.waitForEvents(2, 15_000);
    expect(stream.events.map((e) => [e.event, e.id])).toEqual([
      ['telemetry', first],
      ['telemetry', second],
    ]);
    expect(stream.ended).toBe(false);
    // And an id from before the restart still resumes exactly.
    const resumed = await open(url, cookie, first);
    await resumed.waitForEvents(1);
    expect(resumed.events.map((e) => e.id)).toEqual([second]);
  });

  it('ends streams when Redis restarts without its data, and resumes them with a reset of the new epoch, nothing stale', async () => {
    const { app, url, cookie, redis } = await setup('none');
    const stream = await open(url, cookie);
    const last = await ingestOk(app, 'acme-02');
    await stream.waitForEvents(1);
    const { epoch: oldEpoch } = (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;

    await redis.stop('SIGKILL');
    await redis.start();
    // The read loop reconnects, finds no epoch, starts a new one and ends the streams of the old one.
    await stream.waitForEnd(15_000);

    const resumed = await open(url, cookie, last);
    await resumed.waitForEvents(1);
    expect(resumed.events[0]?.event).toBe('reset');
    const snapshot = JSON.parse(resumed.events[0]!.data) as FleetSnapshot;
    expect(snapshot.epoch).not.toBe(oldEpoch);
    expect(snapshot.lastEventId).toBeNull();
    expect(resumed.events[0]?.id).toBe(`${snapshot.epoch}-0`);
    // The fleet was registered again, without the lost state.
    expect(snapshot.trucks.find((t) => t.id === 'acme-02')).toMatchObject({ last: null, lastEventId: null });

    const next = await ingestWhenBack(app);
    await resumed.waitForEvents(2);
    expect(resumed.events[1]).toMatchObject({ event: 'telemetry', id: next });
  });

  it('ends streams on FLUSHALL and resets them: no event of the old data mixes with the new', async () => {
    const { app, url, cookie, redis } = await setup('none');
    const stream = await open(url, cookie);
    for (let i = 0; i < 5; i++) await ingestOk(app, 'acme-03');
    await stream.waitForEvents(5);
    const oldLast = stream.events.at(-1)!.id!;

    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
    // The next publish finds the epoch gone: it starts a new one, and every instance ends its streams.
    const fresh = await ingestWhenBack(app);
    await stream.waitForEnd(10_000);
    expect(stream.events.map((e) => e.event)).toEqual(Array(5).fill('telemetry'));

    const resumed = await open(url, cookie, oldLast);
    await resumed.waitForEvents(1);
    const reset = JSON.parse(resumed.events[0]!.data) as FleetSnapshot;
    expect(resumed.events[0]?.event).toBe('reset');
    expect(reset.lastEventId).toBe(fresh);
    expect(reset.trucks.find((t) => t.id === 'acme-03')?.last).toBeNull();
    expect(reset.trucks.find((t) => t.id === 'acme-01')?.lastEventId).toBe(fresh);
  });
});
