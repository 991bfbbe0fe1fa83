import { describe, expect, it } from 'vitest';
import { thin } from '../../src/app/thin';

describe('thin', () => {
  it('returns a series that fits as it is', () => {
    const points = [1, 2, 3];
    expect(thin(points, 3)).toBe(points);
  });

  it('keeps at most `max` points, in order, evenly spread, always the first and the last', () => {
    const points = Array.from({ length: 1_000 }, (_, i) => i);
    const out = thin(points, 100);
    expect(out).toHaveLength(100);
    expect(out[0]).toBe(0);
    expect(out.at(-1)).toBe(999);
    const gaps = out.slice(1, -1).map((p, i) => p - out[i]!);
    expect(new Set(gaps)).toEqual(new Set([10]));
  });
});
