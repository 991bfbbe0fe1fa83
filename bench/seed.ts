// An established fleet for the page benchmarks: the demo simulator (seeded) has every acme truck
// report for a few minutes before the pages open, as a fleet that has been running would have.
import { buildDemoFleet } from '../server/demo/fleet';
import { mulberry32 } from '../server/demo/random';
import { FleetSimulator } from '../server/demo/simulator';
import type { Telemetry } from '../src/shared/fleet';
import { ingest } from '../test/support/server';

/** Above this the simulator's truck would raise a speeding alert (it clears at ≤ 95 km/h). */
const SPEEDING_CLEAR_KPH = 95;
/** What a truck the benchmarks keep from speeding drives instead, km/h. */
export const CRUISE_KPH = 82;
/** Samples per ingest request while seeding. */
const BATCH = 500;

/** The acme demo fleet's simulator and its truck ids. */
export interface SeededFleet {
  sim: FleetSimulator;
  truckIds: string[];
}

/**
 * Ingests `minutes` of history for every acme truck, one sample per truck every `stepS` seconds up
 * to now; returns the simulator, to go on from there. The same seed drives the same fleet.
 */
export async function seedFleet(url: string, minutes: number, stepS: number): Promise<SeededFleet> {
  const end = Date.now();
  const acme = buildDemoFleet(end).filter((t) => t.info.tenant === 'acme');
  const truckIds = acme.map((t) => t.info.id);
  const sim = new FleetSimulator(acme, { now: end - minutes * 60_000, random: mulberry32(42) });
  const samples: Telemetry[] = [];
  for (let t = end - minutes * 60_000; t <= end; t += stepS * 1000) {
    sim.advance(t);
    samples.push(...sim.take(truckIds.length, t).map(cruising));
  }
  for (let i = 0; i < samples.length; i += BATCH) await ingest(url, 'demo-acme', samples.slice(i, i + BATCH));
  return { sim, truckIds };
}

/**
 * The simulator speeds now and then; the benchmarks raise the alerts they measure themselves, so
 * that every run shows the same ones.
 */
export function cruising(s: Telemetry): Telemetry {
  return s.speedKph > SPEEDING_CLEAR_KPH ? { ...s, speedKph: CRUISE_KPH } : s;
}
