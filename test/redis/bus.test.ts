// The Redis bus against a real Redis, two app instances in this process sharing one key prefix.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Alert, FleetSnapshot } from '../../src/shared/fleet';
import { NO_DATA_ALERT_MS, SPEEDING_KPH } from '../../src/shared/insights';
import type { Config } from '../../server/config';
import { DEFAULT_LOGIN_ATTEMPTS_PER_USER } from '../../server/config';
import { SseReader, inject, listen, loginCookie, makeApp, sample } from '../server/helpers';
import { SHARED_REDIS_URL, deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import type { AppOptions } from '../../server/app';

const available = await requireRedis('test/redis/bus.test.ts');
const prefix = uniquePrefix();
/** Every instance of a deployment shares the session secret. */
const SECRET = 'redis-bus-test-secret-0123456789abcdef';

let apps: FastifyInstance[] = [];
let readers: SseReader[] = [];

async function instance(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = await makeApp({ bus: 'redis', redisUrl: SHARED_REDIS_URL, redisPrefix: prefix, sessionSecret: SECRET, ...overrides }, options);
  apps.push(app);
  return app;
}

async function open(url: string, cookie: string, lastEventId?: string): Promise<SseReader> {
  const reader = await SseReader.open(url, cookie, lastEventId === undefined ? {} : { lastEventId });
  readers.push(reader);
  return reader;
}

async function ids(app: FastifyInstance, items: unknown): Promise<string[]> {
  const res = await inject(app, items);
  if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}: ${res.body}`);
  return (res.json() as { ids: string[] }).ids;
}

async function fleet(app: FastifyInstance, cookie: string): Promise<FleetSnapshot> {
  return (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;
}

afterEach(async () => {
  for (const r of readers) r.close();
  readers = [];
  for (const app of apps) await app.close();
  apps = [];
  // Each test starts from an empty Redis under the prefix (and so a fresh epoch).
  await deletePrefix(prefix);
});

afterAll(async () => {
  await deletePrefix(prefix);
});

describe.skipIf(!available)('Redis bus, two instances', () => {
  it('delivers an event ingested on B to a stream on A, with the id B answered, and both serve the same fleet', async () => {
    const a = await instance();
    const b = await instance();
    const urlA = await listen(a);
    const cookie = await loginCookie(a);
    const stream = await open(urlA, cookie);
    const [id] = await ids(b, sample('acme-05', { speedKph: 42 }));
    await stream.waitForEvents(1);
    expect(stream.events[0]).toMatchObject({ id, event: 'telemetry' });
    expect(JSON.parse(stream.events[0]!.data)).toMatchObject({ truckId: 'acme-05', speedKph: 42 });

    // The cookie from A is good on B, and both read the fleet from Redis.
    const fromA = await fleet(a, cookie);
    const fromB = await fleet(b, cookie);
    expect(fromB).toEqual(fromA);
    expect(fromA.lastEventId).toBe(id);
    expect(fromA.trucks.find((t) => t.id === 'acme-05')).toMatchObject({ lastEventId: id, last: { speedKph: 42 } });
    const history = (await b.inject({ url: `/api/trucks/acme-05/history?since=0`, headers: { cookie } })).json() as { telemetry: unknown[] };
    expect(history.telemetry).toHaveLength(1);
  });

  it('resumes exactly after an id on either instance; <epoch>-0 replays the retained stream; malformed or future ids reset', async () => {
    const a = await instance();
    const b = await instance();
    const urlA = await listen(a);
    const urlB = await listen(b);
    const cookie = await loginCookie(a);
    const all = await ids(a, Array.from({ length: 30 }, (_, i) => sample(`acme-0${(i % 9) + 1}`)));

    const fromMiddle = await open(urlB, cookie, all[9]);
    await fromMiddle.waitForEvents(20);
    expect(fromMiddle.events.map((e) => e.id)).toEqual(all.slice(10));
    // Live continues from exactly the last replayed id.
    const more = await ids(b, sample('acme-01'));
    await fromMiddle.waitForEvents(21);
    expect(fromMiddle.events.at(-1)?.id).toBe(more[0]);
    expect(fromMiddle.ofType('reset')).toHaveLength(0);

    const { epoch } = await fleet(a, cookie);
    const fromStart = await open(urlA, cookie, `${epoch}-0`);
    await fromStart.waitForEvents(31);
    expect(fromStart.events.map((e) => e.id)).toEqual([...all, ...more]);

    for (const bad of ['nonsense', '9999999999999-0', '1-1']) {
      const r = await open(urlA, cookie, bad);
      await r.waitForEvents(1);
      expect(r.events[0]?.event).toBe('reset');
      const snap = JSON.parse(r.events[0]!.data) as FleetSnapshot;
      expect(snap.lastEventId).toBe(more[0]);
      expect(r.events[0]?.id).toBe(more[0]);
    }
  });

  it('has no gap and no duplicate when events keep arriving during the replay', async () => {
    const a = await instance();
    const b = await instance();
    const urlA = await listen(a);
    const cookie = await loginCookie(a);
    const first = await ids(b, Array.from({ length: 500 }, () => sample('acme-02')));
    // Ingest on B while the stream on A replays and switches to live.
    const writer = (async () => {
      const out: string[] = [];
      for (let i = 0; i < 40; i++) out.push(...(await ids(b, Array.from({ length: 10 }, () => sample('acme-03')))));
      return out;
    })();
    const reader = await open(urlA, cookie, first[0]);
    const later = await writer;
    const expected = [...first.slice(1), ...later];
    await reader.waitForEvents(expected.length, 15_000);
    expect(reader.events.map((e) => e.id)).toEqual(expected);
  });

  it('answers a reset for an id older than the first retained entry, and resumes a recent one exactly', async () => {
    // MAXLEN ~ trims whole nodes of 100 entries: 1,000 events with a retention of 10 drop most of them.
    const a = await instance({ retention: 10 });
    const url = await listen(a);
    const cookie = await loginCookie(a);
    const all: string[] = [];
    for (let i = 0; i < 10; i++) all.push(...(await ids(a, Array.from({ length: 100 }, () => sample('acme-04')))));

    const old = await open(url, cookie, all[0]);
    await old.waitForEvents(1);
    expect(old.events.map((e) => e.event)).toEqual(['reset']);
    expect((JSON.parse(old.events[0]!.data) as FleetSnapshot).lastEventId).toBe(all.at(-1));
    expect(old.events[0]?.id).toBe(all.at(-1));

    const recent = await open(url, cookie, all.at(-6));
    await recent.waitForEvents(5);
    expect(recent.events.map((e) => e.id)).toEqual(all.slice(-5));
  });

  it('raises an alert once when two instances take samples of the same truck at the same moment, and clears it once', async () => {
    const a = await instance();
    const b = await instance();
    const url = await listen(a);
    const cookie = await loginCookie(a);
    const stream = await open(url, cookie);
    const t0 = Date.now();
    const speeding = Array.from({ length: 12 }, (_, i) => sample('acme-06', { ts: t0 + i * 1_000, speedKph: SPEEDING_KPH + 20 }));
    await Promise.all(speeding.map((s, i) => ids(i % 2 === 0 ? a : b, s)));
    await stream.waitForEvents(13);
    const started = stream.ofType('alert').map((e) => JSON.parse(e.data) as Alert);
    expect(started.map((x) => [x.kind, x.state])).toEqual([['speeding', 'active']]);

    await Promise.all([ids(a, sample('acme-06', { ts: t0 + 20_000, speedKph: 60 })), ids(b, sample('acme-06', { ts: t0 + 21_000, speedKph: 60 }))]);
    await stream.waitForEvents(16);
    const alerts = stream.ofType('alert').map((e) => JSON.parse(e.data) as Alert);
    expect(alerts.map((x) => x.state)).toEqual(['active', 'cleared']);
    expect(alerts[1]?.id).toBe(alerts[0]?.id);
    expect((await fleet(b, cookie)).trucks.find((t) => t.id === 'acme-06')?.alerts).toEqual([]);
  });

  it('raises a no-data alert once although every instance sweeps', async () => {
    let now = Date.now();
    const clock = { now: () => now, alertSweepMs: 20 };
    const a = await instance({}, clock);
    const b = await instance({}, clock);
    const url = await listen(a);
    const cookie = await loginCookie(a);
    const stream = await open(url, cookie);
    await ids(a, sample('acme-07', { ts: now }));
    now += NO_DATA_ALERT_MS + 1_000;
    await stream.waitForEvents(2);
    // Many more sweeps on both instances: still one alert.
    await new Promise((r) => setTimeout(r, 500));
    const alerts = stream.ofType('alert').map((e) => JSON.parse(e.data) as Alert);
    expect(alerts.map((x) => [x.truckId, x.kind, x.state])).toEqual([['acme-07', 'no-data', 'active']]);
    expect((await fleet(b, cookie)).trucks.find((t) => t.id === 'acme-07')?.alerts.map((x) => x.kind)).toEqual(['no-data']);
  });

  it('logs out on every instance: the session is refused on B and its streams on B end', async () => {
    const a = await instance();
    const b = await instance();
    const urlB = await listen(b);
    const cookie = await loginCookie(a);
    const stream = await open(urlB, cookie);
    expect((await b.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(200);
    const out = await a.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    await stream.waitForEnd(5_000);
    expect((await b.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
    expect((await a.inject({ url: '/api/fleet', headers: { cookie } })).statusCode).toBe(401);
  });

  it('counts failed logins across instances', async () => {
    const a = await instance();
    const b = await instance();
    const attempt = (app: FastifyInstance) =>
      app.inject({ method: 'POST', url: '/api/session', remoteAddress: '10.1.2.3', payload: { username: 'ana', password: 'wrong' } });
    for (let i = 0; i < DEFAULT_LOGIN_ATTEMPTS_PER_USER; i++) expect((await attempt(i % 2 === 0 ? a : b)).statusCode).toBe(401);
    const blocked = await attempt(b);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ error: 'rate_limited' });
    expect((await attempt(a)).statusCode).toBe(429);
  });

  it('counts a device key’s events across instances, and parallel guesses before any password check', async () => {
    const a = await instance({ ingestRate: 2 });
    const b = await instance({ ingestRate: 2 });
    // 2 events/s over a 10 s window: 20 in all, whichever instance takes them.
    expect((await inject(a, Array.from({ length: 12 }, () => sample('acme-01')))).statusCode).toBe(200);
    expect((await inject(b, Array.from({ length: 8 }, () => sample('acme-02')))).statusCode).toBe(200);
    const over = await inject(a, sample('acme-03'));
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await inject(b, sample('acme-03'))).statusCode).toBe(429);

    const guesses = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        (i % 2 === 0 ? a : b).inject({ method: 'POST', url: '/api/session', remoteAddress: '10.9.8.7', payload: { username: 'bo', password: `guess-${i}` } }),
      ),
    );
    expect(guesses.filter((r) => r.statusCode === 401)).toHaveLength(DEFAULT_LOGIN_ATTEMPTS_PER_USER);
    expect(guesses.filter((r) => r.statusCode === 429)).toHaveLength(16 - DEFAULT_LOGIN_ATTEMPTS_PER_USER);
  });

  it('reports Redis on /healthz and the read loop on /metrics', async () => {
    const a = await instance();
    expect((await a.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', redis: 'ok' });
    const metrics = (await a.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/^fleetwire_bus_read_loop_up 1$/m);
    expect(metrics).toMatch(/^fleetwire_bus_lag_seconds \d/m);
    expect(metrics).toMatch(/^fleetwire_bus_redis_up 1$/m);
  });
});
