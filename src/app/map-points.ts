/**
 * What the fleet map draws, from the trucks' views: one point per truck with a known position, its
 * status (the one its panel shows), heading and alerts; and the words that describe it to someone
 * who cannot see the map. Pure, so the WebGL map, the SVG map and the list agree on every truck.
 */
import type { TruckStatus } from '../shared/insights';
import type { Prefs } from '../shared/protocol';
import { formatSpeed } from './format';
import { STATUS_LABEL, type TruckView } from './truck-view';

/** One truck on the map. */
export interface MapTruck {
  id: string;
  name: string;
  plate: string;
  status: TruckStatus;
  lat: number;
  lon: number;
  headingDeg: number;
  speedKph: number;
  /** The most severe active alert, or null. */
  alert: 'critical' | 'warning' | null;
  alertCount: number;
}

/** At this many trucks and more, the map gathers nearby trucks into clusters (a few pixels apart they hide each other). */
export const CLUSTER_FROM_TRUCKS = 100;

/** Order in which statuses are listed (the legend) and the status a cluster takes (the first present). */
export const STATUS_ORDER: readonly TruckStatus[] = ['stale', 'stopped', 'idle', 'moving'];

/** The design token (theme.css) of each status's colour: the same as the panel's status chip. */
export const STATUS_COLOR_VAR: Record<TruckStatus, string> = {
  moving: '--fw-ok',
  idle: '--fw-warn',
  stopped: '--fw-info',
  stale: '--fw-stale',
};

/**
 * The map's truck of a view, or null when the truck never reported a position. The view object of an
 * unchanged truck is the same from frame to frame (FleetController), so callers cache on it.
 */
export function mapTruck(v: TruckView): MapTruck | null {
  const last = v.last;
  if (!last || !Number.isFinite(last.lat) || !Number.isFinite(last.lon)) return null;
  // Every active alert, acknowledged or not: the header's count counts them the same way.
  const active = v.alerts;
  return {
    id: v.id,
    name: v.name,
    plate: v.plate,
    status: v.status,
    lat: last.lat,
    lon: last.lon,
    headingDeg: ((last.headingDeg % 360) + 360) % 360,
    speedKph: last.speedKph,
    alert: active.some((a) => a.severity === 'critical') ? 'critical' : active.length ? 'warning' : null,
    alertCount: active.length,
  };
}

/** Trucks per status, and how many have an active alert. */
export interface MapCounts {
  byStatus: Record<TruckStatus, number>;
  alerts: number;
}

/** Counts the trucks on the map. */
export function countTrucks(trucks: readonly MapTruck[]): MapCounts {
  const byStatus: Record<TruckStatus, number> = { moving: 0, idle: 0, stopped: 0, stale: 0 };
  let alerts = 0;
  for (const t of trucks) {
    byStatus[t.status]++;
    if (t.alert) alerts++;
  }
  return { byStatus, alerts };
}

/** "24 trucks on the map: 12 moving, 5 idle, 4 stopped, 3 stale; 2 with alerts." */
export function describeFleet(trucks: readonly MapTruck[], withoutPosition: number): string {
  const { byStatus, alerts } = countTrucks(trucks);
  const parts = STATUS_ORDER.filter((s) => byStatus[s] > 0).map((s) => `${byStatus[s]} ${STATUS_LABEL[s].toLowerCase()}`);
  let text = `${trucks.length} ${trucks.length === 1 ? 'truck' : 'trucks'} on the map`;
  if (parts.length) text += `: ${parts.join(', ')}`;
  if (alerts) text += `; ${alerts} with ${alerts === 1 ? 'an alert' : 'alerts'}`;
  if (withoutPosition) text += `. ${withoutPosition} without a position yet`;
  return `${text}.`;
}

const COMPASS = ['north', 'north-east', 'east', 'south-east', 'south', 'south-west', 'west', 'north-west'] as const;

/** "north-east" for 40°. */
export function compassWord(headingDeg: number): string {
  return COMPASS[Math.round((((headingDeg % 360) + 360) % 360) / 45) % 8]!;
}

/** "51.9204° N, 4.4800° E": four decimals are about 10 m, finer than a truck. */
export function formatLatLon(lat: number, lon: number): string {
  return `${Math.abs(lat).toFixed(4)}° ${lat < 0 ? 'S' : 'N'}, ${Math.abs(lon).toFixed(4)}° ${lon < 0 ? 'W' : 'E'}`;
}

/** One truck in words: "Truck 03, AB-12-CD: Moving at 82 km/h heading east, 1 alert. 51.9204° N, 4.4800° E." */
export function describeTruck(t: MapTruck, prefs: Prefs): string {
  const plate = t.plate ? `, ${t.plate}` : '';
  const motion = t.status === 'moving' ? ` at ${formatSpeed(t.speedKph, prefs)} heading ${compassWord(t.headingDeg)}` : '';
  const alerts = t.alertCount ? `, ${t.alertCount} ${t.alertCount === 1 ? 'alert' : 'alerts'}` : '';
  return `${t.name}${plate}: ${STATUS_LABEL[t.status]}${motion}${alerts}. ${formatLatLon(t.lat, t.lon)}.`;
}

/** Longitude/latitude bounds: [west, south, east, north]. */
export type Bounds = [number, number, number, number];

/**
 * The bounds of the trucks, widened to at least `minSpanDeg` each way so that one truck (or a
 * depot full of them) is shown with its surroundings rather than at street level. Null without trucks.
 */
export function truckBounds(trucks: readonly MapTruck[], minSpanDeg = 2): Bounds | null {
  if (trucks.length === 0) return null;
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const t of trucks) {
    w = Math.min(w, t.lon);
    e = Math.max(e, t.lon);
    s = Math.min(s, t.lat);
    n = Math.max(n, t.lat);
  }
  const padLon = Math.max(0, minSpanDeg - (e - w)) / 2;
  const padLat = Math.max(0, minSpanDeg - (n - s)) / 2;
  return [w - padLon, Math.max(-85, s - padLat), e + padLon, Math.min(85, n + padLat)];
}
