// OsmAnd devices (the Traccar Client app, GPS trackers) report through /api/osmand with a device key bound to a truck.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Telemetry } from '../../src/shared/fleet';
import { loginCookie, makeApp } from './helpers';

let app: FastifyInstance;
let ana: string;
let key: string;
let unbound: string;
const logLines: string[] = [];

beforeAll(async () => {
  const logs = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  app = await makeApp({}, { logger: { level: 'info', stream: logs } });
  ana = await loginCookie(app);
  const issue = async (body: object) => {
    const res = await app.inject({ method: 'POST', url: '/api/admin/device-keys', headers: { cookie: ana }, payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { key: string }).key;
  };
  key = await issue({ label: 'phone in acme-05', truckId: 'acme-05' });
  unbound = await issue({ label: 'gateway' });
});
afterAll(async () => {
  await app.close();
});

async function history(): Promise<Telemetry[]> {
  const res = await app.inject({ url: '/api/trucks/acme-05/history?since=0', headers: { cookie: ana } });
  return (res.json() as { telemetry: Telemetry[] }).telemetry;
}

const base = Math.floor(Date.now() / 1000) - 3_600;

describe('/api/osmand', () => {
  it('takes a query-string report: 200, empty body, knots → km/h, epoch seconds, battery kept', async () => {
    const ts = base + 1;
    const res = await app.inject({ url: `/api/osmand?id=${encodeURIComponent(key)}&lat=51.92&lon=4.48&timestamp=${ts}&speed=10&bearing=270&altitude=12.5&accuracy=6&batt=87` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toBe('');
    const stored = (await history()).find((t) => t.ts === ts * 1000);
    expect(stored).toMatchObject({ truckId: 'acme-05', lat: 51.92, lon: 4.48, speedKph: 18.52, headingDeg: 270, altitudeM: 12.5, accuracyM: 6, batteryPct: 87 });
  });

  it('takes a form POST, a flat JSON body and the Traccar Client JSON (m/s, battery 0..1, ISO time)', async () => {
    const form = await app.inject({
      method: 'POST',
      url: '/api/osmand',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ id: key, lat: '52.1', lon: '5.1', timestamp: String(base + 2), speed: '0' }).toString(),
    });
    expect(form.statusCode, form.body).toBe(200);
    const flat = await app.inject({ method: 'POST', url: '/api/osmand', payload: { id: key, lat: 52.2, lon: 5.2, timestamp: base + 3, speed: 20 } });
    expect(flat.statusCode, flat.body).toBe(200);
    const iso = new Date((base + 4) * 1000).toISOString();
    const traccar = await app.inject({
      method: 'POST',
      url: '/api/osmand',
      payload: {
        device_id: key,
        location: { timestamp: iso, coords: { latitude: 52.3, longitude: 5.3, speed: 10, heading: 90, altitude: 3, accuracy: 4 }, battery: { level: 0.5, is_charging: false } },
      },
    });
    expect(traccar.statusCode, traccar.body).toBe(200);
    const rows = await history();
    expect(rows.find((t) => t.ts === (base + 2) * 1000)).toMatchObject({ lat: 52.1, speedKph: 0 });
    expect(rows.find((t) => t.ts === (base + 3) * 1000)).toMatchObject({ lat: 52.2, speedKph: 37.04 });
    expect(rows.find((t) => t.ts === (base + 4) * 1000)).toMatchObject({ lat: 52.3, speedKph: 36, headingDeg: 90, batteryPct: 50 });
  });

  it('401s an unknown, missing or revoked key and 400s bad fields naming them; nothing is stored', async () => {
    const before = (await history()).length;
    const ts = base + 10;
    expect((await app.inject({ url: `/api/osmand?id=not-a-key&lat=1&lon=1&timestamp=${ts}` })).statusCode).toBe(401);
    expect((await app.inject({ url: `/api/osmand?lat=1&lon=1&timestamp=${ts}` })).statusCode).toBe(401);
    for (const [query, field] of [
      [`lat=95&lon=1&timestamp=${ts}`, 'lat'],
      [`lat=abc&lon=1&timestamp=${ts}`, 'lat'],
      [`lat=1&lon=200&timestamp=${ts}`, 'lon'],
      [`lon=1&timestamp=${ts}`, 'lat'],
      [`lat=1&lon=1&timestamp=yesterday`, 'timestamp'],
      [`lat=1&lon=1&timestamp=${ts}&speed=fast`, 'speed'],
      [`lat=1&lon=1&timestamp=${ts}&batt=150`, 'batt'],
    ] as const) {
      const res = await app.inject({ url: `/api/osmand?id=${encodeURIComponent(key)}&${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().message, query).toMatch(new RegExp(`^${field}\\b`));
    }
    // A key that names no truck cannot say which truck reports.
    const noTruck = await app.inject({ url: `/api/osmand?id=${encodeURIComponent(unbound)}&lat=1&lon=1&timestamp=${ts}` });
    expect(noTruck.statusCode).toBe(400);
    expect(noTruck.json().message).toMatch(/^id\b/);
    expect((await history()).length).toBe(before);

    const prefix = key.slice(0, 8);
    expect((await app.inject({ method: 'DELETE', url: `/api/admin/device-keys/${prefix}`, headers: { cookie: ana } })).statusCode).toBe(204);
    expect((await app.inject({ url: `/api/osmand?id=${encodeURIComponent(key)}&lat=1&lon=1&timestamp=${ts}` })).statusCode).toBe(401);
    expect((await history()).length).toBe(before);
  });

  it('never writes a device key to the log', () => {
    const text = logLines.join('');
    expect(text).toContain('/api/osmand');
    expect(text).not.toContain(key);
    expect(text).not.toContain(unbound);
  });
});
