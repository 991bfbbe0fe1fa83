// A load-generator child of bench/server/run.ts: either thousands of raw SSE clients, or the device
// ingest. Loopback only, bounded in time (it exits after `lifetimeMs` whatever happens), driven over IPC.
import http from 'node:http';
import net from 'node:net';
import type { ChildConfig, ClientsConfig, FromChild, Histogram, IngestConfig, ToChild } from './protocol';

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
if (config.host !== '127.0.0.1') throw new Error(`bench/server/load: loopback only, got host ${config.host}`);

function send(message: FromChild): void {
  process.send?.(message);
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function record(h: Histogram, ms: number): void {
  const bucket = Math.max(0, Math.round(ms));
  h[bucket] = (h[bucket] ?? 0) + 1;
}

// Never outlive the run, even if the coordinator dies without a word.
const lifetime = setTimeout(() => process.exit(0), config.lifetimeMs);
lifetime.unref();
process.on('disconnect', () => process.exit(0));

// ---------------------------------------------------------------------------------------------
// Stream clients

/**
 * What every client counts: the end of an `event: telemetry` line, with or without the optional
 * space after the colon (fleetwire writes `event: telemetry`, better-sse `event:telemetry`). A data
 * line never ends in it: JSON has no raw newline and ends in `}`.
 */
const PATTERN_TEXT = 'telemetry\n';
const TAIL = PATTERN_TEXT.length - 1;
/** One read buffer for every socket of the process: reads are synchronous callbacks, so it is never shared at once. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
const HEAD_END = Buffer.from('\r\n\r\n');

interface Client {
  tenant: string;
  socket: net.Socket | null;
  /** The end of the previous read, shorter than the pattern. */
  tail: string;
  received: number;
  headDone: boolean;
  open: boolean;
  closed: boolean;
  /** Probe clients keep the text after the last complete event, to read `ts` from each event. */
  probeText: string | null;
}

/**
 * Counts the pattern in one read. The read becomes a latin1 string (one copy) and is searched with
 * String#indexOf, about twice as fast as Buffer#indexOf per match; the last PATTERN.length - 1
 * characters of the previous read are prepended, so a pattern cut by a read boundary counts once
 * (an occurrence starting in that tail must end in the new read, so it was not counted before).
 */
function countEvents(c: Client, text: string): void {
  const all = c.tail + text;
  let at = all.indexOf(PATTERN_TEXT);
  while (at !== -1) {
    c.received += 1;
    at = all.indexOf(PATTERN_TEXT, at + PATTERN_TEXT.length);
  }
  c.tail = all.length >= TAIL ? all.slice(all.length - TAIL) : all;
}

const TS = /"ts":(\d+)/;
const DEBUG = process.env.BENCH_SERVER_DEBUG === '1';
const slowSamples: [number, number][] = [];

function probe(c: Client, read: string, now: number, latency: Histogram): void {
  const text = (c.probeText ?? '') + read;
  let start = 0;
  let end: number;
  while ((end = text.indexOf('\n\n', start)) !== -1) {
    const block = text.slice(start, end);
    if (block.includes('telemetry\n')) {
      const m = TS.exec(block);
      if (m) {
        record(latency, now - Number(m[1]));
        if (DEBUG && now - Number(m[1]) > 100) slowSamples.push([Number(m[1]), now - Number(m[1])]);
      }
    }
    start = end + 2;
  }
  c.probeText = text.slice(start);
}

