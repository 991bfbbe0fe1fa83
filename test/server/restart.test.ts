// What an admin and the devices put in the store survives a restart, on the embedded database and on PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import type { FleetSnapshot, Telemetry } from '../../src/shared/fleet';
import { freshDataDir } from '../support/database';
import { freshDatabase, requirePostgres, type FreshDatabase } from '../support/postgres';
import { login, startServer, type RunningServer } from '../support/server';

const postgres = await requirePostgres('test/server/restart.test.ts');
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

async function api(url: string, path: string, cookie: string, body?: unknown): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** 600 samples over 3 hours, oldest first. */
function samples(truckId: string, end: number): Telemetry[] {
  return Array.from({ length: 600 }, (_, i) => ({ truckId, ts: end - (600 - i) * 18_000, lat: 50 + i / 1000, lon: 8, speedKph: i % 90, headingDeg: 90 }));
}

const engines: [string, () => Promise<Record<string, string>>][] = [
  [
    'the embedded database',
    async () => {
      const data = await freshDataDir();
      cleanup.push(data.remove);
      return { FLEETWIRE_DATA_DIR: data.dir };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const db: FreshDatabase = await freshDatabase('restart');
      cleanup.push(db.drop);
      return { DATABASE_URL: db.url };
    },
  ],
];

describe.each(engines)('a restart on %s', (name, where) => {
  it.skipIf(name === 'PostgreSQL' && !postgres)('keeps operators, device keys, trucks and telemetry history', async () => {
    const env = { ...(await where()), FLEETWIRE_SESSION_SECRET: 'restart-test-secret-0123456789abcdef' };
    let server: RunningServer = await startServer(env);
    cleanup.push(() => server.stop());
    const ana = await login(server.url, 'ana', 'fleetwire');
    expect((await api(server.url, '/api/admin/operators', ana, { username: 'night-shift', password: 'stars and coffee', role: 'operator' })).status).toBe(201);
    expect((await api(server.url, '/api/admin/trucks', ana, { id: 'reefer-9', name: 'Reefer nine', reeferSetpointC: -18 })).status).toBe(201);
    const { key } = (await (await api(server.url, '/api/admin/device-keys', ana, { label: 'reefer-9 unit', truckId: 'reefer-9' })).json()) as { key: string };
    const sent = samples('reefer-9', Date.now());
    const ingest = await fetch(`${server.url}/api/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(sent),
    });
    expect(ingest.status).toBe(200);
    const before = ((await (await api(server.url, `/api/trucks/reefer-9/history?since=0&limit=10000`, ana)).json()) as { telemetry: Telemetry[] }).telemetry;
    expect(before).toHaveLength(sent.length);

    // SIGTERM: the server writes what it accepted before it exits.
    await server.stop();
    server = await startServer(env);

    const night = await login(server.url, 'night-shift', 'stars and coffee');
    expect(await (await api(server.url, '/api/me', night)).json()).toMatchObject({ username: 'night-shift', tenant: 'acme', role: 'operator' });
    const history = (await (await api(server.url, `/api/trucks/reefer-9/history?since=0&limit=10000`, night)).json()) as { telemetry: Telemetry[] };
    expect(history.telemetry.map((t) => t.ts)).toEqual(sent.map((t) => t.ts));
    expect(history.telemetry).toEqual(before);
    const csv = await (await fetch(`${server.url}/api/trucks/reefer-9/history?since=0&limit=10000&format=csv`, { headers: { cookie: night } })).text();
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^ts_iso,ts_ms,lat_deg,lon_deg,speed_kph,heading_deg/);
    expect(lines.slice(1).map((l) => Number(l.split(',')[1]))).toEqual(sent.map((t) => t.ts));
    // The truck is back, where it was last seen.
    const fleet = (await (await api(server.url, '/api/fleet', night)).json()) as FleetSnapshot;
    const truck = fleet.trucks.find((t) => t.id === 'reefer-9');
    expect(truck).toMatchObject({ name: 'Reefer nine', reeferSetpointC: -18 });
    expect(truck?.last?.ts).toBe(sent.at(-1)?.ts);
    // The device key still works.
    const again = await fetch(`${server.url}/api/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ truckId: 'reefer-9', ts: Date.now(), lat: 50, lon: 8, speedKph: 1, headingDeg: 0 }),
    });
    expect(again.status).toBe(200);
    await server.stop();
    // Two server starts and a restart: seconds each on a busy machine.
  }, 90_000);
});
