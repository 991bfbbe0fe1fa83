// Alert evaluation across sequences of samples and sweeps; times and messages worked out by hand.
import { describe, expect, it } from 'vitest';
import type { Alert, Telemetry, Transfer } from '../../src/shared/fleet';
import { emptyAlertState, evaluateAlerts, type AlertTrackerState } from '../../src/shared/insights';

const SEC = 1000;
const MIN = 60 * SEC;
const T = Date.UTC(2025, 0, 6, 8, 0, 0);
const TRUCK = 'acme-01';

function sample(ts: number, over: Partial<Telemetry> = {}): Telemetry {
  return { truckId: TRUCK, ts, lat: 52.5, lon: 13.4, speedKph: 60, headingDeg: 90, engineOn: true, ...over };
}

function transfer(cargo: Transfer['cargo']): Transfer {
  return {
    id: 'tr-1',
    origin: { name: 'Berlin', lat: 52.5, lon: 13.4 },
    destination: { name: 'Leipzig', lat: 51.34, lon: 12.37 },
    waypoints: [
      { lat: 52.5, lon: 13.4 },
      { lat: 51.34, lon: 12.37 },
    ],
    plannedDeparture: T,
    plannedArrival: T + 2 * 60 * MIN,
    cargo,
  };
}
const dryTransfer = transfer({ kind: 'dry', description: 'pallets' });
const reeferTransfer = transfer({ kind: 'reefer', description: 'dairy', setpointC: 4, toleranceC: 2 });

type Step = { telemetry: Telemetry } | { sweep: number };

/** Runs steps in order; returns the final state, every change, and the changes of each step. */
function run(steps: Step[], tr: Transfer | null = dryTransfer, from: AlertTrackerState = emptyAlertState()) {
  let state = from;
  const all: Alert[] = [];
  const perStep: Alert[][] = [];
  for (const step of steps) {
    const input =
      'telemetry' in step
        ? { truckId: TRUCK, transfer: tr, telemetry: step.telemetry, now: step.telemetry.ts }
        : { truckId: TRUCK, transfer: tr, telemetry: null, now: step.sweep };
    const r = evaluateAlerts(state, input);
    state = r.state;
    all.push(...r.changes);
    perStep.push(r.changes);
  }
  return { state, all, perStep };
}
const tel = (ts: number, over: Partial<Telemetry> = {}): Step => ({ telemetry: sample(ts, over) });

describe('emptyAlertState', () => {
  it('has no alerts, no samples, no idling', () => {
    expect(emptyAlertState()).toEqual({ active: {}, recent: [], idleSince: null });
  });

  it('gives nothing on a sweep before any sample', () => {
    const { all, state } = run([{ sweep: T + 60 * MIN }]);
    expect(all).toEqual([]);
    expect(state.active).toEqual({});
  });
});

describe('speeding', () => {
  it('starts once above 100 km/h and clears once at or below 95 km/h', () => {
    const { all, perStep, state } = run([
      tel(T, { speedKph: 80 }),
      tel(T + 5 * SEC, { speedKph: 110 }),
      tel(T + 10 * SEC, { speedKph: 112 }),
      tel(T + 15 * SEC, { speedKph: 97 }), // between 95 and 100: still speeding
      tel(T + 20 * SEC, { speedKph: 101 }),
      tel(T + 25 * SEC, { speedKph: 90 }),
      tel(T + 30 * SEC, { speedKph: 90 }),
    ]);
    const id = `${TRUCK}:speeding:${T + 5 * SEC}`;
    expect(all).toEqual([
      {
        id,
        truckId: TRUCK,
        kind: 'speeding',
        severity: 'warning',
        state: 'active',
        startedAt: T + 5 * SEC,
        message: 'Speeding at 110 km/h (limit 100 km/h)',
      },
      {
        id,
        truckId: TRUCK,
        kind: 'speeding',
        severity: 'warning',
        state: 'cleared',
        startedAt: T + 5 * SEC,
        clearedAt: T + 25 * SEC,
        message: 'Speeding at 110 km/h (limit 100 km/h)',
      },
    ]);
    expect(perStep[5]).toHaveLength(1);
    expect(state.active.speeding).toBeUndefined();
  });

  it('does not start at exactly 100 km/h', () => {
    expect(run([tel(T, { speedKph: 100 })]).all).toEqual([]);
  });

  it('gives a new id to a second occurrence', () => {
    const { all } = run([
      tel(T, { speedKph: 105 }),
      tel(T + 5 * SEC, { speedKph: 80 }),
      tel(T + 10 * SEC, { speedKph: 105 }),
    ]);
    expect(all.map((a) => [a.id, a.state])).toEqual([
      [`${TRUCK}:speeding:${T}`, 'active'],
      [`${TRUCK}:speeding:${T}`, 'cleared'],
      [`${TRUCK}:speeding:${T + 10 * SEC}`, 'active'],
    ]);
  });
});

