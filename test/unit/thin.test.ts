import { describe, expect, it } from 'vitest';
import { thin, thinEvenly } from '../../src/app/thin';

interface P {
  t: number;
  v: number | undefined;
}

const value = (p: P) => p.v;

describe('thin', () => {
  it('returns a series that fits as it is', () => {
    const points: P[] = [
      { t: 1, v: 1 },
      { t: 2, v: 2 },
      { t: 3, v: 3 },
    ];
    expect(thin(points, 3, value)).toBe(points);
  });

  it('keeps a one-sample temperature spike among 20,000 samples, and the lowest dip too', () => {
    const points: P[] = Array.from({ length: 20_000 }, (_, i) => ({ t: i * 5_000, v: 3 + Math.sin(i / 50) * 0.4 }));
    points[12_345] = { t: 12_345 * 5_000, v: 14.2 };
    points[7_777] = { t: 7_777 * 5_000, v: -9 };
    const out = thin(points, 400, value);
    expect(out.length).toBeLessThanOrEqual(400);
    expect(out).toContain(points[12_345]);
    expect(out).toContain(points[7_777]);
    expect(Math.max(...out.map((p) => p.v!))).toBe(14.2);
    expect(Math.min(...out.map((p) => p.v!))).toBe(-9);
  });

  it('keeps the first and the last point and the order of time', () => {
    const points: P[] = Array.from({ length: 10_000 }, (_, i) => ({ t: i, v: (i * 7919) % 101 }));
    const out = thin(points, 300, value);
    expect(out[0]).toBe(points[0]);
    expect(out.at(-1)).toBe(points.at(-1));
    for (let i = 1; i < out.length; i++) expect(out[i]!.t).toBeGreaterThan(out[i - 1]!.t);
    // Every run of the series keeps its own extremes: the drawing spans the series' whole range.
    expect(Math.max(...out.map((p) => p.v!))).toBe(100);
    expect(Math.min(...out.map((p) => p.v!))).toBe(0);
  });

  it('leaves out points without a value', () => {
    const points: P[] = Array.from({ length: 5_000 }, (_, i) => ({ t: i, v: i % 2 ? undefined : i }));
    const out = thin(points, 100, value);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.every((p) => p.v !== undefined)).toBe(true);
    expect(thin(points.slice(0, 6), 100, value).map((p) => p.t)).toEqual([0, 2, 4]);
  });

  it('thins 120,000 points in one linear pass', () => {
    const points: P[] = Array.from({ length: 120_000 }, (_, i) => ({ t: i, v: Math.random() }));
    thin(points, 800, value);
    const start = performance.now();
    thin(points, 800, value);
    // Generous: a few milliseconds alone, but tests share the machine's cores.
    expect(performance.now() - start).toBeLessThan(300);
  });
});

describe('thinEvenly', () => {
  it('keeps at most `max` points, in order, evenly spread, always the first and the last', () => {
    const points = Array.from({ length: 1_000 }, (_, i) => i);
    const out = thinEvenly(points, 100);
    expect(out).toHaveLength(100);
    expect(out[0]).toBe(0);
    expect(out.at(-1)).toBe(999);
    const gaps = out.slice(1, -1).map((p, i) => p - out[i]!);
    expect(new Set(gaps)).toEqual(new Set([10]));
  });
});
