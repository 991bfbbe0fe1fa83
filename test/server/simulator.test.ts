// The demo fleet and its simulator: believable data that passes ingest validation and moves.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../server/config';
import { DEMO_FLEET_SIZE, buildDemoFleet, routeKm } from '../../server/demo/fleet';
import { mulberry32 } from '../../server/demo/random';
import { FleetSimulator } from '../../server/demo/simulator';
import { parseTelemetryBody } from '../../server/telemetry';
import { haversineKm } from '../../src/shared/insights';
import type { FleetSnapshot, Telemetry } from '../../src/shared/fleet';
import { loginCookie, makeApp } from './helpers';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('demo fleet', () => {
  it('has the tenants, ids and mix design.md describes', () => {
    const fleet = buildDemoFleet(Date.now());
    const acme = fleet.filter((t) => t.info.tenant === 'acme');
    const globex = fleet.filter((t) => t.info.tenant === 'globex');
    expect(acme.length).toBe(DEMO_FLEET_SIZE.acme);
    expect(globex.length).toBe(DEMO_FLEET_SIZE.globex);
    expect(acme.length).toBeGreaterThanOrEqual(20);
    expect(globex.length).toBeGreaterThanOrEqual(8);
    expect(acme[0]?.info.id).toBe('acme-01');
    expect(globex[0]?.info.id).toBe('globex-01');
    const reefers = fleet.filter((t) => t.info.transfer?.cargo.kind === 'reefer').length;
    expect(reefers / fleet.length).toBeGreaterThan(0.25);
    expect(reefers / fleet.length).toBeLessThan(0.45);
    for (const { info } of fleet) {
      const tr = info.transfer;
      expect(tr).not.toBeNull();
      if (!tr) continue;
      expect(tr.waypoints.length).toBeGreaterThanOrEqual(6);
      expect(tr.waypoints[0]).toEqual({ lat: tr.origin.lat, lon: tr.origin.lon });
      expect(tr.waypoints.at(-1)).toEqual({ lat: tr.destination.lat, lon: tr.destination.lon });
      // The plan is consistent with an average of roughly 70–90 km/h.
      const kph = routeKm(tr.waypoints) / ((tr.plannedArrival - tr.plannedDeparture) / 3_600_000);
      expect(kph).toBeGreaterThan(65);
      expect(kph).toBeLessThan(90);
      expect(info.driver?.name).toBeTruthy();
      expect(info.name).toMatch(/^(Acme|Globex) \d\d · /);
    }
  });
});

describe('FleetSimulator', () => {
  it('produces samples that pass ingest validation, and trucks move', () => {
    const start = Date.now();
    const fleet = buildDemoFleet(start);
    const sim = new FleetSimulator(fleet, { now: start, random: mulberry32(42) });
    const first = new Map(sim.sampleAll(start).map((t) => [t.truckId, t]));
    expect(first.size).toBe(fleet.length);
    parseTelemetryBody([...first.values()]);

    const seen: Telemetry[] = [];
    // Ten simulated minutes in 200 ms ticks, 5 events/s across the fleet.
    for (let tick = 1; tick <= 3_000; tick++) {
      const now = start + tick * 200;
      sim.advance(now);
      seen.push(...sim.take(1, now));
    }
    expect(seen.length).toBeGreaterThan(2_000);
    // Checked against the simulated clock: these samples are ten minutes ahead of the real one.
    for (let i = 0; i < seen.length; i += 1000) parseTelemetryBody(seen.slice(i, i + 1000), start + 3_000 * 200);

    const lastByTruck = new Map(seen.map((t) => [t.truckId, t]));
    const moved = [...lastByTruck.values()].filter((t) => {
      const before = first.get(t.truckId);
      return before && haversineKm(before, t) > 1;
    });
    expect(moved.length).toBeGreaterThan(fleet.length / 2);
    const reefer = seen.filter((t) => t.reeferTempC !== undefined);
    expect(reefer.length).toBeGreaterThan(0);
    expect(reefer.every((t) => t.reeferSetpointC !== undefined)).toBe(true);
  });

  it('runs inside the server through the ingest path when the rate is above 0', async () => {
    app = await makeApp({ simRate: 50 });
    const cookie = await loginCookie(app);
    const snap = (await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot;
    // One sample per truck at start.
    expect(snap.trucks.every((t) => t.last !== null)).toBe(true);
    const before = snap.lastEventId;
    const deadline = Date.now() + 5_000;
    let after = before;
    while (after === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = ((await app.inject({ url: '/api/fleet', headers: { cookie } })).json() as FleetSnapshot).lastEventId;
    }
    expect(after).not.toBe(before);
    const metrics = (await app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/fleetwire_events_ingested_total\{tenant="acme"\} \d+/);
  });
});

describe('a larger demo fleet', () => {
  it('gives acme FLEETWIRE_DEMO_TRUCKS trucks and leaves globex as it is', () => {
    expect(() => loadConfig({ FLEETWIRE_DEMO_TRUCKS: '5' })).toThrow(/FLEETWIRE_DEMO_TRUCKS/);
    const config = loadConfig({ FLEETWIRE_DEMO_TRUCKS: '100' });
    const fleet = buildDemoFleet(Date.now(), 1, config.demoTrucks);
    const acme = fleet.filter((t) => t.info.tenant === 'acme').map((t) => t.info.id);
    expect(acme).toHaveLength(100);
    expect(acme).toContain('acme-100');
    expect(new Set(acme).size).toBe(100);
    expect(fleet.filter((t) => t.info.tenant === 'globex')).toHaveLength(DEMO_FLEET_SIZE.globex);
  });
});
