// The SSE stream over a real socket: delivery, exact resume, resets, tenant isolation, heartbeats, slow clients.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { MemoryBus } from '../../server/bus';
import type { FleetSnapshot, Telemetry } from '../../src/shared/fleet';
import { SseReader, inject, listen, loginCookie, makeApp, sample } from './helpers';

let app: FastifyInstance | null = null;
const readers: SseReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await app?.close();
  app = null;
});

async function open(url: string, cookie: string, options: { path?: string; lastEventId?: string } = {}): Promise<SseReader> {
  const r = await SseReader.open(url, cookie, options);
  readers.push(r);
  return r;
}

async function ingestIds(a: FastifyInstance, items: Telemetry[], key = 'demo-acme'): Promise<string[]> {
  const res = await inject(a, items, key);
  expect(res.statusCode).toBe(200);
  return res.json().ids as string[];
}

describe('GET /api/stream', () => {
  it('needs a session', async () => {
    app = await makeApp();
    const res = await app.inject({ url: '/api/stream' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('unauthorized');
  });

  it('streams telemetry with ids, sends retry once, and the right headers', async () => {
    app = await makeApp();
    const url = await listen(app);
    const s = await open(url, await loginCookie(app));
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.headers['cache-control']).toMatch(/no-store/);
    expect(s.headers['x-accel-buffering']).toBe('no');
    expect(s.headers['content-encoding']).toBeUndefined();
    const ids = await ingestIds(app, [sample('acme-01'), sample('acme-02')]);
    await s.waitForEvents(2);
    expect(s.retry).toBeGreaterThan(0);
    expect(s.events.map((e) => [e.id, e.event])).toEqual([
      [ids[0], 'telemetry'],
      [ids[1], 'telemetry'],
    ]);
    expect(JSON.parse(s.events[1]?.data ?? '')).toMatchObject({ truckId: 'acme-02' });
  });

  it('resumes exactly after an id, from the header or the lastEventId query, with no loss and no duplicate', async () => {
    app = await makeApp();
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const ids = await ingestIds(app, Array.from({ length: 10 }, (_, i) => sample(`acme-0${(i % 9) + 1}`)));

    const byHeader = await open(url, cookie, { lastEventId: ids[3] });
    await byHeader.waitForEvents(6);
    const byQuery = await open(url, cookie, { path: `/api/stream?lastEventId=${encodeURIComponent(ids[6] as string)}` });
    await byQuery.waitForEvents(3);
    // The header wins over the query (EventSource reconnects send the newer id in the header).
    const both = await open(url, cookie, { path: `/api/stream?lastEventId=${ids[0]}`, lastEventId: ids[8] });
    await both.waitForEvents(1);

    const more = await ingestIds(app, [sample('acme-01'), sample('acme-02')]);
    await byHeader.waitForEvents(8);
    await byQuery.waitForEvents(5);
    await both.waitForEvents(3);
    expect(byHeader.events.map((e) => e.id)).toEqual([...ids.slice(4), ...more]);
    expect(byQuery.events.map((e) => e.id)).toEqual([...ids.slice(7), ...more]);
    expect(both.events.map((e) => e.id)).toEqual([ids[9], ...more]);
  });

  it('resumes from the newest id with nothing to replay, then goes live', async () => {
    app = await makeApp();
    const url = await listen(app);
    const ids = await ingestIds(app, [sample('acme-01')]);
    const s = await open(url, await loginCookie(app), { lastEventId: ids[0] });
    const next = await ingestIds(app, [sample('acme-01')]);
    await s.waitForEvents(1);
    expect(s.events.map((e) => e.id)).toEqual(next);
  });

  it('sends a reset with a snapshot for an id from another epoch, then live events after it', async () => {
    const bus = new MemoryBus({ retention: 1000, epochMs: 1_700_000_000_000 });
    app = await makeApp({}, { bus });
    const url = await listen(app);
    await ingestIds(app, [sample('acme-01', { lat: 10 })]);
    const s = await open(url, await loginCookie(app), { lastEventId: '1600000000000-42' });
    await s.waitForEvents(1);
    const reset = s.events[0];
    expect(reset?.event).toBe('reset');
    const snap = JSON.parse(reset?.data ?? '') as FleetSnapshot;
    expect(snap.epoch).toBe('1700000000000');
    expect(reset?.id).toBe(snap.lastEventId);
    expect(snap.trucks.find((t) => t.id === 'acme-01')?.last?.lat).toBe(10);
    expect(snap.trucks.every((t) => t.tenant === 'acme')).toBe(true);
    const later = await ingestIds(app, [sample('acme-02')]);
    await s.waitForEvents(2);
    expect(s.events[1]?.id).toBe(later[0]);
  });

  it('sends a reset for a malformed id and for an id from the future', async () => {
    app = await makeApp();
    const url = await listen(app);
    const cookie = await loginCookie(app);
    for (const id of ['garbage', `${app.fleetwire.bus.epoch}-999`]) {
      const s = await open(url, cookie, { lastEventId: id });
      await s.waitForEvents(1);
      expect(s.events[0]?.event).toBe('reset');
    }
  });

  it('sends a reset when the id is older than the retained history', async () => {
    app = await makeApp({ retention: 5 });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const ids = await ingestIds(app, Array.from({ length: 12 }, () => sample('acme-01')));
    // ids[6] is the newest id whose successors are all still retained (7..11).
    const ok = await open(url, cookie, { lastEventId: ids[6] });
    await ok.waitForEvents(5);
    expect(ok.events.map((e) => e.id)).toEqual(ids.slice(7));
    const old = await open(url, cookie, { lastEventId: ids[2] });
    await old.waitForEvents(1);
    expect(old.events[0]?.event).toBe('reset');
    expect(old.events[0]?.id).toBe(ids[11]);
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(/fleetwire_sse_resets_total\{tenant="acme"\} 1/);
  });

  it('never shows one tenant another tenant’s events', async () => {
    app = await makeApp();
    const url = await listen(app);
    const acme = await open(url, await loginCookie(app, 'ana'));
    const globex = await open(url, await loginCookie(app, 'bo'));
    const a = await ingestIds(app, [sample('acme-01'), sample('acme-02')]);
    const g = await ingestIds(app, [sample('globex-01')], 'demo-globex');
    const a2 = await ingestIds(app, [sample('acme-03')]);
    await acme.waitForEvents(3);
    await globex.waitForEvents(1);
    expect(acme.events.map((e) => e.id)).toEqual([...a, ...a2]);
    expect(globex.events.map((e) => e.id)).toEqual(g);
    expect(acme.events.every((e) => (JSON.parse(e.data) as Telemetry).truckId.startsWith('acme-'))).toBe(true);
    // A globex reset snapshot has only globex trucks.
    const reset = await open(url, await loginCookie(app, 'bo'), { lastEventId: 'x' });
    await reset.waitForEvents(1);
    const snap = JSON.parse(reset.events[0]?.data ?? '') as FleetSnapshot;
    expect(snap.trucks.length).toBeGreaterThanOrEqual(8);
    expect(snap.trucks.every((t) => t.tenant === 'globex')).toBe(true);
  });

  it('sends a heartbeat comment on the configured interval', async () => {
    app = await makeApp({ heartbeatMs: 50 });
    const url = await listen(app);
    const s = await open(url, await loginCookie(app));
    const initial = s.comments;
    await s.until(() => s.comments >= initial + 2, 'two heartbeats');
  });

  it('counts connections in /metrics', async () => {
    app = await makeApp();
    const url = await listen(app);
    const s = await open(url, await loginCookie(app));
    await ingestIds(app, [sample('acme-01')]);
    await s.waitForEvents(1);
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/fleetwire_sse_connections\{tenant="acme"\} 1/);
    expect(text).toMatch(/fleetwire_sse_connections\{tenant="globex"\} 0/);
    expect(text).toMatch(/fleetwire_events_ingested_total\{tenant="acme"\} 1/);
    expect(text).toMatch(/fleetwire_events_delivered_total\{tenant="acme"\} 1/);
    expect(text).toMatch(/fleetwire_fanout_seconds_count\{tenant="acme"\} 1/);
    s.close();
    await expectEventually(async () => (await app!.inject({ url: '/metrics' })).body.includes('fleetwire_sse_connections{tenant="acme"} 0'));
  });

  it('closes a session’s streams when it logs out', async () => {
    app = await makeApp();
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const s = await open(url, cookie);
    await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    await s.waitForEnd();
  });

  it('cuts a client that stops reading while a reading client keeps receiving, and counts it', async () => {
    const maxBufferedBytes = 256 * 1024;
    app = await makeApp({ retention: 5_000 }, { maxBufferedBytes });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const fast = await open(url, cookie);

    // A raw socket that sends the request and then never reads a byte.
    const { port } = new URL(url);
    const slow = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
    slow.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nAccept: text/event-stream\r\n\r\n`);
    slow.pause();
    // A paused socket never notices the cut (it reads nothing, RST included): errors are expected.
    slow.on('error', () => undefined);
    await expectEventually(async () => app!.fleetwire.broadcaster.size === 2);

    // Push batches (each far below the bound) until the server gives up on the slow client; the
    // kernel's socket buffers absorb the first few MB. Yielding between batches lets the fast one read.
    const batch = (i: number) =>
      Array.from({ length: 100 }, (_, k) => sample(`acme-${String((k % 24) + 1).padStart(2, '0')}`, { driverId: `D-${i}-${k}-${'x'.repeat(40)}` }));
    let sent = 0;
    for (let i = 0; i < 3_000 && app.fleetwire.broadcaster.size > 1; i++) {
      sent += (await ingestIds(app, batch(i))).length;
      await new Promise((r) => setImmediate(r));
    }
    // The one left is the reading client.
    expect(app.fleetwire.broadcaster.size).toBe(1);
    expect(fast.ended).toBe(false);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetwire_sse_slow_client_disconnects_total\{tenant="acme"\} 1/);

    const last = await ingestIds(app, [sample('acme-01')]);
    await fast.until(() => fast.events.some((e) => e.id === last[0]), 'the event after the cut', 20_000);
    expect(fast.events.length).toBe(sent + 1);
    slow.destroy();
  });
});

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('condition not met in time');
}
