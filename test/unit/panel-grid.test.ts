// The dashboard keeps panels in sort order by moving only those outside the longest run already in order.
import { describe, expect, it } from 'vitest';
import { longestIncreasingRun } from '../../src/app/panel-grid';

/** Length of the longest strictly increasing subsequence of the non-negative entries, O(n²). */
function longestLength(positions: number[]): number {
  const best = positions.map(() => 0);
  let max = 0;
  positions.forEach((v, i) => {
    if (v < 0) return;
    best[i] = 1;
    for (let j = 0; j < i; j++) if (positions[j]! >= 0 && positions[j]! < v) best[i] = Math.max(best[i]!, best[j]! + 1);
    max = Math.max(max, best[i]!);
  });
  return max;
}

function isValidRun(positions: number[], run: Set<number>): boolean {
  const indices = [...run].sort((a, b) => a - b);
  return indices.every((k, n) => positions[k]! >= 0 && (n === 0 || positions[indices[n - 1]!]! < positions[k]!));
}

describe('longestIncreasingRun', () => {
  it('keeps everything when the order did not change', () => {
    expect([...longestIncreasingRun([0, 1, 2, 3])].sort()).toEqual([0, 1, 2, 3]);
  });

  it('moves only the one truck that changed place', () => {
    // Truck at position 7 of 8 jumped to the front: everything else stays.
    const run = longestIncreasingRun([7, 0, 1, 2, 3, 4, 5, 6]);
    expect(run.size).toBe(7);
    expect(run.has(0)).toBe(false);
  });

  it('never keeps a panel that is not placed yet', () => {
    const run = longestIncreasingRun([-1, 0, -1, 1]);
    expect([...run].sort()).toEqual([1, 3]);
  });

  it('finds a longest run on random orders', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 300; trial++) {
      const n = Math.floor(random() * 40);
      const positions = Array.from({ length: n }, (_, i) => i).sort(() => random() - 0.5);
      for (let k = 0; k < n; k++) if (random() < 0.1) positions[k] = -1;
      const run = longestIncreasingRun(positions);
      expect(isValidRun(positions, run)).toBe(true);
      expect(run.size).toBe(longestLength(positions));
    }
  });
});
