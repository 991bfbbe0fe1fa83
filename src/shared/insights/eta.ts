// Arrival estimates for a transfer, from its plan and the truck's stored telemetry.
import type { LatLon, Telemetry, Transfer } from '../fleet';
import { formatDuration } from './format';
import { haversineKm, routeProgress } from './geo';
import { MOVING_MIN_KPH } from './status';

/**
 * Window (ms) of the recent average speed: long enough to average out traffic lights and a slow
 * junction, short enough to follow a change from city streets to motorway.
 */
export const RECENT_SPEED_WINDOW_MS = 15 * 60_000;

/**
 * An estimate within this much (ms) of the planned arrival counts as on time: docks book slots
 * with about this slack, and a tighter band would flip back and forth with every speed change.
 */
export const ON_TIME_TOLERANCE_MS = 10 * 60_000;

/**
 * Within this distance (km) of the destination a truck has arrived: depots and yards are a few
 * hundred metres across, and trucks park away from the geocoded address point.
 */
export const ARRIVED_WITHIN_KM = 0.5;

/** How a transfer's arrival compares with its plan. */
export type EtaVerdict = 'on-time' | 'late' | 'early' | 'arrived' | 'unknown';

/** An arrival estimate for one transfer. */
export interface EtaEstimate {
  /** Epoch ms of the expected (or, once arrived, actual) arrival; null when it cannot be estimated. */
  etaMs: number | null;
  /** etaMs minus the planned arrival: positive = late, negative = early; null when etaMs is. */
  lateByMs: number | null;
  /** Distance still to drive: back to the route, then along it to the destination (km). */
  remainingKm: number;
  /** Share of the route travelled, 0..1. */
  fraction: number;
  verdict: EtaVerdict;
}

/** What estimateEta needs: the plan, the last sample, recent samples and the current time. */
export interface EtaInput {
  transfer: Transfer;
  last: Telemetry | null;
  recent: Telemetry[];
  now: number;
}

/** Mean speed (km/h) of the samples stamped within the window before now; null when there are none. */
export function recentSpeedKph(
  recent: Telemetry[],
  now: number,
  windowMs: number = RECENT_SPEED_WINDOW_MS,
): number | null {
  // No upper bound: a sample stamped slightly ahead of this clock (device clock skew) is still
  // the freshest news about the truck.
  const inWindow = recent.filter((s) => s.ts >= now - windowMs);
  if (inWindow.length === 0) return null;
  return inWindow.reduce((sum, s) => sum + s.speedKph, 0) / inWindow.length;
}

/** The planned road; a transfer stored without waypoints falls back to the straight line. */
function routeOf(transfer: Transfer): LatLon[] {
  return transfer.waypoints.length > 0 ? transfer.waypoints : [transfer.origin, transfer.destination];
}

function verdictOf(lateByMs: number): EtaVerdict {
  if (lateByMs > ON_TIME_TOLERANCE_MS) return 'late';
  if (lateByMs < -ON_TIME_TOLERANCE_MS) return 'early';
  return 'on-time';
}

/** Estimates when a transfer arrives and how that compares with its plan. */
export function estimateEta(input: EtaInput): EtaEstimate {
  const { transfer, last, recent, now } = input;
  const route = routeOf(transfer);
  if (!last) {
    const totalKm = routeProgress(route, transfer.origin).totalKm;
    return { etaMs: null, lateByMs: null, remainingKm: totalKm, fraction: 0, verdict: 'unknown' };
  }
  const samples = recent.some((s) => s.ts === last.ts) ? recent : [...recent, last];

  if (haversineKm(last, transfer.destination) <= ARRIVED_WITHIN_KM) {
    // Arrived when the truck first entered the destination and has stayed there since.
    let arrivedAt = last.ts;
    for (const s of [...samples].sort((x, y) => y.ts - x.ts)) {
      if (s.ts > last.ts) continue;
      if (haversineKm(s, transfer.destination) > ARRIVED_WITHIN_KM) break;
      arrivedAt = s.ts;
    }
    return {
      etaMs: arrivedAt,
      lateByMs: arrivedAt - transfer.plannedArrival,
      remainingKm: 0,
      fraction: 1,
      verdict: 'arrived',
    };
  }

  const progress = routeProgress(route, last);
  const remainingKm = progress.remainingKm + progress.offRouteKm;
  const unknown: EtaEstimate = {
    etaMs: null,
    lateByMs: null,
    remainingKm,
    fraction: progress.fraction,
    verdict: 'unknown',
  };

  const recentKph = recentSpeedKph(samples, now);
  let etaMs: number;
  if (recentKph !== null && recentKph >= MOVING_MIN_KPH) {
    etaMs = now + (remainingKm / recentKph) * 3_600_000;
  } else {
    // Standing still (a break, a queue, not yet left): assume it goes on at the planned pace,
    // and not before the planned departure.
    const plannedMs = transfer.plannedArrival - transfer.plannedDeparture;
    if (plannedMs <= 0 || progress.totalKm <= 0) return unknown;
    const plannedKph = progress.totalKm / (plannedMs / 3_600_000);
    etaMs = Math.max(now, transfer.plannedDeparture) + (remainingKm / plannedKph) * 3_600_000;
  }
  const lateByMs = etaMs - transfer.plannedArrival;
  return { etaMs, lateByMs, remainingKm, fraction: progress.fraction, verdict: verdictOf(lateByMs) };
}

/** Says an estimate in an operator's words: "on time", "late 23 min", "early 1 h 5 min", "arrived", "unknown". */
export function describeLateness(est: EtaEstimate): string {
  switch (est.verdict) {
    case 'on-time':
      return 'on time';
    case 'arrived':
      return 'arrived';
    case 'late':
    case 'early':
      return est.lateByMs === null ? 'unknown' : `${est.verdict} ${formatDuration(est.lateByMs)}`;
    default:
      return 'unknown';
  }
}
