import { describe, expect, it } from 'vitest';
import type { Telemetry } from '../../src/shared/fleet';
import { addSamples, firstAtOrAfter, mergeSamples, samplesBetween, timeOrdered } from '../../src/shared/samples';

function s(ts: number, speedKph = 50): Telemetry {
  return { truckId: 't1', ts, lat: 50, lon: 5, speedKph, headingDeg: 0 };
}
const times = (list: readonly Telemetry[]) => list.map((x) => x.ts);

describe('mergeSamples', () => {
  it('merges the server history, the stored samples and live ones: sorted, one sample per ts, no gap', () => {
    const server = [1, 2, 3, 4, 5].map((t) => s(t, 10));
    const stored = [4, 5, 6].map((t) => s(t, 20));
    const live = [6, 7, 8].map((t) => s(t, 30));
    const merged = mergeSamples(mergeSamples(server, stored), live);
    expect(times(merged)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Where both hold a time, the first argument's sample stays (the server's, the record).
    expect(merged[3]!.speedKph).toBe(10);
    expect(merged[5]!.speedKph).toBe(20);
  });

  it('interleaves overlapping series and drops exact duplicates', () => {
    const a = [1, 3, 5, 7].map((t) => s(t));
    const b = [2, 3, 4, 7, 9].map((t) => s(t));
    expect(times(mergeSamples(a, b))).toEqual([1, 2, 3, 4, 5, 7, 9]);
    expect(times(mergeSamples(b, a))).toEqual([1, 2, 3, 4, 5, 7, 9]);
  });

  it('puts unordered input (a device that sent late) in order first', () => {
    const a = [5, 1, 3, 3].map((t) => s(t));
    const b = [4, 2].map((t) => s(t));
    expect(times(mergeSamples(a, b))).toEqual([1, 2, 3, 4, 5]);
    expect(times(timeOrdered(a))).toEqual([1, 3, 5]);
  });

  it('returns an input itself when the other adds nothing, and concatenates disjoint series', () => {
    const a = [1, 2, 3].map((t) => s(t));
    expect(mergeSamples(a, [])).toBe(a);
    expect(mergeSamples([], a)).toBe(a);
    expect(mergeSamples(a, [s(2), s(3)])).toBe(a);
    expect(times(mergeSamples([s(10), s(11)], a))).toEqual([1, 2, 3, 10, 11]);
  });

  it('merges 120,000 samples with 120,000 overlapping ones in linear time (a quadratic merge takes minutes)', () => {
    const a = Array.from({ length: 120_000 }, (_, i) => s(i * 5_000));
    const b = Array.from({ length: 120_000 }, (_, i) => s(60_000 * 5_000 + i * 5_000));
    mergeSamples(a, b);
    const start = performance.now();
    const merged = mergeSamples(a, b);
    // Generous: about 5 ms alone, but tests share the machine's cores.
    expect(performance.now() - start).toBeLessThan(300);
    expect(merged).toHaveLength(180_000);
  });
});

describe('samplesBetween', () => {
  it('keeps since <= ts < until, by binary search', () => {
    const list = [1, 2, 3, 4, 5].map((t) => s(t));
    expect(times(samplesBetween(list, 2, 4))).toEqual([2, 3]);
    expect(samplesBetween(list, 0)).toBe(list);
    expect(firstAtOrAfter(list, 6)).toBe(5);
    expect(firstAtOrAfter(list, 2.5)).toBe(2);
  });
});

describe('addSamples', () => {
  it('appends live samples newer than the history, once, whatever their order', () => {
    const history = [1, 2, 3].map((t) => s(t));
    const recent = [2, 3, 5, 4].map((t) => s(t));
    const out = addSamples(history, recent);
    expect(times(out)).toEqual([1, 2, 3, 4, 5]);
    expect(out[0]).toBe(history[0]);
    // Handing the same recent samples again adds nothing: the very same list comes back.
    expect(addSamples(out, recent)).toBe(out);
  });

  it('merges a late sample that falls inside the history', () => {
    const history = [1, 2, 4].map((t) => s(t));
    expect(times(addSamples(history, [s(3), s(5)]))).toEqual([1, 2, 3, 4, 5]);
  });
});
