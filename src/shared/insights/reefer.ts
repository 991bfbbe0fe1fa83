// Reefer (refrigerated trailer) temperature excursions, from stored samples alone.
import type { Cargo, Telemetry } from '../fleet';

/**
 * How long (ms) every reading must stay outside setpoint ± tolerance before it is an excursion.
 * Opening the doors at a dock spikes the air temperature for a minute or so without harming the
 * load; 2 minutes rides that out, yet the demo simulator can show a real excursion within a demo.
 */
export const EXCURSION_MIN_MS = 2 * 60_000;

/** The current reefer excursion of a truck, if any. */
export interface ReeferExcursion {
  /** True once every reading for minDurationMs has been out of range. */
  active: boolean;
  /** Epoch ms of the first reading of the current out-of-range run; null when the latest reading is in range. */
  since: number | null;
  /** Signed deviation from setpoint (°C) with the largest magnitude in the current run; 0 when none. */
  worstDeltaC: number;
}

/** Signed deviation of a sample from its setpoint (the sample's own setpoint when it reports one). */
function deltaC(s: Telemetry & { reeferTempC: number }, setpointC: number): number {
  return s.reeferTempC - (s.reeferSetpointC ?? setpointC);
}

/** Finds the current out-of-range run of reefer readings and whether it has lasted long enough. */
export function reeferExcursion(
  samples: Telemetry[],
  cargo: Cargo,
  now: number,
  minDurationMs: number = EXCURSION_MIN_MS,
): ReeferExcursion {
  const none: ReeferExcursion = { active: false, since: null, worstDeltaC: 0 };
  if (cargo.kind !== 'reefer') return none;
  const readings = samples
    .filter((s): s is Telemetry & { reeferTempC: number } => typeof s.reeferTempC === 'number')
    .sort((x, y) => x.ts - y.ts);
  let since: number | null = null;
  let worstDeltaC = 0;
  // Walk back from the newest reading while readings are out of range.
  for (let i = readings.length - 1; i >= 0; i--) {
    const s = readings[i];
    if (!s) break;
    const d = deltaC(s, cargo.setpointC);
    // Exactly at the tolerance is still within range.
    if (Math.abs(d) <= cargo.toleranceC) break;
    since = s.ts;
    if (Math.abs(d) > Math.abs(worstDeltaC)) worstDeltaC = d;
  }
  if (since === null) return none;
  return { active: now - since >= minDurationMs, since, worstDeltaC };
}
