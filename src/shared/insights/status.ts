// What a truck is doing right now, from its last telemetry sample alone.
import type { Telemetry } from '../fleet';

/**
 * No sample for this long (ms) and the truck is shown as stale. The demo fleet reports every few
 * seconds and real devices every 30–60 s, so 2 minutes is two to four missed reports from a real
 * device: a tunnel or a dead zone, not a single dropped packet.
 */
export const STALE_AFTER_MS = 2 * 60_000;

/**
 * Below this speed (km/h) a truck counts as standing still: a parked truck's GPS wanders and
 * reports 1–2 km/h, while no truck on the road holds a real speed under 3 km/h for long.
 */
export const MOVING_MIN_KPH = 3;

/** A truck's state as its panel shows it. */
export type TruckStatus = 'moving' | 'idle' | 'stopped' | 'stale';

/** Classifies a truck from its last sample: stale, else moving, else idle (engine on), else stopped. */
export function truckStatus(last: Telemetry | null, now: number): TruckStatus {
  if (!last || now - last.ts > STALE_AFTER_MS) return 'stale';
  if (last.speedKph >= MOVING_MIN_KPH) return 'moving';
  return last.engineOn === true ? 'idle' : 'stopped';
}

/**
 * Driving time left (minutes, may be fractional) under hours-of-service rules: the device's figure
 * minus the time driven since, when the last sample was moving; never below 0. Null when unknown.
 */
export function hosRemainingMin(last: Telemetry | null, now: number): number | null {
  if (!last || last.hosRemainingMin === undefined) return null;
  // A truck last seen driving is assumed to keep driving: the safe side for a legal limit.
  const drivenMin = last.speedKph >= MOVING_MIN_KPH ? Math.max(0, now - last.ts) / 60_000 : 0;
  return Math.max(0, last.hosRemainingMin - drivenMin);
}
