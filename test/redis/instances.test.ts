// Two fleetwire processes on one Redis: an instance dies mid-stream, the client resumes on the other.
import { afterAll, describe, expect, it } from 'vitest';
import { SseReader } from '../server/helpers';
import { ingest, login, startServer, type RunningServer } from '../support/server';
import { SHARED_REDIS_URL, deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { freshDatabase, requirePostgres } from '../support/postgres';

const available = (await requireRedis('test/redis/instances.test.ts')) && (await requirePostgres('test/redis/instances.test.ts'));
// Instances of one deployment share one database: accounts (and so sessions) are the same on each.
const database = available ? await freshDatabase('instances') : null;
const prefix = uniquePrefix();
const ENV = {
  ...(database ? { DATABASE_URL: database.url } : {}),
  FLEETWIRE_BUS: 'redis',
  REDIS_URL: SHARED_REDIS_URL,
  FLEETWIRE_REDIS_PREFIX: prefix,
  // Every instance of a deployment shares the secret, so a session from A is good on B.
  FLEETWIRE_SESSION_SECRET: 'instances-test-secret-0123456789abcdef',
};
/** Events in the failover run: thousands, in batches a device might send. */
const TOTAL_EVENTS = 3_000;
const BATCH = 25;

const servers: RunningServer[] = [];
const readers: SseReader[] = [];

afterAll(async () => {
  for (const r of readers) r.close();
  for (const s of servers) await s.stop();
  await deletePrefix(prefix);
  await database?.drop().catch(() => undefined);
});

let ts = Date.now();
function batch(n: number) {
  // Ordinary driving: no alert, so every stream event is one of these samples.
  return Array.from({ length: n }, (_, i) => ({
    truckId: `acme-${String((i % 20) + 1).padStart(2, '0')}`,
    ts: (ts += 10),
    lat: 51.9,
    lon: 4.5,
    speedKph: 70,
    headingDeg: 90,
    engineOn: true,
  }));
}

describe.skipIf(!available)('two server processes on one Redis', () => {
  it('delivers ingest on B to A; A dies mid-stream while B keeps ingesting; the client resumes on B: every event once, in order', async () => {
    const [a, b] = await Promise.all([startServer(ENV), startServer(ENV)]);
    servers.push(a, b);
    const cookie = await login(a.url, 'ana', 'fleetwire');

    const onA = await SseReader.open(a.url, cookie);
    readers.push(onA);
    const [firstId] = await ingest(b.url, 'demo-acme', batch(1));
    await onA.waitForEvents(1);
    expect(onA.events[0]).toMatchObject({ id: firstId, event: 'telemetry' });

    // Ingest on B without pause; kill A once the client is well into the run.
    const published: string[] = [firstId as string];
    const writer = (async () => {
      while (published.length < TOTAL_EVENTS) {
        published.push(...(await ingest(b.url, 'demo-acme', batch(Math.min(BATCH, TOTAL_EVENTS - published.length)))));
      }
    })();
    await onA.waitForEvents(TOTAL_EVENTS / 3, 30_000);
    a.kill('SIGKILL');
    // Mid-run: B is still taking events.
    expect(published.length).toBeLessThan(TOTAL_EVENTS);
    await onA.waitForEnd(10_000);
    const seenOnA = onA.events.map((e) => e.id as string);
    expect(seenOnA.length).toBeLessThan(TOTAL_EVENTS);

    // As EventSource does: reconnect (here, to the surviving instance) with the last id received.
    const onB = await SseReader.open(b.url, cookie, { lastEventId: seenOnA.at(-1) as string });
    readers.push(onB);
    await writer;
    await onB.waitForEvents(TOTAL_EVENTS - seenOnA.length, 30_000);
    await new Promise((r) => setTimeout(r, 300));

    expect(onB.ofType('reset')).toHaveLength(0);
    const received = [...seenOnA, ...onB.events.map((e) => e.id as string)];
    expect(received.length).toBe(TOTAL_EVENTS);
    expect(received).toEqual(published);
  });
});
