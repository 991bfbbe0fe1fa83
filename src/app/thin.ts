/** Thinning a series for drawing: shared by the truck page's charts and its map. */

/**
 * Points a chart draws at most: the lowest and the highest of each unit of its plot (`<spark-chart>`
 * is about 410 units wide), so peaks stay; more than that is wasted work on every update.
 */
export const CHART_MAX_POINTS = 820;

/**
 * At most `max` of the points, chosen so that the drawing keeps its extremes: the points are cut
 * into `max / 2` runs of consecutive points, and each run gives its lowest and its highest value
 * (in their order), so a one-sample spike among tens of thousands still shows. The first and the
 * last point are always kept. Points whose `value` is undefined or not finite are left out (a
 * sample without a reefer reading). One pass, no allocation per point: cheap at 100,000 points.
 */
export function thin<T>(points: readonly T[], max: number, value: (point: T) => number | undefined): readonly T[] {
  const valid = (p: T): boolean => {
    const v = value(p);
    return v !== undefined && Number.isFinite(v);
  };
  if (points.length <= max) return points.every(valid) ? points : points.filter(valid);
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const n = points.length;
  const out: T[] = [];
  let first = -1;
  let last = -1;
  for (let i = 0; i < n; i++) {
    if (valid(points[i] as T)) {
      first = i;
      break;
    }
  }
  if (first < 0) return out;
  for (let i = n - 1; i >= first; i--) {
    if (valid(points[i] as T)) {
      last = i;
      break;
    }
  }
  out.push(points[first] as T);
  const inner = last - first - 1;
  if (inner > 0) {
    const size = inner / buckets;
    for (let b = 0; b < buckets; b++) {
      const from = first + 1 + Math.floor(b * size);
      const to = first + 1 + Math.floor((b + 1) * size);
      let lo = -1;
      let hi = -1;
      let loV = Infinity;
      let hiV = -Infinity;
      for (let i = from; i < to; i++) {
        const v = value(points[i] as T);
        if (v === undefined || !Number.isFinite(v)) continue;
        if (v < loV) {
          loV = v;
          lo = i;
        }
        if (v > hiV) {
          hiV = v;
          hi = i;
        }
      }
      if (lo < 0) continue;
      if (lo === hi) out.push(points[lo] as T);
      else if (lo < hi) out.push(points[lo] as T, points[hi] as T);
      else out.push(points[hi] as T, points[lo] as T);
    }
  }
  if (last !== first) out.push(points[last] as T);
  return out;
}

/** At most `max` of the points, evenly spread, the first and last always kept: for a map track, whose points have no one value to keep extremes of. */
export function thinEvenly<T>(points: readonly T[], max: number): readonly T[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  const out: T[] = [];
  for (let i = 0; i < max - 1; i++) out.push(points[Math.floor(i * step)] as T);
  out.push(points[points.length - 1] as T);
  return out;
}
