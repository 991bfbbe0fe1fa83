// Alerts from telemetry: published once when they start and once when they clear, and listed in the snapshot.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Alert, FleetSnapshot } from '../../src/shared/fleet';
import { NO_DATA_ALERT_MS, SPEEDING_KPH } from '../../src/shared/insights';
import { SseReader, inject, listen, loginCookie, makeApp, sample } from './helpers';

let app: FastifyInstance | null = null;
let reader: SseReader | null = null;
afterEach(async () => {
  reader?.close();
  await app?.close();
  app = null;
});

describe('alerts', () => {
  it('starts a speeding alert once, lists it in the fleet, and clears it once', async () => {
    app = await makeApp();
    const url = await listen(app);
    const cookie = await loginCookie(app);
    reader = await SseReader.open(url, cookie);
    const t0 = Date.now();
    await inject(app, [
      sample('acme-02', { ts: t0, speedKph: SPEEDING_KPH + 10 }),
      sample('acme-02', { ts: t0 + 1_000, speedKph: SPEEDING_KPH + 12 }),
    ]);
    await reader.waitForEvents(3);
    const alerts = reader.ofType('alert').map((e) => JSON.parse(e.data) as Alert);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ truckId: 'acme-02', kind: 'speeding', state: 'active' });
    // The alert follows the sample that raised it.
    expect(reader.events.map((e) => e.event)).toEqual(['telemetry', 'alert', 'telemetry']);

    const snap = (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;
    expect(snap.trucks.find((t) => t.id === 'acme-02')?.alerts.map((a) => a.kind)).toEqual(['speeding']);

    await inject(app, sample('acme-02', { ts: t0 + 2_000, speedKph: 80 }));
    await reader.waitForEvents(5);
    const cleared = reader.ofType('alert').map((e) => JSON.parse(e.data) as Alert);
    expect(cleared.map((a) => a.state)).toEqual(['active', 'cleared']);
    expect(cleared[1]?.id).toBe(cleared[0]?.id);
    const after = (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;
    expect(after.trucks.find((t) => t.id === 'acme-02')?.alerts).toEqual([]);
  });

  it('raises no-data on the sweep for a truck that went silent', async () => {
    let now = Date.now();
    app = await makeApp({}, { now: () => now, alertSweepMs: 20 });
    const cookie = await loginCookie(app);
    await inject(app, sample('acme-04', { ts: now }));
    now += NO_DATA_ALERT_MS + 1_000;
    const deadline = Date.now() + 5_000;
    let alerts: Alert[] = [];
    while (alerts.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      const snap = (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;
      alerts = snap.trucks.find((t) => t.id === 'acme-04')?.alerts ?? [];
    }
    expect(alerts.map((a) => a.kind)).toEqual(['no-data']);
  });

  it('a rejected batch leaves alert state untouched', async () => {
    app = await makeApp();
    const cookie = await loginCookie(app);
    const t0 = Date.now();
    const res = await inject(app, [sample('acme-02', { ts: t0, speedKph: 150 }), sample('acme-99')]);
    expect(res.statusCode).toBe(400);
    await inject(app, sample('acme-02', { ts: t0 + 1, speedKph: 80 }));
    const snap = (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;
    expect(snap.trucks.find((t) => t.id === 'acme-02')?.alerts).toEqual([]);
    expect(snap.lastEventId?.endsWith('-1')).toBe(true);
  });
});
