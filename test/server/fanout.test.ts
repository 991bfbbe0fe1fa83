// Fan-out at many connections, over real sockets: every event reaches every client once and in
// order, batches coalesce per turn, HTTP/1.0 streams work, slow clients are cut with bounded memory.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { MemoryBus } from '../../server/bus';
import type { StreamClient } from '../../server/stream/broadcaster';
import type { Telemetry } from '../../src/shared/fleet';
import { inject, listen, loginCookie, makeApp, sample, waitUntil } from './helpers';

/** Hundreds of streams of one session stand for hundreds of browsers here (the per-session cap is tested in limits.test.ts). */
const MANY_STREAMS = { streamsPerSession: 1_000 };

let app: FastifyInstance | null = null;
const sockets: RawStream[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await app?.close();
  app = null;
});

/** One parsed event. */
interface RawEvent {
  id: string;
  event: string;
  data: string;
}

/**
 * An SSE client on a bare socket, as thousands of them cost little: it decodes the HTTP/1.1
 * chunked body (or takes an HTTP/1.0 body as is) and parses events as they arrive.
 */
class RawStream {
  readonly events: RawEvent[] = [];
  /** Body bytes of each HTTP chunk, in order (HTTP/1.1 only). */
  readonly chunks: string[] = [];
  head = '';
  ended = false;
  private raw = '';
  private body = '';
  private chunked: boolean | null = null;

  private constructor(readonly socket: net.Socket) {}

