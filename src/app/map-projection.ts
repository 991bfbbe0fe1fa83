/**
 * The simple map's projection: Web Mercator (as MapLibre draws), fitted to a box of pixels, and the
 * basemap outlines as SVG paths in it. Pure, so the paths are built once per view, not per event.
 */
import type { MultiLineString } from 'geojson';
import type { Bounds } from './map-points';
import type { LandPolygon } from './world-outlines';

/** Web Mercator leaves the poles at infinity; it is cut here, as web maps do. */
const MAX_LAT = 85;

/** A projection of longitude/latitude onto a box of pixels. */
export interface MapView {
  width: number;
  height: number;
  /** Pixels of a longitude/latitude. */
  project(lon: number, lat: number): [number, number];
  /** What the box shows: [west, south, east, north]. */
  visible: Bounds;
}

/** Mercator's y of a latitude (radians of the projected plane, growing northwards). */
function mercY(lat: number): number {
  const phi = (Math.max(-MAX_LAT, Math.min(MAX_LAT, lat)) * Math.PI) / 180;
  return Math.log(Math.tan(Math.PI / 4 + phi / 2));
}

function latOf(y: number): number {
  return ((2 * Math.atan(Math.exp(y)) - Math.PI / 2) * 180) / Math.PI;
}

/** Fits `bounds` into `width`×`height` pixels with `padPx` to spare on every side, centred. */
export function fitView(bounds: Bounds, width: number, height: number, padPx: number): MapView {
  const [w, s, e, n] = bounds;
  const x0 = (w * Math.PI) / 180;
  const x1 = (e * Math.PI) / 180;
  const y0 = mercY(s);
  const y1 = mercY(n);
  const innerW = Math.max(1, width - 2 * padPx);
  const innerH = Math.max(1, height - 2 * padPx);
  const scale = Math.min(innerW / Math.max(x1 - x0, 1e-6), innerH / Math.max(y1 - y0, 1e-6));
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const project = (lon: number, lat: number): [number, number] => [
    width / 2 + ((lon * Math.PI) / 180 - cx) * scale,
    height / 2 - (mercY(lat) - cy) * scale,
  ];
  const visible: Bounds = [
    ((cx - width / 2 / scale) * 180) / Math.PI,
    latOf(cy - height / 2 / scale),
    ((cx + width / 2 / scale) * 180) / Math.PI,
    latOf(cy + height / 2 / scale),
  ];
  return { width, height, project, visible };
}

/** True when a point lies in the view, with `marginPx` to spare. */
export function inView(view: MapView, lon: number, lat: number, marginPx: number): boolean {
  const [x, y] = view.project(lon, lat);
  return x >= marginPx && x <= view.width - marginPx && y >= marginPx && y <= view.height - marginPx;
}

function intersects(a: Bounds, b: readonly number[]): boolean {
  return (b[0] ?? 0) <= a[2] && (b[2] ?? 0) >= a[0] && (b[1] ?? 0) <= a[3] && (b[3] ?? 0) >= a[1];
}

/** Adds a line of [lon, lat] to a path, dropping points less than half a pixel from the last one kept. */
function addLine(out: string[], line: readonly number[][], view: MapView, close: boolean): void {
  let lastX = NaN;
  let lastY = NaN;
  let n = 0;
  for (const [lon = 0, lat = 0] of line) {
    const [x, y] = view.project(lon, lat);
    if (n > 0 && Math.abs(x - lastX) < 0.5 && Math.abs(y - lastY) < 0.5) continue;
    out.push(`${n === 0 ? 'M' : 'L'}${x.toFixed(1)} ${y.toFixed(1)}`);
    lastX = x;
    lastY = y;
    n++;
  }
  if (close && n > 0) out.push('Z');
}

/** The land in view as one SVG path (even-odd, so lakes stay open). */
export function landPath(polygons: readonly LandPolygon[], view: MapView): string {
  const out: string[] = [];
  for (const p of polygons) {
    if (!intersects(view.visible, p.bbox)) continue;
    for (const ring of p.rings) addLine(out, ring, view, true);
  }
  return out.join('');
}

/** The borders between countries as one SVG path (lines whose bounds miss the view are left out). */
export function bordersPath(borders: MultiLineString, view: MapView): string {
  const out: string[] = [];
  for (const line of borders.coordinates) {
    const b = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [lon = 0, lat = 0] of line) {
      b[0] = Math.min(b[0]!, lon);
      b[1] = Math.min(b[1]!, lat);
      b[2] = Math.max(b[2]!, lon);
      b[3] = Math.max(b[3]!, lat);
    }
    if (intersects(view.visible, b)) addLine(out, line, view, false);
  }
  return out.join('');
}
