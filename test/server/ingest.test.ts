// Device ingest: ids in order, every refusal with its message, and nothing stored on a refusal.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { FleetSnapshot } from '../../src/shared/fleet';
import { inject, loginCookie, makeApp, sample } from './helpers';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function fleet(a: FastifyInstance, username = 'ana'): Promise<FleetSnapshot> {
  const res = await a.inject({ url: '/api/fleet', headers: { cookie: await loginCookie(a, username) } });
  expect(res.statusCode).toBe(200);
  return res.json() as FleetSnapshot;
}

describe('POST /api/ingest', () => {
  it('accepts one object or an array and replies with ids in input order', async () => {
    app = await makeApp();
    const one = await inject(app, sample('acme-01'));
    expect(one.statusCode).toBe(200);
    expect(one.json().ids).toHaveLength(1);

    const batch = [sample('acme-02'), sample('acme-03'), sample('acme-02')];
    const res = await inject(app, batch);
    const ids = res.json().ids as string[];
    expect(ids).toHaveLength(3);
    const seqs = [one.json().ids[0] as string, ...ids].map((id) => Number(id.split('-')[1]));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(4);

    const snap = await fleet(app);
    const t2 = snap.trucks.find((t) => t.id === 'acme-02');
    expect(t2?.last).toMatchObject({ truckId: 'acme-02', ts: batch[2]?.ts });
    expect(t2?.lastEventId).toBe(ids[2]);
    expect(snap.lastEventId).toBe(ids[2]);
  });

  it('normalizes ts from ISO 8601 to epoch ms', async () => {
    app = await makeApp();
    // Inside the kept history (an older sample would not be kept), and older than any other sample of the truck.
    const at = new Date(Date.now() - 20 * 86_400_000);
    const local = `${at.toISOString().slice(0, 10)}T12:00:00.250+01:00`;
    const expected = Date.parse(`${at.toISOString().slice(0, 10)}T11:00:00.250Z`);
    const res = await inject(app, { ...sample('acme-01'), ts: local });
    expect(res.statusCode).toBe(200);
    const cookie = await loginCookie(app);
    const history = await app.inject({ url: `/api/trucks/acme-01/history?since=${expected}&until=${expected + 1}`, headers: { cookie } });
    expect(history.json().telemetry.map((t: { ts: number }) => t.ts)).toEqual([expected]);
  });

  it('400s a bad field naming it and its index, and stores nothing of the batch', async () => {
    app = await makeApp();
    const before = await fleet(app);
    const batch = [sample('acme-01'), sample('acme-02'), sample('acme-03'), sample('acme-04', { lat: 123 })];
    const res = await inject(app, batch);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_telemetry', message: 'items[3].lat must be a number between -90 and 90' });
    expect(await fleet(app)).toEqual(before);
  });

  it.each([
    [{ speedKph: -1 }, 'items[0].speedKph must be'],
    [{ ts: 'yesterday' }, 'items[0].ts must be an ISO 8601'],
    [{ ts: 1_700_000_000 }, 'items[0].ts must be'],
    [{ fuelPct: '50' }, 'items[0].fuelPct must be a percentage'],
    [{ engineOn: 'yes' }, 'items[0].engineOn must be true or false'],
    [{ speedKmh: 3 }, 'items[0].speedKmh is not a telemetry field'],
  ])('400s %j with a message naming the field', async (patch, message) => {
    app = await makeApp();
    const res = await inject(app, [{ ...sample('acme-01'), ...patch }]);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toContain(message);
  });

  it('400s a missing field, a non-object and empty or oversized arrays', async () => {
    app = await makeApp();
    const { lat: _lat, ...noLat } = sample('acme-01');
    expect((await inject(app, noLat)).json().message).toBe('lat is required: a number between -90 and 90');
    expect((await inject(app, [sample(), 42])).json().message).toBe('items[1] must be a telemetry object, got number 42');
    expect((await inject(app, [])).statusCode).toBe(400);
    const tooMany = Array.from({ length: 1001 }, () => sample('acme-01'));
    const res = await inject(app, tooMany);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/1 to 1000 telemetry items/);
  });

  it('answers another tenant’s truck exactly like a missing one (400), so a key learns nothing of other fleets; neither stores anything', async () => {
    app = await makeApp();
    const before = await fleet(app);
    const unknown = await inject(app, [sample('acme-01'), sample('globex-99')]);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ error: 'unknown_truck', message: expect.stringContaining('items[1].truckId "globex-99"') });
    const foreign = await inject(app, [sample('acme-01'), sample('globex-01')]);
    expect(foreign.statusCode).toBe(400);
    // The same answer, word for word, but for the id.
    expect(foreign.json()).toEqual({ ...unknown.json(), message: unknown.json().message.replaceAll('globex-99', 'globex-01') });
    expect(await fleet(app)).toEqual(before);
    expect((await fleet(app, 'bo')).lastEventId).toBeNull();
  });

  it('401s a missing or wrong device key', async () => {
    app = await makeApp();
    const none = await app.inject({ method: 'POST', url: '/api/ingest', payload: sample() });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'invalid_device_key', message: expect.stringContaining('Authorization: Bearer') });
    const wrong = await inject(app, sample(), 'not-a-key');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().message).toMatch(/not valid/);
  });

  it('413s a body over 1 MB with JSON', async () => {
    app = await makeApp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
      payload: JSON.stringify([{ ...sample(), driverId: 'x'.repeat(1_100_000) }]),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'body_too_large', message: expect.stringMatching(/1 MB/) });
  });

  it('415s a non-JSON body and 400s malformed JSON', async () => {
    app = await makeApp();
    const text = await app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: 'Bearer demo-acme', 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect(text.statusCode).toBe(415);
    expect(text.json().error).toBe('unsupported_media_type');
    const broken = await app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
      payload: '{"truckId": "acme-01",',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toBe('invalid_json');
  });

  it('refuses prototype-pollution keys without polluting anything', async () => {
    app = await makeApp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' },
      payload: `{"truckId":"acme-01","ts":${Date.now()},"lat":1,"lon":1,"speedKph":1,"headingDeg":1,"__proto__":{"polluted":true}}`,
    });
    expect(res.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('GET /api/trucks/:id/history', () => {
  it('returns the truck’s samples since a time, and 404 for another tenant’s truck', async () => {
    app = await makeApp();
    const t0 = Date.now();
    await inject(app, [sample('acme-05', { ts: t0 - 60_000 }), sample('acme-05', { ts: t0 - 1_000 }), sample('acme-05', { ts: t0 })]);
    const cookie = await loginCookie(app);
    const res = await app.inject({ url: `/api/trucks/acme-05/history?since=${t0 - 5_000}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect((res.json().telemetry as { ts: number }[]).map((t) => t.ts)).toEqual([t0 - 1_000, t0]);
    const all = await app.inject({ url: '/api/trucks/acme-05/history', headers: { cookie } });
    expect(all.json().telemetry).toHaveLength(3);

    const foreign = await app.inject({ url: '/api/trucks/globex-01/history', headers: { cookie } });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error).toBe('unknown_truck');
    expect((await app.inject({ url: '/api/trucks/acme-05/history?since=soon', headers: { cookie } })).statusCode).toBe(400);
    expect((await app.inject({ url: '/api/trucks/acme-05/history' })).statusCode).toBe(401);
  });
});

describe('errors in general', () => {
  it('answers unknown API routes with a JSON 404', async () => {
    app = await makeApp();
    const res = await app.inject({ url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found', message: expect.stringContaining('/api/nope') });
  });

  it('serves /healthz and a 503 page for app routes when the client is not built', async () => {
    app = await makeApp();
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const page = await app.inject({ url: '/trucks/acme-01' });
    expect(page.statusCode).toBe(503);
    expect(page.body).toMatch(/npm run build/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });
});

describe('clock checks', () => {
  it('400s a sample more than 5 minutes ahead of the server, naming ts, and stores nothing of the batch', async () => {
    app = await makeApp();
    const cookie = await loginCookie(app);
    const ahead = Date.now() + 6 * 60_000;
    const res = await inject(app, [sample('acme-07'), sample('acme-07', { ts: ahead })]);
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/^items\[1\]\.ts is \d+ minutes ahead/);
    const history = await app.inject({ url: '/api/trucks/acme-07/history', headers: { cookie } });
    expect((history.json() as { telemetry: unknown[] }).telemetry).toEqual([]);
    // A few minutes of drift is a device's clock, not an error.
    expect((await inject(app, sample('acme-07', { ts: Date.now() + 60_000 }))).statusCode).toBe(200);
  });
});

describe('GET /api/trucks/:id/history parameters', () => {
  it('400s a bad range, limit or format naming the parameter; JSON and CSV carry the same samples', async () => {
    app = await makeApp();
    const cookie = await loginCookie(app);
    const t0 = Date.now() - 60_000;
    await inject(app, [sample('acme-08', { ts: t0, speedKph: 41 }), sample('acme-08', { ts: t0 + 1_000, speedKph: 42, driverId: '=cmd|x' })]);
    const get = (query: string, headers: Record<string, string> = {}) =>
      app!.inject({ url: `/api/trucks/acme-08/history?${query}`, headers: { cookie, ...headers } });
    for (const [query, name] of [
      [`since=${t0 + 10}&until=${t0}`, 'since'],
      ['limit=0', 'limit'],
      ['limit=10001', 'limit'],
      ['limit=ten', 'limit'],
      ['since=yesterday', 'since'],
      ['until=2026-13-45', 'until'],
      ['since=2026-01-01T10:00:00', 'since'],
      ['format=xml', 'format'],
    ] as const) {
      const res = await get(query);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().message, query).toMatch(new RegExp(`^${name}\\b`));
    }
    const json = (await get(`since=${t0}`)).json() as { telemetry: { ts: number; speedKph: number }[] };
    expect(json.telemetry.map((t) => [t.ts, t.speedKph])).toEqual([[t0, 41], [t0 + 1_000, 42]]);
    for (const csvRes of [await get(`since=${t0}&format=csv`), await get(`since=${t0}`, { accept: 'text/csv' })]) {
      expect(csvRes.headers['content-type']).toMatch(/^text\/csv/);
      const [header, ...lines] = csvRes.body.trim().split('\r\n');
      expect(header).toContain('speed_kph');
      const col = (name: string) => (header as string).split(',').indexOf(name);
      expect(lines.map((l) => [Number(l.split(',')[col('ts_ms')]), Number(l.split(',')[col('speed_kph')])])).toEqual([[t0, 41], [t0 + 1_000, 42]]);
      // A cell a spreadsheet would run as a formula is neutralised.
      expect(csvRes.body).toContain(`'=cmd|x`);
    }
  });
});
