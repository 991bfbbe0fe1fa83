// The hub in real Chromium behind a load balancer of two Redis-bus instances: it resumes on the other one, no reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, launchProfile, logIn, waitForPainted, type Profile } from '../support/browser';
import { SHARED_REDIS_URL, deletePrefix, requireRedis, uniquePrefix } from '../support/redis';
import { ingest, startServer, type RunningServer } from '../support/server';
import { startCountingProxy, type CountingProxy } from '../support/tcp-proxy';
import { freshDatabase, requirePostgres } from '../support/postgres';

const available = (await requireRedis('test/browser/redis.test.ts')) && (await requirePostgres('test/browser/redis.test.ts'));
// Instances of one deployment share one database: accounts (and so sessions) are the same on each.
const database = available ? await freshDatabase('browser_redis') : null;
const prefix = uniquePrefix();
const ENV = {
  ...(database ? { DATABASE_URL: database.url } : {}),
  FLEETWIRE_BUS: 'redis',
  REDIS_URL: SHARED_REDIS_URL,
  FLEETWIRE_REDIS_PREFIX: prefix,
  FLEETWIRE_SESSION_SECRET: 'browser-redis-test-secret-0123456789abcdef',
};
const WAIT_MS = 30_000;

let a: RunningServer;
let b: RunningServer;
let proxy: CountingProxy;
let profile: Profile | null = null;

let ts = Date.now();
function telemetry(truckId: string, speedKph: number) {
  return { truckId, ts: (ts += 1_000), lat: 51.9, lon: 4.5, speedKph, headingDeg: 90 };
}

async function resets(server: RunningServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('fleetwire_sse_resets_total{tenant="acme"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

beforeAll(async () => {
  if (!available) return;
  [a, b] = await Promise.all([startServer(ENV), startServer(ENV)]);
  proxy = await startCountingProxy(a.port);
});

afterAll(async () => {
  await profile?.close();
  await proxy?.close();
  await a?.stop();
  await b?.stop();
  if (available) await deletePrefix(prefix);
  await database?.drop().catch(() => undefined);
});

describe.skipIf(!available)('hub across Redis-bus instances', () => {
  it('resumes on instance B with its last id when instance A dies, without a reload or a reset', async () => {
    profile = await launchProfile();
    await logIn(profile.context, proxy.url, 'ana');
    const page = await profile.context.newPage();
    await page.goto(`${proxy.url}/`);
    await page.waitForFunction(() => window.fleetwire?.ready === true, undefined, { timeout: WAIT_MS });
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    const [onA] = await ingest(a.url, 'demo-acme', [telemetry('acme-03', 61)]);
    await waitForPainted(page, 'acme-03', onA as string, WAIT_MS);
    const epoch = await client(page, async (f) => (await f.diagnostics()).epoch);
    expect(proxy.streamsOpenedTo(a.port)).toBe(1);

    // The balancer now sends everyone to B, and A dies with the stream open.
    proxy.switchTo(b.port, { dropOpen: true });
    a.kill('SIGKILL');
    // Events that arrive while the hub is reconnecting must come in the replay.
    const whileAway = await ingest(b.url, 'demo-acme', [telemetry('acme-04', 62), telemetry('acme-05', 63)]);
    await waitForPainted(page, 'acme-05', whileAway[1] as string, WAIT_MS);
    await waitForPainted(page, 'acme-04', whileAway[0] as string, WAIT_MS);
    const [live] = await ingest(b.url, 'demo-acme', [telemetry('acme-03', 64)]);
    await waitForPainted(page, 'acme-03', live as string, WAIT_MS);

    expect(proxy.streamsOpenedTo(b.port)).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    const diagnostics = await client(page, (f) => f.diagnostics());
    expect(diagnostics.epoch).toBe(epoch);
    expect(diagnostics.lastEventId).toBe(live);
    expect(await client(page, (f) => f.trucks.get('acme-03')?.last?.speedKph)).toBe(64);
    expect(await resets(b)).toBe(0);
  });
});