async function runClients(cfg: ClientsConfig): Promise<void> {
  const clients: Client[] = [];
  const latency: Histogram = {};
  let probes = 0;
  for (const g of cfg.groups) {
    for (let i = 0; i < g.count; i++) {
      const isProbe = clients.length % cfg.probeEvery === 0 && probes < cfg.maxProbes;
      if (isProbe) probes++;
      clients.push({ tenant: g.tenant, socket: null, tail: '', received: 0, headDone: false, open: false, closed: false, probeText: isProbe ? '' : null });
    }
  }
  const requests = cfg.groups.map((g) =>
    Buffer.from(`GET ${g.path} HTTP/1.1\r\nHost: ${cfg.host}:${cfg.port}\r\nAccept: text/event-stream\r\n${g.headers.map((h) => `${h}\r\n`).join('')}\r\n`),
  );
  const groupOf: number[] = [];
  cfg.groups.forEach((g, gi) => {
    for (let i = 0; i < g.count; i++) groupOf.push(gi);
  });

  let failed = 0;
  let reads = 0;
  function open(c: Client, request: Buffer): Promise<void> {
    return new Promise((resolve) => {
      let settled = false;
      const done = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const socket = net.connect({
        host: cfg.host,
        port: cfg.port,
        onread: {
          buffer: READ_BUFFER,
          callback(n: number, buf: Uint8Array): boolean {
            const b = buf as Buffer;
            if (!c.headDone) {
              // The response head arrives in the first read (a few hundred bytes).
              const end = b.indexOf(HEAD_END);
              if (end === -1 || end >= n) return true;
              c.headDone = true;
              c.open = b.toString('latin1', 0, 12).endsWith('200');
              if (!c.open) failed++;
              done();
              const bodyStart = end + HEAD_END.length;
              if (bodyStart >= n) return true;
              // Rare: body in the same read as the head. Shift it to the start of the shared buffer.
              b.copy(b, 0, bodyStart, n);
              n -= bodyStart;
            }
            reads++;
            const text = b.toString('latin1', 0, n);
            countEvents(c, text);
            if (c.probeText !== null) probe(c, text, Date.now(), latency);
            return true;
          },
        },
      });
      c.socket = socket;
      socket.setNoDelay(true);
      socket.once('connect', () => socket.write(request));
      socket.on('error', () => undefined);
      socket.once('close', () => {
        if (!c.headDone) failed++;
        c.closed = true;
        c.open = false;
        done();
      });
    });
  }

  async function connectAll(): Promise<void> {
    const t0 = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < clients.length) {
        const i = next++;
        await open(clients[i] as Client, requests[groupOf[i] as number] as Buffer);
      }
    };
    await Promise.all(Array.from({ length: cfg.connectConcurrency }, worker));
    send({ type: 'connected', open: clients.filter((c) => c.open).length, failed, ms: Date.now() - t0 });
  }

  const total = () => clients.reduce((s, c) => s + c.received, 0);
  process.on('message', (msg: ToChild) => {
    if (msg.type === 'connect') void connectAll();
    else if (msg.type === 'mark') send({ type: 'mark', name: msg.name, received: total(), at: Date.now() });
    else if (msg.type === 'report') {
      const perClient: Record<string, number[]> = {};
      for (const c of clients) (perClient[c.tenant] ??= []).push(c.received);
      if (DEBUG) {
        const bySecond = new Map<number, number>();
        for (const [ts, l] of slowSamples) bySecond.set(Math.floor(ts / 100), Math.max(bySecond.get(Math.floor(ts / 100)) ?? 0, l));
        process.stderr.write(`slow samples by 100ms: ${JSON.stringify([...bySecond])}\n`);
      }
      send({ type: 'report', perClient, closed: clients.filter((c) => c.closed).length, latency, reads, cpuMs: cpuMs() });
    } else if (msg.type === 'stop') {
      for (const c of clients) c.socket?.destroy();
      setTimeout(() => process.exit(0), 50);
    }
  });
  void probes;
}

// ---------------------------------------------------------------------------------------------
// Device ingest

async function runIngest(cfg: IngestConfig): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const accepted: Record<string, number> = {};
  const sentBy: Record<string, number> = {};
  const latency: Histogram = {};
  let errors = 0;
  let requests = 0;
  let inflight = 0;

  function post(tenant: string, items: object[]): void {
    const body = JSON.stringify(items);
    const sent = Date.now();
    inflight++;
    requests++;
    const req = http.request(
      {
        host: cfg.host,
        port: cfg.port,
        method: 'POST',
        path: '/api/ingest',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${cfg.keys[tenant]}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          inflight--;
          record(latency, Date.now() - sent);
          if (res.statusCode !== 200) {
            errors++;
            return;
          }
          const ids = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ids: string[] }).ids;
          accepted[tenant] = (accepted[tenant] ?? 0) + ids.length;
        });
      },
    );
    req.on('error', () => {
      inflight--;
      errors++;
    });
    req.end(body);
  }

  async function start(): Promise<void> {
    const t0 = Date.now();
    const c0 = cpuMs();
    let sent = 0;
    let truck = 0;
    while (Date.now() - t0 < cfg.durationMs) {
      const due = Math.min(Math.floor(((Date.now() - t0) * cfg.ratePerS) / 1000), Math.floor((cfg.durationMs * cfg.ratePerS) / 1000)) - sent;
      const byTenant = new Map<string, object[]>();
      const ts = Date.now();
      for (let i = 0; i < due; i++) {
        const truckId = cfg.trucks[truck++ % cfg.trucks.length] as string;
        const tenant = truckId.slice(0, truckId.lastIndexOf('-'));
        let list = byTenant.get(tenant);
        if (!list) byTenant.set(tenant, (list = []));
        list.push({ truckId, ts, lat: 51.9, lon: 4.48 + (sent + i) * 1e-6, speedKph: 62, headingDeg: 90, engineOn: true });
      }
      sent += Math.max(0, due);
      for (const [tenant, items] of byTenant) {
        sentBy[tenant] = (sentBy[tenant] ?? 0) + items.length;
        post(tenant, items);
      }
      await new Promise((r) => setTimeout(r, cfg.tickMs));
    }
    const end = Date.now();
    send({ type: 'sent', sent: sentBy, ms: end - t0 });
    // Wait for the last replies, but not forever: a server far behind may take minutes to answer.
    const giveUp = Date.now() + cfg.replyWaitMs;
    while (inflight > 0 && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 10));
    send({ type: 'ingested', accepted, errors, unanswered: inflight, requests, latency, ms: end - t0, cpuMs: cpuMs() - c0 });
  }

  process.on('message', (msg: ToChild) => {
    if (msg.type === 'start') void start();
    else if (msg.type === 'stop') {
      agent.destroy();
      setTimeout(() => process.exit(0), 50);
    }
  });
}

if (config.role === 'clients') void runClients(config);
else void runIngest(config);