describe('idle', () => {
  const idle = (min: number): Step => tel(T + min * MIN, { speedKph: 0, engineOn: true });

  it('starts after 5 minutes standing with the engine on, and clears once when moving', () => {
    const moving = tel(T + 7 * MIN, { speedKph: 30 });
    const { all, perStep, state } = run([idle(0), idle(2), idle(4), idle(5), idle(6), moving]);
    expect(perStep.slice(0, 3).flat()).toEqual([]);
    expect(perStep[3]).toEqual([
      {
        id: `${TRUCK}:idle:${T + 5 * MIN}`,
        truckId: TRUCK,
        kind: 'idle',
        severity: 'warning',
        state: 'active',
        startedAt: T + 5 * MIN,
        message: 'Idling with the engine on for 5 min',
      },
    ]);
    expect(perStep[4]).toEqual([]);
    expect(perStep[5]).toEqual([
      expect.objectContaining({ id: `${TRUCK}:idle:${T + 5 * MIN}`, state: 'cleared', clearedAt: T + 7 * MIN }),
    ]);
    expect(all).toHaveLength(2);
    expect(state.idleSince).toBeNull();
  });

  it('remembers when idling began', () => {
    expect(run([idle(0), idle(2)]).state.idleSince).toBe(T);
  });

  it('never starts with the engine off', () => {
    const steps = [0, 5, 10, 20].map((m) => tel(T + m * MIN, { speedKph: 0, engineOn: false }));
    expect(run(steps).all).toEqual([]);
  });

  it('restarts the clock after the truck moved', () => {
    const { all } = run([idle(0), idle(4), tel(T + 4.5 * MIN, { speedKph: 20 }), idle(5), idle(9)]);
    expect(all).toEqual([]); // idle again since minute 5: only 4 minutes by minute 9
  });
});

describe('reefer-excursion', () => {
  // Every 30 s: in range at 0 s, then out of range from 30 s (7, 8, 9, 9.4 °C, …).
  const reading = (s: number, c: number): Step => tel(T + s * SEC, { reeferTempC: c });
  const warming = [reading(0, 5), reading(30, 7), reading(60, 8), reading(90, 9), reading(120, 9.2), reading(150, 9.4)];

  it('starts once, critical, when out of range for 2 minutes, with a readable message', () => {
    const { perStep, state } = run([...warming, reading(180, 9.6), reading(210, 9.8)], reeferTransfer);
    // Out since 30 s; 2 minutes later is 150 s, the 6th reading.
    expect(perStep.slice(0, 5).flat()).toEqual([]);
    expect(perStep[5]).toEqual([
      {
        id: `${TRUCK}:reefer-excursion:${T + 150 * SEC}`,
        truckId: TRUCK,
        kind: 'reefer-excursion',
        severity: 'critical',
        state: 'active',
        startedAt: T + 150 * SEC,
        message: 'Reefer at 9.4 °C, setpoint 4 °C ± 2 °C',
      },
    ]);
    expect(perStep.slice(6).flat()).toEqual([]);
    expect(state.active['reefer-excursion']?.state).toBe('active');
  });

  it('clears once when a reading is back in range, and stays quiet after', () => {
    const { all, perStep } = run([...warming, reading(180, 5.5), reading(210, 4)], reeferTransfer);
    expect(all.map((a) => a.state)).toEqual(['active', 'cleared']);
    expect(perStep[6]).toEqual([
      expect.objectContaining({ id: `${TRUCK}:reefer-excursion:${T + 150 * SEC}`, clearedAt: T + 180 * SEC }),
    ]);
  });

  it('keeps an excursion through samples without a reading', () => {
    const { all } = run([...warming, tel(T + 160 * SEC), tel(T + 170 * SEC)], reeferTransfer);
    expect(all.map((a) => a.state)).toEqual(['active']);
  });

  it('never starts for dry cargo or without a transfer', () => {
    expect(run(warming, dryTransfer).all).toEqual([]);
    expect(run(warming, null).all).toEqual([]);
  });

  it('clears when the transfer ends', () => {
    const { state } = run(warming, reeferTransfer);
    const r = evaluateAlerts(state, { truckId: TRUCK, transfer: null, telemetry: null, now: T + 160 * SEC });
    expect(r.changes).toEqual([
      expect.objectContaining({ kind: 'reefer-excursion', state: 'cleared', clearedAt: T + 160 * SEC }),
    ]);
  });
});

