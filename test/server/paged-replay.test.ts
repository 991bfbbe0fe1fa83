// Resuming streams replay page by page on the memory bus: a page is read from the bus only once the
// previous one is written, so a resume that is never read holds one page (and is cut at the stall
// deadline), while every event after the id still arrives once and in order, live ones included.
import type { ServerResponse } from 'node:http';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBus, type Bus, type BusEvent, type ReplayPage } from '../../server/bus';
import { eventFrame } from '../../server/stream/sse';
import type { FleetSnapshot } from '../../src/shared/fleet';
import { acmeTruck, inject, listen, loginCookie, makeApp, sample, SseReader, waitUntil } from './helpers';

let app: FastifyInstance | null = null;
const sockets: net.Socket[] = [];
const readers: SseReader[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const r of readers.splice(0)) r.close();
  await app?.close();
  app = null;
});

/** What the streams read from the bus's paged replay. */
interface PageLog {
  pages: number;
  events: number;
  resets: number;
}

/**
 * Counts the pages the streams take from `bus.replayPages`; `between` runs after a page was taken
 * and before the next one is read (the stream has written the page by then).
 */
function watchPages(bus: Bus, between?: (log: PageLog) => Promise<void>): PageLog {
  const log: PageLog = { pages: 0, events: 0, resets: 0 };
  const original = bus.replayPages.bind(bus);
  bus.replayPages = (tenant: string, afterId: string) =>
    (async function* counted(): AsyncGenerator<ReplayPage> {
      const pages = original(tenant, afterId)[Symbol.asyncIterator]();
      try {
        for (let first = true; ; first = false) {
          if (!first && between) await between(log);
          const next = await pages.next();
          if (next.done) return;
          if (next.value === 'reset') log.resets++;
          else {
            log.pages++;
            log.events += next.value.length;
          }
          yield next.value;
        }
      } finally {
        await pages.return?.();
      }
    })();
  return log;
}

/** A raw client that asks to resume and then never reads a byte. */
async function pausedReader(url: string, cookie: string, lastEventId: string): Promise<net.Socket> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    `GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nAccept: text/event-stream\r\nLast-Event-ID: ${lastEventId}\r\n\r\n`,
  );
  socket.pause();
  // A paused socket never notices the cut (it reads nothing, RST included): errors are expected.
  socket.on('error', () => undefined);
  return socket;
}

const eventually = (check: () => boolean, what: string, timeoutMs = 10_000) => waitUntil(check, what, timeoutMs);

const truck = acmeTruck;

async function publish(a: FastifyInstance, count: number, label: string, pad = ''): Promise<string[]> {
  const res = await inject(
    a,
    Array.from({ length: count }, (_, k) => sample(truck(k), { driverId: `${label}-${k}${pad}` })),
  );
  expect(res.statusCode).toBe(200);
  return res.json().ids as string[];
}

const seq = (id: string | null) => Number(id?.split('-')[1]);

describe('MemoryBus.replayPages', () => {
  const telemetry = (i: number) => ({
    type: 'telemetry' as const,
    data: { truckId: 'acme-01', ts: 1_700_000_000_000 + i, lat: 0, lon: 0, speedKph: 0, headingDeg: 0 },
  });

  async function collect(pages: AsyncIterable<ReplayPage>, onPage?: () => void): Promise<ReplayPage[]> {
    const out: ReplayPage[] = [];
    for await (const page of pages) {
      out.push(page);
      onPage?.();
    }
    return out;
  }

  it('gives the events after the id in pages of at most replayPage, up to the newest one when it started', async () => {
    const bus = new MemoryBus({ retention: 1_000, epochMs: 1_000, replayPage: 7 });
    bus.publishNow('acme', Array.from({ length: 50 }, (_, i) => telemetry(i)));
    // Events published while the replay runs reach the stream live, not through the replay.
    const pages = await collect(bus.replayPages('acme', '1000-3'), () => bus.publishNow('acme', [telemetry(99)]));
    expect(pages.every((p) => p !== 'reset' && p.length > 0 && p.length <= 7)).toBe(true);
    expect(pages.flatMap((p) => (p === 'reset' ? [] : p.map((e) => e.id)))).toEqual(Array.from({ length: 47 }, (_, i) => `1000-${i + 4}`));
    expect(await collect(bus.replayPages('acme', '1000-57'))).toEqual([]);
    for (const id of ['999-1', '1000-58', 'junk']) expect(await collect(bus.replayPages('acme', id))).toEqual(['reset']);
  });

  it('ends with a reset, after whole pages only, when the ring wraps past the cursor mid-way', async () => {
    const bus = new MemoryBus({ retention: 100, epochMs: 1_000, replayPage: 10 });
    bus.publishNow('acme', Array.from({ length: 100 }, (_, i) => telemetry(i)));
    let taken = 0;
    const pages = await collect(bus.replayPages('acme', '1000-0'), () => {
      // After the third page, 80 more events push 1..80 out of the ring: events 31..80 are gone.
      if (++taken === 3) bus.publishNow('acme', Array.from({ length: 80 }, (_, i) => telemetry(100 + i)));
    });
    expect(pages.at(-1)).toBe('reset');
    expect(pages.slice(0, -1).flatMap((p) => (p === 'reset' ? [] : p.map((e) => e.id)))).toEqual(Array.from({ length: 30 }, (_, i) => `1000-${i + 1}`));
  });
});

