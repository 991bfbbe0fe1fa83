/**
 * The server a user would otherwise write with better-sse: Fastify, one better-sse channel per
 * tenant, every ingested sample broadcast to the channel as it arrives. It speaks fleetwire's wire
 * format (`id:`, `event: telemetry`, `data:` JSON) and ingest shape (`POST /api/ingest`, `Authorization:
 * Bearer <device key>`, one object or an array, replies `{ids}`), so bench/server drives both alike.
 *
 * Differences from fleetwire, on purpose (what such a server usually leaves out): no login — the
 * stream picks its tenant with `?tenant=acme`; ingest checks only the key and the truck's tenant,
 * not every field; no alerts, no fleet store, no history, so no resume by id; no slow-client bound.
 *
 * Run: `node --import tsx bench/baselines/better-sse-server.ts` (PORT, HOST as for fleetwire). It
 * prints `better-sse baseline listening on http://…` once ready.
 */
import Fastify from 'fastify';
import { createChannel, createSession, type Channel } from 'better-sse';

/** Device key → tenant, as in fleetwire's demo. */
const DEVICE_KEYS: Record<string, string> = { 'demo-acme': 'acme', 'demo-globex': 'globex' };
/** Trucks per tenant, as in fleetwire's demo fleet (acme-01 … acme-24, globex-01 … globex-10). */
const TRUCKS: Record<string, number> = { acme: 24, globex: 10 };
/** Same keep-alive and retry as fleetwire's stream, so both send the same bytes when idle. */
const KEEP_ALIVE_MS = 10_000;
const RETRY_MS = 3_000;

const epoch = Date.now();
const channels = new Map<string, Channel>(Object.keys(TRUCKS).map((t) => [t, createChannel()]));
const seq = new Map<string, number>(Object.keys(TRUCKS).map((t) => [t, 0]));

function truckTenant(truckId: unknown): string | null {
  if (typeof truckId !== 'string') return null;
  const m = /^([a-z]+)-(\d{2})$/.exec(truckId);
  if (!m) return null;
  const count = TRUCKS[m[1] as string];
  const n = Number(m[2]);
  return count !== undefined && n >= 1 && n <= count ? (m[1] as string) : null;
}

const app = Fastify({ logger: false, bodyLimit: 1_048_576 });

app.get('/api/stream', async function stream(request, reply) {
  const tenant = (request.query as { tenant?: string }).tenant ?? 'acme';
  const channel = channels.get(tenant);
  if (!channel) return reply.code(404).send({ error: 'not_found', message: `no tenant "${tenant}"` });
  reply.hijack();
  const session = await createSession(request.raw, reply.raw, { keepAlive: KEEP_ALIVE_MS, retry: RETRY_MS });
  channel.register(session);
});

app.post('/api/ingest', async function ingest(request, reply) {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  const tenant = match ? DEVICE_KEYS[match[1] as string] : undefined;
  if (!tenant) return reply.code(401).send({ error: 'invalid_device_key', message: 'Send "Authorization: Bearer <key>".' });
  const items = Array.isArray(request.body) ? (request.body as Record<string, unknown>[]) : [request.body as Record<string, unknown>];
  for (const item of items) {
    if (truckTenant(item?.truckId) !== tenant) {
      return reply.code(400).send({ error: 'unknown_truck', message: `truckId ${String(item?.truckId)} is not a truck of ${tenant}` });
    }
  }
  const channel = channels.get(tenant) as Channel;
  const ids: string[] = [];
  for (const item of items) {
    const n = (seq.get(tenant) ?? 0) + 1;
    seq.set(tenant, n);
    const id = `${epoch}-${n}`;
    channel.broadcast(item, 'telemetry', { eventId: id });
    ids.push(id);
  }
  return { ids };
});

app.get('/healthz', async () => ({ ok: true }));

const host = process.env.HOST ?? '127.0.0.1';
await app.listen({ port: Number(process.env.PORT ?? 8090), host });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`better-sse baseline listening on http://${host}:${port}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    for (const channel of channels.values()) for (const s of channel.activeSessions) channel.deregister(s);
    // Open streams would hold close() forever; the process is a benchmark fixture, so just go.
    process.exit(0);
  });
}