describe('no-data', () => {
  it('starts on the sweep after 5 minutes of silence and clears on the next sample', () => {
    const { perStep, all } = run([
      tel(T),
      { sweep: T + 4 * MIN },
      { sweep: T + 5 * MIN },
      { sweep: T + 6 * MIN },
      { sweep: T + 7 * MIN },
      tel(T + 8 * MIN),
      { sweep: T + 9 * MIN },
    ]);
    expect(perStep[1]).toEqual([]);
    expect(perStep[2]).toEqual([
      {
        id: `${TRUCK}:no-data:${T + 5 * MIN}`,
        truckId: TRUCK,
        kind: 'no-data',
        severity: 'warning',
        state: 'active',
        startedAt: T + 5 * MIN,
        message: 'No data for 5 min',
      },
    ]);
    expect(perStep[3]).toEqual([]);
    expect(perStep[4]).toEqual([]);
    expect(perStep[5]).toEqual([
      expect.objectContaining({ id: `${TRUCK}:no-data:${T + 5 * MIN}`, state: 'cleared', clearedAt: T + 8 * MIN }),
    ]);
    expect(all).toHaveLength(2);
  });

  it('clears speeding and idling, which are unknown once the truck is silent, but not a reefer excursion', () => {
    const steps: Step[] = [
      tel(T, { speedKph: 0, reeferTempC: 9 }),
      tel(T + 5 * MIN, { speedKph: 0, reeferTempC: 9 }), // idle and excursion start
      tel(T + 5 * MIN + 5 * SEC, { speedKph: 120, reeferTempC: 9 }), // speeding starts, idle clears
      { sweep: T + 11 * MIN },
    ];
    const { perStep, state } = run(steps, reeferTransfer);
    expect(perStep[1]?.map((a) => a.kind).sort()).toEqual(['idle', 'reefer-excursion']);
    expect(perStep[3]?.map((a) => [a.kind, a.state])).toEqual([
      ['no-data', 'active'],
      ['speeding', 'cleared'],
    ]);
    expect(Object.keys(state.active).sort()).toEqual(['no-data', 'reefer-excursion']);
  });
});

describe('bookkeeping', () => {
  it('emits nothing twice for the same sample evaluated again', () => {
    const s = sample(T, { speedKph: 120 });
    const first = evaluateAlerts(emptyAlertState(), { truckId: TRUCK, transfer: dryTransfer, telemetry: s, now: T });
    const again = evaluateAlerts(first.state, { truckId: TRUCK, transfer: dryTransfer, telemetry: s, now: T });
    expect(first.changes).toHaveLength(1);
    expect(again.changes).toEqual([]);
    expect(again.state.recent).toHaveLength(1);
  });

  it('does not change the state it was given', () => {
    const { state } = run([tel(T, { speedKph: 120 })]);
    const snapshot = structuredClone(state);
    const slower = sample(T + SEC, { speedKph: 50 });
    evaluateAlerts(state, { truckId: TRUCK, transfer: dryTransfer, telemetry: slower, now: T + SEC });
    evaluateAlerts(state, { truckId: TRUCK, transfer: dryTransfer, telemetry: null, now: T + 30 * MIN });
    expect(state).toEqual(snapshot);
  });

  it('files a late sample in order without letting it clear current alerts', () => {
    const { state, all } = run([tel(T + 10 * SEC, { speedKph: 110 }), tel(T + 5 * SEC, { speedKph: 50 })]);
    expect(all.map((a) => a.state)).toEqual(['active']);
    expect(state.recent.map((s) => s.ts)).toEqual([T + 5 * SEC, T + 10 * SEC]);
  });

  it('keeps at most 200 samples', () => {
    const steps = Array.from({ length: 300 }, (_, i) => tel(T + i * SEC));
    const { state } = run(steps);
    expect(state.recent).toHaveLength(200);
    expect(state.recent[0]?.ts).toBe(T + 100 * SEC);
    expect(state.recent[199]?.ts).toBe(T + 299 * SEC);
  });

  it('keeps only the last 15 minutes of samples', () => {
    // One a minute for 30 minutes (0 … 30): minutes 15 … 30 are within 15 minutes of the newest.
    const steps = Array.from({ length: 31 }, (_, i) => tel(T + i * MIN));
    const { state } = run(steps);
    expect(state.recent).toHaveLength(16);
    expect(state.recent[0]?.ts).toBe(T + 15 * MIN);
  });
});
