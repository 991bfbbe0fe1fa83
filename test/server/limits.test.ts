// Limits that hold under attack, each tried from outside with real requests: parallel login guesses,
// addresses forged through X-Forwarded-For, device keys over their rate (ingest and OsmAnd alike),
// streams per session, streams that outlive their session. Every refusal is JSON and changes nothing.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { MemoryBus } from '../../server/bus';
import type { BusEvent, UnpublishedEvent } from '../../server/bus';
import { loadConfig } from '../../server/config';
import { Slots } from '../../server/limits';
import { INGEST_RATE_WINDOW_S } from '../../server/plugins/ingest';
import { SseReader, inject, listen, loginCookie, makeApp, sample, waitUntil } from './helpers';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

const login = (a: FastifyInstance, username: string, password: string, remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) =>
  a.inject({ method: 'POST', url: '/api/session', remoteAddress, headers, payload: { username, password } });

function expectRateLimited(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what}: ${res.body}`).toBe(429);
  expect(res.json(), what).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/\d+ s/) });
  expect(Number(res.headers['retry-after']), what).toBeGreaterThan(0);
  expect(res.headers['set-cookie'], what).toBeUndefined();
}

describe('login attempts', () => {
  it('counts parallel guesses before checking any password: 24 at once, exactly 10 are checked, the rest 429', async () => {
    app = await makeApp({ loginAttemptsPerUser: 10 });
    const a = app;
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => login(a, 'ana', `guess-${i}`)));
    const checked = answers.filter((r) => r.statusCode === 401);
    const refused = answers.filter((r) => r.statusCode === 429);
    expect(checked).toHaveLength(10);
    expect(refused).toHaveLength(14);
    for (const r of refused) expectRateLimited(r, 'a guess over the limit');
    // Now even the right password is refused for this username, from anywhere…
    expectRateLimited(await login(a, 'ana', 'fleetwire', '198.51.100.7'), 'the right password after the burst');
    // …while other operators log in as usual.
    expect((await login(a, 'bo', 'fleetwire')).statusCode).toBe(200);
  });

  it('counts per address across usernames, and a success resets the username’s count', async () => {
    app = await makeApp({ loginAttemptsPerUser: 3, loginAttemptsPerAddress: 6 });
    // Two wrong, then right: the username's count starts again.
    for (let round = 0; round < 2; round++) {
      expect((await login(app, 'ana', 'wrong', '203.0.113.1')).statusCode).toBe(401);
      expect((await login(app, 'ana', 'wrong', '203.0.113.1')).statusCode).toBe(401);
      expect((await login(app, 'ana', 'fleetwire', '203.0.113.1')).statusCode).toBe(200);
    }
    // One address trying many usernames: 6 attempts, then 429 whatever the username.
    for (let i = 0; i < 6; i++) expect((await login(app, `user-${i}`, 'x', '203.0.113.2')).statusCode).toBe(401);
    expectRateLimited(await login(app, 'someone-else', 'x', '203.0.113.2'), 'a seventh username from one address');
    expectRateLimited(await login(app, 'bo', 'fleetwire', '203.0.113.2'), 'a right password from that address');
    expect((await login(app, 'bo', 'fleetwire', '203.0.113.3')).statusCode).toBe(200);
  });

  it('behind a trusted proxy counts the address the proxy saw, however the client rotates X-Forwarded-For', async () => {
    app = await makeApp({ trustProxy: '127.0.0.1', loginAttemptsPerAddress: 5 });
    // nginx appends the address it saw ($proxy_add_x_forwarded_for); the client controls everything left of it.
    const forged = (i: number) => ({ 'x-forwarded-for': `10.${i}.${i}.${i}, 192.0.2.${i}, 198.51.100.20` });
    for (let i = 0; i < 5; i++) expect((await login(app, `user-${i}`, 'x', '127.0.0.1', forged(i))).statusCode).toBe(401);
    expectRateLimited(await login(app, 'user-9', 'x', '127.0.0.1', forged(9)), 'a sixth attempt with a new forged address');
    // Another real client behind the same proxy is not affected.
    expect((await login(app, 'ana', 'fleetwire', '127.0.0.1', { 'x-forwarded-for': '198.51.100.21' })).statusCode).toBe(200);
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    app = await makeApp({ trustProxy: '10.0.0.1', loginAttemptsPerAddress: 3 });
    for (let i = 0; i < 3; i++) expect((await login(app, `u${i}`, 'x', '192.0.2.50', { 'x-forwarded-for': `203.0.113.${i}` })).statusCode).toBe(401);
    expectRateLimited(await login(app, 'u9', 'x', '192.0.2.50', { 'x-forwarded-for': '203.0.113.99' }), 'a fourth attempt from the same peer');
  });

  it('answers a login burst beyond the password-check slots with 503 and Retry-After, never with a session', async () => {
    app = await makeApp({ loginConcurrency: 1, loginAttemptsPerUser: 1_000, loginAttemptsPerAddress: 1_000 });
    const a = app;
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => login(a, `nobody-${i}`, 'x', `192.0.2.${i + 1}`)));
    for (const r of answers) {
      if (r.statusCode === 503) {
        expect(r.json()).toMatchObject({ error: 'login_busy', message: expect.any(String) });
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
      } else {
        expect(r.statusCode, r.body).toBe(401);
      }
      expect(r.headers['set-cookie']).toBeUndefined();
    }
  });
});

describe('password-check slots', () => {
  it('run at most `concurrency` tasks, queue at most `queue`, refuse the rest at once, and run every accepted one', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 20 }), async (concurrency, queue, tasks) => {
        const slots = new Slots(concurrency, queue);
        const release: Array<() => void> = [];
        let running = 0;
        let most = 0;
        let ran = 0;
        const results = Array.from({ length: tasks }, () =>
          slots.run(async () => {
            running++;
            most = Math.max(most, running);
            await new Promise<void>((resolve) => release.push(resolve));
            running--;
            ran++;
            return 'done';
          }),
        );
        await new Promise((r) => setImmediate(r));
        expect(slots.load).toEqual({ running: Math.min(tasks, concurrency), waiting: Math.min(Math.max(0, tasks - concurrency), queue) });
        // Release whatever runs until everything accepted has run.
        while (ran < Math.min(tasks, concurrency + queue)) {
          release.shift()?.();
          await new Promise((r) => setImmediate(r));
        }
        const settled = await Promise.all(results);
        expect(settled.filter((r) => r === 'done')).toHaveLength(Math.min(tasks, concurrency + queue));
        expect(settled.filter((r) => r === null)).toHaveLength(Math.max(0, tasks - concurrency - queue));
        expect(most).toBeLessThanOrEqual(concurrency);
        expect(slots.load).toEqual({ running: 0, waiting: 0 });
      }),
      { numRuns: 60 },
    );
  });
});

describe('device keys', () => {
  const fleetOf = async (a: FastifyInstance, cookie: string) => (await a.inject({ url: '/api/fleet', headers: { cookie } })).json() as { lastEventId: string | null };

  it('allows FLEETWIRE_INGEST_RATE events per second per key over a window; one more is 429 with Retry-After and stores nothing', async () => {
    const rate = 3;
    const allowed = rate * INGEST_RATE_WINDOW_S;
    app = await makeApp({ ingestRate: rate });
    const cookie = await loginCookie(app);
    // A backlog sent at once is fine as long as it fits the window.
    const first = await inject(app, Array.from({ length: allowed - 1 }, () => sample('acme-01')));
    expect(first.statusCode, first.body).toBe(200);
    expect((await inject(app, sample('acme-01'))).statusCode).toBe(200);
    const before = await fleetOf(app, cookie);
    expectRateLimited(await inject(app, sample('acme-01')), 'one event over the rate');
    expectRateLimited(await inject(app, [sample('acme-02'), sample('acme-03')]), 'a batch over the rate');
    expect(await fleetOf(app, cookie)).toEqual(before);
    // Another tenant's key has its own count.
    expect((await inject(app, sample('globex-01'), 'demo-globex')).statusCode).toBe(200);
  });

  it('counts OsmAnd reports against the same per-key rate', async () => {
    app = await makeApp({ ingestRate: 1 });
    const cookie = await loginCookie(app);
    const issued = await app.inject({ method: 'POST', url: '/api/admin/device-keys', headers: { cookie }, payload: { label: 'phone', truckId: 'acme-04' } });
    expect(issued.statusCode, issued.body).toBe(201);
    const key = (issued.json() as { key: string }).key;
    const now = Math.floor(Date.now() / 1000);
    const report = (i: number) => app!.inject({ url: `/api/osmand?id=${encodeURIComponent(key)}&lat=51.9&lon=4.4&timestamp=${now - 100 + i}&speed=10` });
    for (let i = 0; i < INGEST_RATE_WINDOW_S; i++) expect((await report(i)).statusCode).toBe(200);
    expectRateLimited(await report(99), 'an OsmAnd report over the rate');
    // The same key over /api/ingest shares the count.
    const json = await app.inject({ method: 'POST', url: '/api/ingest', headers: { authorization: `Bearer ${key}` }, payload: sample('acme-04') });
    expectRateLimited(json, 'the same key on /api/ingest');
  });
});

/** A memory bus whose publishes wait until the test opens the gate: what a slow bus looks like to ingest. */
class GatedBus extends MemoryBus {
  private open: () => void = () => undefined;
  private gate: Promise<void> = new Promise((resolve) => (this.open = resolve));
  publishes = 0;

  override async publish(tenant: string, events: readonly UnpublishedEvent[]): Promise<BusEvent[]> {
    this.publishes++;
    await this.gate;
    return super.publish(tenant, events);
  }

  release(): void {
    this.open();
  }
}

describe('the publish queue', () => {
  it('answers 503 once a tenant’s waiting telemetry would pass FLEETWIRE_INGEST_QUEUE, stores nothing of it, and takes it again once the queue drains', async () => {
    const bus = new GatedBus({ retention: 10_000 });
    app = await makeApp({ ingestQueue: 1_000 }, { bus });
    const a = app;
    const batch = (n: number) => Array.from({ length: n }, () => sample('acme-01'));
    // The first request is being published (held at the gate); 1,000 more wait behind it.
    const publishing = inject(a, batch(10));
    await waitUntil(() => bus.publishes === 1, 'the first publish to start');
    const waiting = inject(a, batch(1_000));
    await new Promise((r) => setImmediate(r));
    const refused = await inject(a, batch(1));
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.json()).toMatchObject({ error: 'ingest_backlog', message: expect.stringMatching(/nothing was stored/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another tenant has its own queue.
    const other = inject(a, sample('globex-01'), 'demo-globex');
    bus.release();
    expect((await publishing).statusCode).toBe(200);
    expect((await waiting).statusCode).toBe(200);
    expect((await other).statusCode).toBe(200);
    // Published: 10 + 1,000 acme samples and globex's one, not the refused one.
    const cookie = await loginCookie(a);
    const fleet = (await a.inject({ url: '/api/fleet', headers: { cookie } })).json() as { lastEventId: string };
    expect(Number(fleet.lastEventId.split('-')[1])).toBe(1_010);
    expect((await inject(a, batch(1))).statusCode).toBe(200);
  });
});

describe('connections', () => {
  it('refuses connections past FLEETWIRE_MAX_CONNECTIONS while the open ones keep working', async () => {
    app = await makeApp({ maxConnections: 10 });
    const url = await listen(app);
    const { port } = new URL(url);
    const sockets: net.Socket[] = [];
    try {
      for (let i = 0; i < 10; i++) {
        const socket = net.connect(Number(port), '127.0.0.1');
        sockets.push(socket);
        await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
      }
      // The eleventh is closed by the server at once, before any answer.
      const extra = net.connect(Number(port), '127.0.0.1');
      sockets.push(extra);
      const answer = await new Promise<string>((resolve) => {
        let got = '';
        extra.on('data', (d: Buffer) => (got += d.toString('utf8')));
        extra.on('close', () => resolve(got));
        extra.on('error', () => undefined);
        extra.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
      expect(answer).toBe('');
      // One that was let in is served.
      const served = await new Promise<string>((resolve) => {
        const s = sockets[0]!;
        let got = '';
        s.on('data', (d: Buffer) => {
          got += d.toString('utf8');
          if (got.includes('\r\n\r\n')) resolve(got);
        });
        s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
      expect(served).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });

  it('gives the HTTP server the request timeout of FLEETWIRE_REQUEST_TIMEOUT_S', async () => {
    app = await makeApp({ requestTimeoutMs: 7_000 });
    expect(app.server.requestTimeout).toBe(7_000);
  });
});

describe('FLEETWIRE_TRUST_PROXY', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));

  it('takes any list of IPv4/IPv6 addresses and CIDRs, and refuses anything else naming the variable', () => {
    const entry = fc.oneof(
      ipv4,
      fc.tuple(ipv4, fc.integer({ min: 0, max: 32 })).map(([a, b]) => `${a}/${b}`),
      fc.ipV6(),
      fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, b]) => `${a}/${b}`),
    );
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), (list) => {
        const value = list.join(', ');
        expect(loadConfig({ FLEETWIRE_TRUST_PROXY: value }).trustProxy).toBe(value);
      }),
    );
    const bad = fc.oneof(
      fc.tuple(ipv4, fc.integer({ min: 33, max: 999 })).map(([a, b]) => `${a}/${b}`),
      fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/).filter((v) => !['false'].includes(v)),
      fc.tuple(ipv4, fc.stringMatching(/^[a-z]{1,8}$/)).map(([a, b]) => `${a}, ${b}`),
    );
    fc.assert(
      fc.property(bad, (value) => {
        expect(() => loadConfig({ FLEETWIRE_TRUST_PROXY: value })).toThrow('FLEETWIRE_TRUST_PROXY');
      }),
    );
  });
});

describe('streams', () => {
  it('allows FLEETWIRE_STREAMS_PER_SESSION streams per session: of 40 opened at once the rest get 429; other sessions are not affected', async () => {
    app = await makeApp({ streamsPerSession: 10 });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const readers = await Promise.all(Array.from({ length: 40 }, () => SseReader.open(url, cookie)));
    try {
      const open = readers.filter((r) => r.status === 200);
      const refused = readers.filter((r) => r.status === 429);
      expect(open).toHaveLength(10);
      expect(refused).toHaveLength(30);
      for (const r of refused) {
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
        await r.waitForEnd();
      }
      const other = await SseReader.open(url, await loginCookie(app));
      readers.push(other);
      expect(other.status).toBe(200);
      // A closed stream frees its place: the same session opens one again once the server saw it go.
      open[0]!.close();
      await expect
        .poll(
          async () => {
            const next = await SseReader.open(url, cookie);
            readers.push(next);
            return next.status;
          },
          { timeout: 5_000, interval: 100 },
        )
        .toBe(200);
    } finally {
      for (const r of readers) r.close();
    }
  });

  it('ends a stream when its session expires, and the session cannot open another', async () => {
    app = await makeApp({ sessionTtlMs: 5_000, heartbeatMs: 1_000 });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const stream = await SseReader.open(url, cookie);
    expect(stream.status).toBe(200);
    const opened = Date.now();
    await stream.waitForEnd(10_000);
    expect(Date.now() - opened).toBeGreaterThan(3_000);
    const again = await SseReader.open(url, cookie);
    expect(again.status).toBe(401);
    again.close();
  });
});
