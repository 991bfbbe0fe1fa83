// Expected values are worked out by hand: on a sphere of radius 6371 km, 1° of latitude (or of
// longitude on the equator) is 6371 × π / 180 ≈ 111.195 km, and 1° of longitude at latitude φ is
// 111.195 × cos φ km.
import { describe, expect, it } from 'vitest';
import type { Cargo, LatLon, Telemetry, Transfer } from '../../src/shared/fleet';
import {
  describeLateness,
  estimateEta,
  haversineKm,
  hosRemainingMin,
  recentSpeedKph,
  reeferExcursion,
  routeProgress,
  truckStatus,
  type EtaEstimate,
} from '../../src/shared/insights';

const KM_PER_DEG = 111.195;
const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);

function sample(ts: number, over: Partial<Telemetry> = {}): Telemetry {
  return { truckId: 'acme-01', ts, lat: 0, lon: 0, speedKph: 0, headingDeg: 0, ...over };
}

describe('haversineKm', () => {
  it('is zero for the same point', () => {
    expect(haversineKm({ lat: 48.1, lon: 11.6 }, { lat: 48.1, lon: 11.6 })).toBe(0);
  });

  it('measures one degree of latitude along a meridian as 111.195 km', () => {
    expect(haversineKm({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(KM_PER_DEG, 2);
    expect(haversineKm({ lat: 50, lon: 8 }, { lat: 51, lon: 8 })).toBeCloseTo(KM_PER_DEG, 2);
  });

  it('measures one degree of longitude on the equator as 111.195 km, and half that at 60° N', () => {
    expect(haversineKm({ lat: 0, lon: 0 }, { lat: 0, lon: 1 })).toBeCloseTo(KM_PER_DEG, 2);
    // cos 60° = 0.5
    expect(haversineKm({ lat: 60, lon: 0 }, { lat: 60, lon: 1 })).toBeCloseTo(KM_PER_DEG / 2, 2);
  });

  it('is symmetric and takes the short way across the antimeridian', () => {
    const a = { lat: 0, lon: 179.5 };
    const b = { lat: 0, lon: -179.5 };
    expect(haversineKm(a, b)).toBeCloseTo(KM_PER_DEG, 2);
    expect(haversineKm(b, a)).toBeCloseTo(KM_PER_DEG, 2);
  });
});

describe('routeProgress', () => {
  // 2° north along the Greenwich meridian: 222.39 km.
  const meridian: LatLon[] = [
    { lat: 0, lon: 0 },
    { lat: 1, lon: 0 },
    { lat: 2, lon: 0 },
  ];

  it('measures a point on the route', () => {
    const p = routeProgress(meridian, { lat: 0.5, lon: 0 });
    expect(p.totalKm).toBeCloseTo(2 * KM_PER_DEG, 2);
    expect(p.travelledKm).toBeCloseTo(0.5 * KM_PER_DEG, 2);
    expect(p.remainingKm).toBeCloseTo(1.5 * KM_PER_DEG, 2);
    expect(p.fraction).toBeCloseTo(0.25, 6);
    expect(p.offRouteKm).toBeCloseTo(0, 6);
  });

  it('measures a point on a shared vertex', () => {
    const p = routeProgress(meridian, { lat: 1, lon: 0 });
    expect(p.travelledKm).toBeCloseTo(KM_PER_DEG, 2);
    expect(p.fraction).toBeCloseTo(0.5, 6);
  });

  it('projects an off-route point onto the nearest segment', () => {
    // 0.01° east at 1.5° N: 1.11195 km × cos 1.5° (0.99966) = 1.1116 km off, level with 1.5° N.
    const p = routeProgress(meridian, { lat: 1.5, lon: 0.01 });
    expect(p.travelledKm).toBeCloseTo(1.5 * KM_PER_DEG, 2);
    expect(p.fraction).toBeCloseTo(0.75, 6);
    expect(p.offRouteKm).toBeCloseTo(1.1116, 3);
  });

  it('clamps a position before the start to 0 travelled', () => {
    const p = routeProgress(meridian, { lat: -0.5, lon: 0 });
    expect(p.travelledKm).toBe(0);
    expect(p.fraction).toBe(0);
    expect(p.remainingKm).toBeCloseTo(2 * KM_PER_DEG, 2);
    expect(p.offRouteKm).toBeCloseTo(0.5 * KM_PER_DEG, 2);
  });

  it('clamps a position past the end to the whole route', () => {
    const p = routeProgress(meridian, { lat: 2.5, lon: 0 });
    expect(p.travelledKm).toBeCloseTo(2 * KM_PER_DEG, 2);
    expect(p.remainingKm).toBeCloseTo(0, 6);
    expect(p.fraction).toBeCloseTo(1, 6);
    expect(p.offRouteKm).toBeCloseTo(0.5 * KM_PER_DEG, 2);
  });

  it('follows a route that turns a corner', () => {
    // North 1° (111.195 km), then east 1° along 1° N: 111.195 × cos 1° (0.99985) = 111.178 km.
    const l: LatLon[] = [
      { lat: 0, lon: 0 },
      { lat: 1, lon: 0 },
      { lat: 1, lon: 1 },
    ];
    const p = routeProgress(l, { lat: 1, lon: 0.5 });
    expect(p.totalKm).toBeCloseTo(111.195 + 111.178, 2);
    expect(p.travelledKm).toBeCloseTo(111.195 + 55.589, 2);
    expect(p.offRouteKm).toBeCloseTo(0, 6);
  });

  it('tolerates a repeated waypoint (zero-length segment)', () => {
    const p = routeProgress([{ lat: 0, lon: 0 }, { lat: 0, lon: 0 }, { lat: 1, lon: 0 }], { lat: 0.5, lon: 0 });
    expect(p.totalKm).toBeCloseTo(KM_PER_DEG, 2);
    expect(p.travelledKm).toBeCloseTo(0.5 * KM_PER_DEG, 2);
  });

  it('returns zeros for an empty route', () => {
    expect(routeProgress([], { lat: 1, lon: 1 })).toEqual({
      totalKm: 0,
      travelledKm: 0,
      remainingKm: 0,
      fraction: 0,
      offRouteKm: 0,
    });
  });

  it('measures only the distance to a single waypoint', () => {
    const p = routeProgress([{ lat: 0, lon: 0 }], { lat: 1, lon: 0 });
    expect(p.totalKm).toBe(0);
    expect(p.travelledKm).toBe(0);
    expect(p.remainingKm).toBe(0);
    expect(p.fraction).toBe(0);
    expect(p.offRouteKm).toBeCloseTo(KM_PER_DEG, 2);
  });
});

describe('recentSpeedKph', () => {
  const now = T0;
  const samples = [
    sample(now - 20 * MIN, { speedKph: 10 }),
    sample(now - 10 * MIN, { speedKph: 60 }),
    sample(now - 1 * MIN, { speedKph: 90 }),
  ];

  it('averages the samples of the last 15 minutes by default', () => {
    expect(recentSpeedKph(samples, now)).toBe(75); // (60 + 90) / 2
  });

  it('takes a custom window', () => {
    expect(recentSpeedKph(samples, now, 30 * MIN)).toBeCloseTo(160 / 3, 9); // (10 + 60 + 90) / 3
    expect(recentSpeedKph(samples, now, 5 * MIN)).toBe(90);
  });

  it('includes a sample exactly at the window start', () => {
    expect(recentSpeedKph([sample(now - 15 * MIN, { speedKph: 42 })], now)).toBe(42);
  });

  it('is null with no samples, or none in the window', () => {
    expect(recentSpeedKph([], now)).toBeNull();
    expect(recentSpeedKph([sample(now - HOUR, { speedKph: 80 })], now)).toBeNull();
  });
});

describe('estimateEta and describeLateness', () => {
  // 1° north along the meridian (111.195 km) in 2 h: a planned pace of 55.597 km/h.
  const transfer: Transfer = {
    id: 'tr-1',
    origin: { name: 'Depot', lat: 0, lon: 0 },
    destination: { name: 'Store', lat: 1, lon: 0 },
    waypoints: [
      { lat: 0, lon: 0 },
      { lat: 1, lon: 0 },
    ],
    plannedDeparture: T0,
    plannedArrival: T0 + 2 * HOUR,
    cargo: { kind: 'dry', description: 'pallets' },
  };
  const at = (now: number, lat: number, speedKph: number, lon = 0) => {
    const recent = [10, 5, 0].map((ago) => sample(now - ago * MIN, { lat, lon, speedKph }));
    return { transfer, last: recent[2] ?? null, recent, now };
  };

  it('is late from the recent speed: halfway at 40 km/h after 1 h', () => {
    // 55.5975 km / 40 km/h = 83.40 min, so arrival at 143.40 min against 120 planned: 23.40 min late.
    const e = estimateEta(at(T0 + HOUR, 0.5, 40));
    expect(e.verdict).toBe('late');
    expect(e.remainingKm).toBeCloseTo(55.5975, 2);
    expect(e.fraction).toBeCloseTo(0.5, 6);
    expect((e.etaMs ?? 0) - T0).toBeCloseTo(143.4 * MIN, -4);
    expect((e.lateByMs ?? 0) / MIN).toBeCloseTo(23.4, 1);
    expect(describeLateness(e)).toBe('late 23 min');
  });

  it('is on time within 10 minutes: halfway at 60 km/h after 1 h', () => {
    // 55.5975 km / 60 km/h = 55.60 min: arrival at 115.60 min, 4.40 min early, within tolerance.
    const e = estimateEta(at(T0 + HOUR, 0.5, 60));
    expect(e.verdict).toBe('on-time');
    expect((e.lateByMs ?? 0) / MIN).toBeCloseTo(-4.4, 1);
    expect(describeLateness(e)).toBe('on time');
  });

  it('is early beyond 10 minutes: three quarters along at 90 km/h after 1 h', () => {
    // 27.799 km / 90 km/h = 18.53 min: arrival at 78.53 min, 41.47 min early.
    const e = estimateEta(at(T0 + HOUR, 0.75, 90));
    expect(e.verdict).toBe('early');
    expect((e.lateByMs ?? 0) / MIN).toBeCloseTo(-41.47, 1);
    expect(describeLateness(e)).toBe('early 41 min');
  });

  it('uses the planned pace when standing still', () => {
    // Halfway, stopped at 90 min: 55.5975 km at 55.5975 km/h = 60 min more, arrival at 150 min.
    const e = estimateEta(at(T0 + 90 * MIN, 0.5, 0));
    expect(e.verdict).toBe('late');
    expect(e.lateByMs).toBeCloseTo(30 * MIN, -2);
    expect(describeLateness(e)).toBe('late 30 min');
  });

  it('does not count on leaving before the planned departure', () => {
    // Parked at the depot an hour early: leaves at T0, arrives after the planned 2 h.
    const e = estimateEta(at(T0 - HOUR, 0, 0));
    expect(e.fraction).toBe(0);
    expect(e.etaMs).toBeCloseTo(T0 + 2 * HOUR, -2);
    expect(e.verdict).toBe('on-time');
  });

  it('adds the way back to the route to the distance left', () => {
    // 0.01° east at 0.5° N: 1.1119 km off the route, plus 55.5975 km along it.
    const e = estimateEta(at(T0 + HOUR, 0.5, 60, 0.01));
    expect(e.remainingKm).toBeCloseTo(56.709, 2);
  });

  it('reports arrival within 0.5 km of the destination, timed at the first sample there', () => {
    const recent = [
      sample(T0 + 110 * MIN, { lat: 0.99, speedKph: 30 }), // 1.11 km out
      sample(T0 + 115 * MIN, { lat: 0.997, speedKph: 5 }), // 0.33 km out
      sample(T0 + 125 * MIN, { lat: 0.998, speedKph: 0 }), // 0.22 km out
    ];
    const e = estimateEta({ transfer, last: recent[2] ?? null, recent, now: T0 + 126 * MIN });
    expect(e).toEqual({ etaMs: T0 + 115 * MIN, lateByMs: -5 * MIN, remainingKm: 0, fraction: 1, verdict: 'arrived' });
    expect(describeLateness(e)).toBe('arrived');
  });

  it('is unknown without a position', () => {
    const e = estimateEta({ transfer, last: null, recent: [], now: T0 });
    expect(e.verdict).toBe('unknown');
    expect(e.etaMs).toBeNull();
    expect(e.lateByMs).toBeNull();
    expect(e.remainingKm).toBeCloseTo(KM_PER_DEG, 2);
    expect(e.fraction).toBe(0);
    expect(describeLateness(e)).toBe('unknown');
  });

  it('is unknown when standing still on a transfer planned with no duration', () => {
    const flat = { ...transfer, plannedArrival: transfer.plannedDeparture };
    const e = estimateEta({ ...at(T0, 0.5, 0), transfer: flat });
    expect(e.verdict).toBe('unknown');
    expect(e.etaMs).toBeNull();
    expect(e.remainingKm).toBeCloseTo(55.5975, 2);
  });

  it('falls back to the straight line when a transfer has no waypoints', () => {
    const e = estimateEta({ ...at(T0 + HOUR, 0.5, 40), transfer: { ...transfer, waypoints: [] } });
    expect(e.remainingKm).toBeCloseTo(55.5975, 2);
    expect(e.verdict).toBe('late');
  });

  it('counts the last sample even when recent does not hold it', () => {
    // One sample only, at 40 km/h: same numbers as the first case.
    const last = sample(T0 + HOUR, { lat: 0.5, speedKph: 40 });
    const e = estimateEta({ transfer, last, recent: [], now: T0 + HOUR });
    expect((e.lateByMs ?? 0) / MIN).toBeCloseTo(23.4, 1);
  });

  it('describes hours and minutes', () => {
    const est = (verdict: EtaEstimate['verdict'], lateByMs: number | null): EtaEstimate => ({
      etaMs: 0,
      lateByMs,
      remainingKm: 0,
      fraction: 0,
      verdict,
    });
    expect(describeLateness(est('late', 80 * MIN))).toBe('late 1 h 20 min');
    expect(describeLateness(est('late', 2 * HOUR))).toBe('late 2 h');
    expect(describeLateness(est('early', -5 * MIN))).toBe('early 5 min');
    expect(describeLateness(est('early', -(5 * MIN + 20_000)))).toBe('early 5 min');
    expect(describeLateness(est('on-time', 3 * MIN))).toBe('on time');
    expect(describeLateness(est('late', null))).toBe('unknown');
  });
});

describe('truckStatus', () => {
  const now = T0;
  it('is stale without a sample or after 2 minutes of silence', () => {
    expect(truckStatus(null, now)).toBe('stale');
    expect(truckStatus(sample(now - 3 * MIN, { speedKph: 80 }), now)).toBe('stale');
    expect(truckStatus(sample(now - 2 * MIN - 1, { speedKph: 80 }), now)).toBe('stale');
  });

  it('is not stale at exactly 2 minutes', () => {
    expect(truckStatus(sample(now - 2 * MIN, { speedKph: 80 }), now)).toBe('moving');
  });

  it('is moving from 3 km/h', () => {
    expect(truckStatus(sample(now, { speedKph: 3 }), now)).toBe('moving');
    expect(truckStatus(sample(now, { speedKph: 85, engineOn: true }), now)).toBe('moving');
  });

  it('is idle when slow with the engine on, stopped otherwise', () => {
    expect(truckStatus(sample(now, { speedKph: 2, engineOn: true }), now)).toBe('idle');
    expect(truckStatus(sample(now, { speedKph: 0, engineOn: false }), now)).toBe('stopped');
    expect(truckStatus(sample(now, { speedKph: 0 }), now)).toBe('stopped');
  });
});

describe('hosRemainingMin', () => {
  const ts = T0;
  it('is null without a sample or without a figure', () => {
    expect(hosRemainingMin(null, ts)).toBeNull();
    expect(hosRemainingMin(sample(ts, { speedKph: 80 }), ts)).toBeNull();
  });

  it('subtracts the time driven since a moving sample', () => {
    expect(hosRemainingMin(sample(ts, { speedKph: 80, hosRemainingMin: 240 }), ts + 30 * MIN)).toBe(210);
  });

  it('does not subtract while the truck stands', () => {
    expect(hosRemainingMin(sample(ts, { speedKph: 0, hosRemainingMin: 240 }), ts + 30 * MIN)).toBe(240);
  });

  it('never goes below zero, nor above the figure for a sample from the future', () => {
    expect(hosRemainingMin(sample(ts, { speedKph: 80, hosRemainingMin: 10 }), ts + 30 * MIN)).toBe(0);
    expect(hosRemainingMin(sample(ts, { speedKph: 80, hosRemainingMin: 240 }), ts - 5 * MIN)).toBe(240);
  });
});

describe('reeferExcursion', () => {
  // In range: 2 °C … 6 °C.
  const chilled: Cargo = { kind: 'reefer', description: 'dairy', setpointC: 4, toleranceC: 2 };
  const dry: Cargo = { kind: 'dry', description: 'pallets' };
  const temps = (pairs: [number, number][]) => pairs.map(([min, c]) => sample(T0 + min * MIN, { reeferTempC: c }));

  it('is never active for dry cargo', () => {
    const s = temps([[0, 30], [5, 30], [10, 30]]);
    expect(reeferExcursion(s, dry, T0 + 10 * MIN)).toEqual({ active: false, since: null, worstDeltaC: 0 });
  });

  it('is inactive with no samples, or with every reading in range', () => {
    expect(reeferExcursion([], chilled, T0)).toEqual({ active: false, since: null, worstDeltaC: 0 });
    const s = temps([[0, 4], [1, 2], [2, 6]]); // 2 and 6 sit exactly on the tolerance
    expect(reeferExcursion(s, chilled, T0 + 2 * MIN)).toEqual({ active: false, since: null, worstDeltaC: 0 });
  });

  it('becomes active once every reading for 2 minutes is out of range', () => {
    const s = temps([[0, 5], [1, 7.5], [2, 9.4], [3, 8]]);
    // Out since minute 1; at minute 2 that is only 1 minute. Worst so far: 9.4 − 4 = 5.4.
    const early = reeferExcursion(s.slice(0, 3), chilled, T0 + 2 * MIN);
    expect(early.active).toBe(false);
    expect(early.since).toBe(T0 + MIN);
    expect(early.worstDeltaC).toBeCloseTo(5.4, 9);
    // Only the 7.5 °C reading out of range: 7.5 − 4 = 3.5.
    expect(reeferExcursion(s.slice(0, 2), chilled, T0 + MIN).worstDeltaC).toBeCloseTo(3.5, 9);
    const r = reeferExcursion(s, chilled, T0 + 3 * MIN);
    expect(r.active).toBe(true);
    expect(r.since).toBe(T0 + MIN);
    expect(r.worstDeltaC).toBeCloseTo(5.4, 9); // 9.4 − 4
  });

  it('clears as soon as a reading is back in range', () => {
    const s = temps([[0, 5], [1, 7.5], [2, 9.4], [3, 8], [4, 5.5]]);
    expect(reeferExcursion(s, chilled, T0 + 4 * MIN)).toEqual({ active: false, since: null, worstDeltaC: 0 });
  });

  it('detects a cold excursion with a negative delta', () => {
    const s = temps([[0, 1], [3, -1]]);
    expect(reeferExcursion(s, chilled, T0 + 3 * MIN)).toEqual({ active: true, since: T0, worstDeltaC: -5 });
  });

  it("uses the sample's own setpoint when it reports one", () => {
    const frozen = (min: number, c: number) => sample(T0 + min * MIN, { reeferTempC: c, reeferSetpointC: -18 });
    // −17 °C is 1 °C from −18: in range, though far from the cargo's 4 °C.
    expect(reeferExcursion([frozen(0, -17), frozen(3, -17)], chilled, T0 + 3 * MIN).active).toBe(false);
    const r = reeferExcursion([frozen(0, -10), frozen(3, -12)], chilled, T0 + 3 * MIN);
    expect(r.active).toBe(true);
    expect(r.worstDeltaC).toBe(8); // −10 − (−18)
  });

  it('ignores samples without a reading and accepts unsorted input', () => {
    const s = [sample(T0 + 1 * MIN), ...temps([[3, 9], [0, 9]]), sample(T0 + 3 * MIN + 1)];
    expect(reeferExcursion(s, chilled, T0 + 3 * MIN)).toEqual({ active: true, since: T0, worstDeltaC: 5 });
  });

  it('takes a custom minimum duration', () => {
    const s = temps([[0, 9], [1, 9]]);
    expect(reeferExcursion(s, chilled, T0 + MIN, 30_000).active).toBe(true);
    expect(reeferExcursion(s, chilled, T0 + MIN, 5 * MIN).active).toBe(false);
  });
});
