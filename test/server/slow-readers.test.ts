// Readers that stop reading, beyond the one-slow-client case of stream.test.ts: many at once, and one
// stuck in the middle of a replay. Each is cut at its bound, readers that keep reading get every
// event, and what the server holds for its clients stays bounded throughout.
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PENDING_EVENTS } from '../../server/stream/broadcaster';
import { acmeTruck, inject, listen, loginCookie, makeApp, sample, SseReader, waitUntil } from './helpers';

/** Hundreds of streams of one session stand for hundreds of browsers here (the per-session cap is tested in limits.test.ts). */
const MANY_STREAMS = { streamsPerSession: 1_000 };

let app: FastifyInstance | null = null;
const sockets: net.Socket[] = [];
const readers: SseReader[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const r of readers.splice(0)) r.close();
  await app?.close();
  app = null;
});

/** A raw client that asks for the stream and then never reads a byte. */
async function pausedReader(url: string, cookie: string, lastEventId?: string): Promise<net.Socket> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const resume = lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : '';
  socket.write(`GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nAccept: text/event-stream\r\n${resume}\r\n`);
  socket.pause();
  // A paused socket never notices the cut (it reads nothing, RST included): errors are expected.
  socket.on('error', () => undefined);
  return socket;
}

/** Every open stream response of the app, as Node holds it: their unsent bytes are the server's cost. */
function trackStreams(a: FastifyInstance): Set<ServerResponse> {
  const open = new Set<ServerResponse>();
  a.server.on('request', (req, res: ServerResponse) => {
    if (!req.url?.startsWith('/api/stream')) return;
    open.add(res);
    res.once('close', () => open.delete(res));
  });
  return open;
}

const eventually = (check: () => boolean, what: string, timeoutMs = 10_000) => waitUntil(check, what, timeoutMs);

const truck = acmeTruck;

describe('readers that stop reading', () => {
  it('cuts 20 paused readers at their bound while 2 reading ones get every event, holding at most the bound per client', async () => {
    const maxBufferedBytes = 128 * 1024;
    app = await makeApp({ ...MANY_STREAMS, retention: 5_000 }, { maxBufferedBytes });
    const streams = trackStreams(app);
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const fast = [await SseReader.open(url, cookie), await SseReader.open(url, cookie)];
    readers.push(...fast);
    for (let i = 0; i < 20; i++) await pausedReader(url, cookie);
    await eventually(() => app!.fleetwire.broadcaster.size === 22, '22 streams');

    let sent = 0;
    let largestFrame = 0;
    let mostHeld = 0;
    for (let i = 0; i < 5_000 && app.fleetwire.broadcaster.size > 2; i++) {
      const batch = Array.from({ length: 100 }, (_, k) => sample(truck(k), { driverId: `D-${i}-${k}-${'x'.repeat(40)}` }));
      const res = await inject(app, batch);
      expect(res.statusCode).toBe(200);
      sent += 100;
      largestFrame = Math.max(largestFrame, Buffer.byteLength(JSON.stringify(batch)) + 100 * 64);
      let held = 0;
      for (const r of streams) held += r.writableLength;
      mostHeld = Math.max(mostHeld, held);
      // A client is cut on the write that takes it past the bound: never more than bound + one batch each.
      expect(held).toBeLessThanOrEqual(streams.size * (maxBufferedBytes + largestFrame));
      await new Promise((r) => setImmediate(r));
    }
    expect(app.fleetwire.broadcaster.size).toBe(2);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetwire_sse_slow_client_disconnects_total\{tenant="acme"\} 20/);
    // The paused readers' backlog is gone with them.
    await eventually(() => streams.size === 2, 'the cut responses to close');
    expect(mostHeld).toBeGreaterThan(0);

    const last = await inject(app, sample('acme-01'));
    const lastId = last.json().ids[0] as string;
    for (const reader of fast) {
      await reader.until(() => reader.events.some((e) => e.id === lastId), 'the event after the cuts', 20_000);
      expect(reader.ended).toBe(false);
      expect(reader.events.length).toBe(sent + 1);
      const ids = reader.events.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('cuts a reader stuck in a replay once its queued live events pass the bound, and a resuming reader still gets everything', async () => {
    app = await makeApp({ ...MANY_STREAMS, retention: 100_000 }, { maxBufferedBytes: 64 * 1024 });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const epoch = app.fleetwire.bus.epoch;
    const batch = (i: number) => Array.from({ length: 1_000 }, (_, k) => sample(truck(k), { driverId: `R-${i}-${k}-${'y'.repeat(40)}` }));
    // A long history, so the replay fills the kernel buffers and then waits for a drain that never comes.
    for (let i = 0; i < 20; i++) expect((await inject(app, batch(i))).statusCode).toBe(200);
    await pausedReader(url, cookie, `${epoch}-0`);
    await eventually(() => app!.fleetwire.broadcaster.size === 1, 'the stuck replay to attach');

    // Live events queue for it while it "catches up": past MAX_PENDING_EVENTS it is cut.
    let live = 0;
    while (app.fleetwire.broadcaster.size > 0 && live <= MAX_PENDING_EVENTS + 2_000) {
      expect((await inject(app, batch(100 + live))).statusCode).toBe(200);
      live += 1_000;
      await new Promise((r) => setImmediate(r));
    }
    expect(app.fleetwire.broadcaster.size).toBe(0);
    expect(live).toBeGreaterThan(MAX_PENDING_EVENTS - 1_000);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetwire_sse_slow_client_disconnects_total\{tenant="acme"\} 1/);

    // The same resume by a reader that reads: every event after the id, once, in order.
    const total = 20_000 + live;
    const reader = await SseReader.open(url, cookie, { lastEventId: `${epoch}-0` });
    readers.push(reader);
    await reader.waitForEvents(total, 30_000);
    const seqs = reader.events.map((e) => Number(e.id?.split('-')[1]));
    expect(seqs.length).toBe(total);
    expect(seqs.every((s, i) => s === i + 1)).toBe(true);
  });
});
