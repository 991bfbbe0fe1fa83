// The fleet reducer shared by hub and tabs: copy on write, one copy per batch, bounded history.
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../src/shared/events';
import { applyStreamEvent, fleetStateFrom, RECENT_PER_TRUCK } from '../../src/shared/fleet-state';

const truck = { id: 't1', tenant: 'acme', name: 'T1', plate: 'P', driver: null, transfer: null, last: null, lastEventId: null, alerts: [] };
const telemetry = (seq: number): StreamEvent => ({
  id: `1-${seq}`,
  type: 'telemetry',
  data: { truckId: 't1', ts: seq, lat: 0, lon: 0, speedKph: seq, headingDeg: 0 },
});

describe('applyStreamEvent', () => {
  it('never mutates a truck state it handed out', () => {
    const state = fleetStateFrom([truck]);
    const before = state.trucks.get('t1')!;
    applyStreamEvent(state, telemetry(1));
    const after = state.trucks.get('t1')!;
    expect(after).not.toBe(before);
    expect(before.recent).toEqual([]);
    expect(before.lastEventId).toBeNull();
    expect(after.last?.ts).toBe(1);
  });

  it('copies a truck once per batch and updates that copy in place', () => {
    const state = fleetStateFrom([truck]);
    const before = state.trucks.get('t1')!;
    const copied = new Set<string>();
    applyStreamEvent(state, telemetry(1), copied);
    const first = state.trucks.get('t1')!;
    applyStreamEvent(state, telemetry(2), copied);
    expect(state.trucks.get('t1')).toBe(first);
    expect(first.recent.map((t) => t.ts)).toEqual([1, 2]);
    expect(first.lastEventId).toBe('1-2');
    expect(before.recent).toEqual([]);
    // A new batch starts from a new copy again.
    applyStreamEvent(state, telemetry(3), new Set());
    expect(state.trucks.get('t1')).not.toBe(first);
    expect(first.recent.map((t) => t.ts)).toEqual([1, 2]);
  });

  it('keeps the newest RECENT_PER_TRUCK samples, oldest first', () => {
    const state = fleetStateFrom([truck]);
    const copied = new Set<string>();
    for (let i = 1; i <= RECENT_PER_TRUCK + 5; i += 1) applyStreamEvent(state, telemetry(i), copied);
    const recent = state.trucks.get('t1')!.recent.map((t) => t.ts);
    expect(recent).toHaveLength(RECENT_PER_TRUCK);
    expect(recent[0]).toBe(6);
    expect(recent.at(-1)).toBe(RECENT_PER_TRUCK + 5);
  });
});