  static async open(url: string, cookie: string, options: { httpVersion?: '1.0' | '1.1'; lastEventId?: string; read?: boolean } = {}): Promise<RawStream> {
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1');
    const s = new RawStream(socket);
    sockets.push(s);
    // A socket that stops reading never notices the server's cut (RST included): errors are expected.
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const resume = options.lastEventId ? `Last-Event-ID: ${options.lastEventId}\r\n` : '';
    socket.write(
      `GET /api/stream HTTP/${options.httpVersion ?? '1.1'}\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nAccept: text/event-stream\r\n${resume}\r\n`,
    );
    if (options.read === false) {
      socket.pause();
      return s;
    }
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => s.feed(d));
    socket.on('close', () => (s.ended = true));
    return s;
  }

  private feed(d: string): void {
    this.raw += d;
    if (this.chunked === null) {
      const end = this.raw.indexOf('\r\n\r\n');
      if (end === -1) return;
      this.head = this.raw.slice(0, end);
      this.chunked = /^transfer-encoding:\s*chunked/im.test(this.head);
      this.raw = this.raw.slice(end + 4);
    }
    if (this.chunked) {
      for (;;) {
        const lineEnd = this.raw.indexOf('\r\n');
        if (lineEnd === -1) break;
        const size = parseInt(this.raw.slice(0, lineEnd), 16);
        if (this.raw.length < lineEnd + 2 + size + 2) break;
        const chunk = this.raw.slice(lineEnd + 2, lineEnd + 2 + size);
        this.raw = this.raw.slice(lineEnd + 2 + size + 2);
        if (size === 0) break;
        this.chunks.push(chunk);
        this.body += chunk;
      }
    } else {
      this.body += this.raw;
      this.raw = '';
    }
    let idx: number;
    while ((idx = this.body.indexOf('\n\n')) >= 0) {
      const block = this.body.slice(0, idx);
      this.body = this.body.slice(idx + 2);
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(': ');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
      }
      const data = fields.get('data');
      if (data !== undefined) this.events.push({ id: fields.get('id') ?? '', event: fields.get('event') ?? 'message', data });
    }
  }

  ids(type = 'telemetry'): string[] {
    return this.events.filter((e) => e.event === type).map((e) => e.id);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

const until = (check: () => boolean, what: string, timeoutMs = 15_000) => waitUntil(check, what, timeoutMs);

async function ingestIds(a: FastifyInstance, items: Telemetry[], key = 'demo-acme'): Promise<string[]> {
  const res = await inject(a, items, key);
  expect(res.statusCode).toBe(200);
  return res.json().ids as string[];
}

const acmeTruck = (i: number) => `acme-${String((i % 24) + 1).padStart(2, '0')}`;

describe('stream fan-out', () => {
  it('delivers every event, once and in order, to 500 clients across tenants', async () => {
    app = await makeApp(MANY_STREAMS);
    const url = await listen(app);
    const [ana, bo] = await Promise.all([loginCookie(app, 'ana'), loginCookie(app, 'bo')]);
    const acme: RawStream[] = [];
    const globex: RawStream[] = [];
    for (let i = 0; i < 500; i++) {
      const s = await RawStream.open(url, i % 5 === 0 ? bo : ana);
      (i % 5 === 0 ? globex : acme).push(s);
    }
    await until(() => app!.fleetwire.broadcaster.size === 500, 'all 500 streams attached');

    const acmeIds: string[] = [];
    const globexIds: string[] = [];
    for (let round = 0; round < 20; round++) {
      // Several requests in flight at once: some land in the same turn and share one flush.
      const [a1, a2, g] = await Promise.all([
        ingestIds(app, Array.from({ length: 5 }, (_, k) => sample(acmeTruck(round * 5 + k)))),
        ingestIds(app, [sample(acmeTruck(round))]),
        ingestIds(app, [sample(`globex-0${(round % 9) + 1}`)], 'demo-globex'),
      ]);
      acmeIds.push(...a1, ...a2);
      globexIds.push(...g);
    }
    // Ids order events; requests in flight together may have been published in either order.
    const byId = (a: string, b: string) => Number(a.split('-')[1]) - Number(b.split('-')[1]);
    acmeIds.sort(byId);
    globexIds.sort(byId);
    const last = (s: RawStream, ids: string[]) => s.events.length > 0 && s.events[s.events.length - 1]?.id === ids[ids.length - 1];
    await until(() => acme.every((s) => last(s, acmeIds)) && globex.every((s) => last(s, globexIds)), 'the last event on every stream');
    for (const s of acme) expect(s.ids()).toEqual(acmeIds);
    for (const s of globex) expect(s.ids()).toEqual(globexIds);
  });

  it('coalesces events published in the same turn into one write per client', async () => {
    app = await makeApp(MANY_STREAMS);
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const clients = await Promise.all(Array.from({ length: 3 }, () => RawStream.open(url, cookie)));
    await until(() => app!.fleetwire.broadcaster.size === 3, 'streams attached');
    const bus = app.fleetwire.bus as MemoryBus;
    const published = Array.from({ length: 5 }, (_, i) => bus.publishNow('acme', [{ type: 'telemetry', data: sample(acmeTruck(i)) }])[0]!.id);
    await until(() => clients.every((c) => c.ids().length === 5), 'five events on every stream');
    for (const c of clients) {
      expect(c.ids()).toEqual(published);
      // The retry preamble is the first chunk; the five events came as one.
      const eventChunks = c.chunks.filter((ch) => ch.includes('event: telemetry'));
      expect(eventChunks).toHaveLength(1);
    }
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetwire_fanout_seconds_count\{tenant="acme"\} 1\n/);
    expect(metrics).toMatch(/fleetwire_events_delivered_total\{tenant="acme"\} 15\n/);
  });

  it('streams to an HTTP/1.0 client as a close-delimited body', async () => {
    app = await makeApp(MANY_STREAMS);
    const url = await listen(app);
    const s = await RawStream.open(url, await loginCookie(app), { httpVersion: '1.0' });
    await until(() => app!.fleetwire.broadcaster.size === 1, 'stream attached');
    const ids = await ingestIds(app, [sample('acme-01'), sample('acme-02')]);
    await until(() => s.ids().length === 2, 'two events');
    expect(s.head).not.toMatch(/transfer-encoding/i);
    expect(s.ids()).toEqual(ids);
  });

  it('never sends an event twice or skips one when a client resumes while events are queued', async () => {
    app = await makeApp(MANY_STREAMS);
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const first = await ingestIds(app, Array.from({ length: 10 }, (_, i) => sample(acmeTruck(i))));
    const bus = app.fleetwire.bus as MemoryBus;
    const resumed: { stream: RawStream; from: number }[] = [];
    const all = [...first];
    // Events published while resuming clients replay: some are queued for the next flush when
    // the catch-up ends, some arrive during the replay.
    for (let round = 0; round < 10; round++) {
      const from = round;
      const opening = RawStream.open(url, cookie, { lastEventId: all[from] });
      all.push(bus.publishNow('acme', [{ type: 'telemetry', data: sample(acmeTruck(round)) }])[0]!.id);
      resumed.push({ stream: await opening, from });
      all.push(bus.publishNow('acme', [{ type: 'telemetry', data: sample(acmeTruck(round + 1)) }])[0]!.id);
      await new Promise((r) => setImmediate(r));
    }
    const tail = await ingestIds(app, [sample('acme-01')]);
    all.push(...tail);
    for (const { stream, from } of resumed) {
      await until(() => stream.ids().includes(tail[0]!), 'the last event');
      expect(stream.ids()).toEqual(all.slice(from + 1));
    }
  });

  it('cuts a client that stops reading while 20 reading clients get every event, and holds at most the bound plus one batch for it', async () => {
    const maxBufferedBytes = 256 * 1024;
    app = await makeApp({ ...MANY_STREAMS, retention: 10_000 }, { maxBufferedBytes });
    const url = await listen(app);
    const cookie = await loginCookie(app);
    const fast = await Promise.all(Array.from({ length: 20 }, () => RawStream.open(url, cookie)));
    const slow = await RawStream.open(url, cookie, { read: false });
    await until(() => app!.fleetwire.broadcaster.size === 21, 'all streams attached');
    const streams: StreamClient[] = app.fleetwire.broadcaster.streams();

    const batch = (i: number) =>
      Array.from({ length: 100 }, (_, k) => sample(acmeTruck(k), { driverId: `D-${i}-${k}-${'x'.repeat(40)}` }));
    // The largest SSE frame a batch makes: every item's JSON plus its id and event lines.
    let largestBatchBytes = 0;
    const ids: string[] = [];
    for (let i = 0; i < 3_000 && app.fleetwire.broadcaster.size > 20; i++) {
      const items = batch(i);
      const got = await ingestIds(app, items);
      ids.push(...got);
      const bytes = items.reduce((n, item, k) => n + Buffer.byteLength(`id: ${got[k]}\nevent: telemetry\ndata: ${JSON.stringify(item)}\n\n`), 0);
      largestBatchBytes = Math.max(largestBatchBytes, bytes + 16);
      await new Promise((r) => setImmediate(r));
    }
    expect(app.fleetwire.broadcaster.size).toBe(20);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetwire_sse_slow_client_disconnects_total\{tenant="acme"\} 1/);
    // Memory per client stays bounded: the slow one was cut before its unsent bytes passed
    // the bound by more than one batch, and nobody else came near it.
    for (const s of streams) expect(s.peakBufferedBytes).toBeLessThanOrEqual(maxBufferedBytes + largestBatchBytes);
    expect(streams.filter((s) => s.closed)).toHaveLength(1);

    const last = await ingestIds(app, [sample('acme-01')]);
    ids.push(...last);
    await until(() => fast.every((s) => s.ids().at(-1) === last[0]), 'the event after the cut on every reading client', 30_000);
    for (const s of fast) {
      expect(s.ended).toBe(false);
      expect(s.ids()).toEqual(ids);
    }
    slow.destroy();
  });
});