describe('paged resume of a stream (memory bus)', () => {
  it('delivers every event once and in order across many pages while events are published during the catch-up', async () => {
    const bus = new MemoryBus({ retention: 100_000, replayPage: 100 });
    app = await makeApp({}, { bus });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const backlog: string[] = [];
    for (let i = 0; i < 5; i++) backlog.push(...(await publish(app, 500, `B${i}`)));
    const live: string[] = [];
    // Between pages (the stream is still catching up), another 7 events are published each time.
    const log = watchPages(bus, async (l) => {
      live.push(...(await publish(app!, 7, `L${l.pages}`)));
    });

    const reader = await SseReader.open(url, cookie, { lastEventId: backlog[249] });
    readers.push(reader);
    await eventually(() => log.pages === 23 && live.length === 23 * 7 && reader.events.length >= 2_250 + live.length, 'the catch-up and the live events');
    const after = await publish(app, 3, 'after');
    await reader.until(() => reader.events.some((e) => e.id === after[2]), 'the events after the catch-up');

    // 2,250 replayed events in pages of 100, and live events published between each.
    expect(log.pages).toBe(23);
    expect(log.events).toBe(2_250);
    expect(log.resets).toBe(0);
    expect(live.length).toBe(23 * 7);
    const ids = reader.events.map((e) => e.id);
    expect(ids).toEqual([...backlog.slice(250), ...live, ...after]);
    expect(reader.events.every((e) => e.event === 'telemetry')).toBe(true);
    expect(ids.map(seq).every((s, i) => s === 251 + i)).toBe(true);
  });

  it('reads only what the socket takes for a resume that is never read, and cuts it at the stall deadline', async () => {
    const replayPage = 100;
    const bus = new MemoryBus({ retention: 100_000, replayPage });
    app = await makeApp({}, { bus, replayStallMs: 1_000 });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    // ~15 MB of frames: far more than the kernel's socket buffers take from a client that never reads.
    const total = 60_000;
    for (let i = 0; i < total / 1_000; i++) await publish(app, 1_000, `S${i}`, 'z'.repeat(50));
    const log = watchPages(bus);
    let socket: net.Socket | null = null;
    app.server.on('request', (req, res: ServerResponse) => {
      if (req.url?.startsWith('/api/stream')) socket = res.socket;
    });
    const started = Date.now();

    await pausedReader(url, cookie, `${bus.epoch}-0`);
    await eventually(() => log.pages > 0, 'the catch-up to start');
    await eventually(() => app!.fleetwire.broadcaster.size === 0, 'the stalled catch-up to be cut');
    const cutAfter = Date.now() - started;
    const pagesRead = log.pages;
    // Nothing is read past the cut either.
    await new Promise((r) => setTimeout(r, 300));
    expect(log.pages).toBe(pagesRead);

    // The kernel took a few MB; the bus was asked for those pages and one more, not the 600 of the backlog.
    const written = (socket as net.Socket | null)?.bytesWritten ?? 0;
    const framed = (n: number) => (bus.replayNow('acme', `${bus.epoch}-0`) as BusEvent[]).slice(0, n).reduce((sum, e) => sum + eventFrame(e).length, 0);
    expect(written).toBeGreaterThan(0);
    expect(framed(log.events)).toBeLessThanOrEqual(written + framed(replayPage));
    expect(pagesRead).toBeLessThan(total / replayPage / 2);
    expect(cutAfter).toBeGreaterThanOrEqual(1_000);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetwire_sse_slow_client_disconnects_total\{tenant="acme"\} 1/);
  });

  it('ends the catch-up with a reset when the history breaks mid-way, then goes live without a hole or a duplicate', async () => {
    const bus = new MemoryBus({ retention: 1_000, replayPage: 100 });
    app = await makeApp({}, { bus });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const backlog = await publish(app, 1_000, 'B');
    let during: string[] = [];
    const log = watchPages(bus, async (l) => {
      // After two pages, 500 events push the ring past the cursor (seq 200): 201..500 are gone.
      if (l.pages === 2) during = await publish(app!, 500, 'D');
    });

    const reader = await SseReader.open(url, cookie, { lastEventId: `${bus.epoch}-0` });
    readers.push(reader);
    await reader.until(() => reader.ofType('reset').length === 1, 'the reset');
    const after = await publish(app, 5, 'after');
    await reader.until(() => reader.events.some((e) => e.id === after[4]), 'the events after the reset');

    expect(log.pages).toBe(2);
    expect(log.resets).toBe(1);
    const at = reader.events.findIndex((e) => e.event === 'reset');
    // Whole pages in order before the reset, never a page past the hole.
    expect(reader.events.slice(0, at).map((e) => e.id)).toEqual(backlog.slice(0, 200));
    const reset = reader.events[at]!;
    const snapshot = JSON.parse(reset.data) as FleetSnapshot;
    expect(reset.id).toBe(during.at(-1));
    expect(snapshot.lastEventId).toBe(during.at(-1));
    // Live from the snapshot on: the events after it, once each.
    expect(reader.events.slice(at + 1).map((e) => e.id)).toEqual(after);
  });
});
