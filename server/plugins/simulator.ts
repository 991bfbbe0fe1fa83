/** Demo mode's moving fleet: drives the simulator on a timer and feeds it through the ingest path. */
import type { FastifyInstance } from 'fastify';
import type { DemoTruck } from '../demo/fleet';
import { FleetSimulator } from '../demo/simulator';
import type { Ingestor } from '../ingest';

/** Simulator tick, ms: five times a second keeps emission smooth at the default 5 events/s. */
export const SIM_TICK_MS = 200;

/** Options of the simulator plugin. */
export interface SimulatorPluginOptions {
  ingestor: Ingestor;
  fleet: readonly DemoTruck[];
  /** Events per second across the fleet; 0 = off. */
  rate: number;
  timeScale: number;
  now?: () => number;
  random?: () => number;
}

/** Starts the simulator when the app is ready and stops it when the app closes. */
export default async function simulatorPlugin(app: FastifyInstance, options: SimulatorPluginOptions): Promise<void> {
  if (options.rate <= 0) return;
  const now = options.now ?? Date.now;
  const sim = new FleetSimulator(options.fleet, { now: now(), timeScale: options.timeScale, random: options.random });
  const tenantOf = new Map(options.fleet.map((t) => [t.info.id, t.info.tenant]));
  let timer: NodeJS.Timeout | null = null;
  let budget = 0;
  let last = now();
  let busy = false;

  async function feed(items: ReturnType<FleetSimulator['take']>): Promise<void> {
    const byTenant = new Map<string, typeof items>();
    for (const item of items) {
      const tenant = tenantOf.get(item.truckId) as string;
      byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), item]);
    }
    // The same call a device's POST ends in, validation included.
    await Promise.all([...byTenant].map(([tenant, batch]) => options.ingestor.ingest(tenant, batch)));
  }

  async function tick(): Promise<void> {
    // A slow bus must not pile up overlapping ticks.
    if (busy) return;
    busy = true;
    try {
      const t = now();
      budget += ((t - last) / 1000) * options.rate;
      last = t;
      for (const info of sim.advance(t)) {
        await options.ingestor.publish(info.tenant, () => [{ type: 'truck', data: info }]);
      }
      const count = Math.floor(budget);
      budget -= count;
      if (count > 0) await feed(sim.take(count, t));
    } catch (err) {
      app.log.error({ err }, 'simulator tick failed; it carries on with the next tick');
    } finally {
      busy = false;
    }
  }

  app.addHook('onReady', async function startSimulator() {
    // One sample per truck right away, so the fleet has a last known state from the first page load.
    await feed(sim.sampleAll(now()));
    last = now();
    timer = setInterval(() => void tick(), SIM_TICK_MS);
    app.log.info({ rate: options.rate, trucks: options.fleet.length, timeScale: options.timeScale }, 'demo simulator running');
  });
  app.addHook('preClose', async function stopSimulator() {
    if (timer) clearInterval(timer);
  });
}
