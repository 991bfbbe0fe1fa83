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

describe('the tenant’s alert record and acknowledgement', () => {
  async function raiseSpeeding(a: FastifyInstance, truckId: string): Promise<void> {
    const t0 = Date.now();
    await inject(a, [sample(truckId, { ts: t0, speedKph: SPEEDING_KPH + 10 }), sample(truckId, { ts: t0 + 1_000, speedKph: SPEEDING_KPH + 12 })]);
  }
  async function operatorCookie(a: FastifyInstance, admin: string, username: string, role: string): Promise<string> {
    const res = await a.inject({ method: 'POST', url: '/api/admin/operators', headers: { cookie: admin }, payload: { username, password: 'long enough password', role } });
    expect(res.statusCode, res.body).toBe(201);
    return loginCookie(a, username, 'long enough password');
  }

  it('lists alerts from the database, acknowledges once for the whole tenant, tells every stream, and refuses a viewer', async () => {
    app = await makeApp();
    const url = await listen(app);
    const ana = await loginCookie(app);
    const bo = await loginCookie(app, 'bo');
    const operator = await operatorCookie(app, ana, 'alert-op', 'operator');
    const viewer = await operatorCookie(app, ana, 'alert-viewer', 'viewer');
    reader = await SseReader.open(url, ana);
    await raiseSpeeding(app, 'acme-06');

    const active = (await app.inject({ url: '/api/alerts?state=active', headers: { cookie: operator } })).json() as { alerts: Alert[] };
    const alert = active.alerts.find((a) => a.truckId === 'acme-06' && a.kind === 'speeding');
    expect(alert).toMatchObject({ state: 'active' });
    expect(alert?.ackedBy).toBeUndefined();
    // Another tenant sees none of it, and cannot acknowledge it.
    const globex = (await app.inject({ url: '/api/alerts?state=all', headers: { cookie: bo } })).json() as { alerts: Alert[] };
    expect(globex.alerts.some((a) => a.id === alert?.id)).toBe(false);
    expect((await app.inject({ method: 'POST', url: `/api/alerts/${encodeURIComponent(alert!.id)}/ack`, headers: { cookie: bo } })).statusCode).toBe(404);
    // A viewer watches only.
    const refused = await app.inject({ method: 'POST', url: `/api/alerts/${encodeURIComponent(alert!.id)}/ack`, headers: { cookie: viewer } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'forbidden' });

    const acked = await app.inject({ method: 'POST', url: `/api/alerts/${encodeURIComponent(alert!.id)}/ack`, headers: { cookie: operator } });
    expect(acked.statusCode).toBe(200);
    expect(acked.json().alert).toMatchObject({ id: alert!.id, ackedBy: 'alert-op', ackedAt: expect.any(Number) });
    // The stream carries the acknowledged alert.
    await reader.until(() => reader!.ofType('alert').some((e) => (JSON.parse(e.data) as Alert).ackedBy === 'alert-op'), 'the acknowledged alert on the stream');
    // Twice is harmless: the first acknowledgement stays, no second event.
    const again = await app.inject({ method: 'POST', url: `/api/alerts/${encodeURIComponent(alert!.id)}/ack`, headers: { cookie: ana } });
    expect(again.json().alert).toMatchObject({ ackedBy: 'alert-op' });
    const all = (await app.inject({ url: '/api/alerts?state=all', headers: { cookie: ana } })).json() as { alerts: Alert[] };
    expect(all.alerts.find((a) => a.id === alert!.id)).toMatchObject({ ackedBy: 'alert-op' });
    // The snapshot's active alert carries it too.
    const snap = (await app.inject({ url: '/api/fleet', headers: { cookie: ana } })).json() as FleetSnapshot;
    expect(snap.trucks.find((t) => t.id === 'acme-06')?.alerts.find((a) => a.id === alert!.id)).toMatchObject({ ackedBy: 'alert-op' });
    // Cleared later: the record keeps who acknowledged it.
    await inject(app, sample('acme-06', { ts: Date.now() + 5_000, speedKph: 80 }));
    const afterClear = (await app.inject({ url: '/api/alerts?state=all&truckId=acme-06', headers: { cookie: ana } })).json() as { alerts: Alert[] };
    expect(afterClear.alerts.find((a) => a.id === alert!.id)).toMatchObject({ state: 'cleared', ackedBy: 'alert-op' });
    const audit = (await app.inject({ url: '/api/admin/audit', headers: { cookie: ana } })).json() as { entries: { action: string; target: string }[] };
    expect(audit.entries.filter((e) => e.action === 'alert.ack' && e.target === alert!.id)).toHaveLength(1);
  });

  it('400s bad parameters naming them, 404s an unknown alert, 401s without a session', async () => {
    app = await makeApp();
    const ana = await loginCookie(app);
    for (const query of ['state=closed', 'limit=0', 'limit=abc', 'color=red']) {
      const res = await app.inject({ url: `/api/alerts?${query}`, headers: { cookie: ana } });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().message, query).toMatch(/state|limit|color/);
    }
    expect((await app.inject({ method: 'POST', url: '/api/alerts/nope/ack', headers: { cookie: ana } })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/alerts' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/api/alerts/nope/ack' })).statusCode).toBe(401);
  });
});
