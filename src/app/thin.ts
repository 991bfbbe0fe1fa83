/** Thinning a series for drawing: shared by the truck page's charts and its map. */

/** At most `max` of the points, evenly spread, the last one always kept: more than there are pixels is wasted work. */
export function thin<T>(points: readonly T[], max: number): readonly T[] {
  if (points.length <= max) return points;
  const step = points.length / max;
  const out: T[] = [];
  for (let i = 0; i < max - 1; i++) out.push(points[Math.floor(i * step)] as T);
  out.push(points[points.length - 1] as T);
  return out;
}
