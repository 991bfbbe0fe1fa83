/** The alert sweep: one timer evaluates every truck without a sample, so silence raises a no-data alert. */
import type { FastifyInstance } from 'fastify';
import type { TruckInfo } from '../../src/shared/fleet';
import type { AlertTracker } from '../alerts';
import type { Bus } from '../bus';
import type { Ingestor } from '../ingest';
import type { LiveState } from '../live-state';

/** Sweep interval, ms: no-data alerts fire after minutes, so 5 s of lag is invisible. */
export const ALERT_SWEEP_MS = 5_000;

/** Options of the alerts plugin. */
export interface AlertsPluginOptions {
  engine: AlertTracker;
  ingestor: Ingestor;
  state: LiveState;
  bus: Bus;
  sweepMs?: number;
}

/** Runs the sweep while the app is up. */
export default async function alertsPlugin(app: FastifyInstance, options: AlertsPluginOptions): Promise<void> {
  let timer: NodeJS.Timeout | null = null;
  let busy = false;

  async function sweep(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      // Every instance sweeps; with shared trackers (Redis) the guarded publish lets one of them
      // raise each alert, and the others find it already raised when they evaluate again.
      for (const tenant of await options.engine.tenants()) {
        const snapshot = await options.state.snapshot(tenant, options.bus.epoch);
        const infos = new Map<string, TruckInfo>(snapshot.trucks.map((t) => [t.id, t]));
        await options.ingestor.sweepAlerts(tenant, (id) => infos.get(id));
      }
    } catch (err) {
      app.log.error({ err }, 'alert sweep failed; the next sweep tries again');
    } finally {
      busy = false;
    }
  }

  app.addHook('onReady', async function startSweep() {
    timer = setInterval(() => void sweep(), options.sweepMs ?? ALERT_SWEEP_MS);
    timer.unref();
  });
  app.addHook('preClose', async function stopSweep() {
    if (timer) clearInterval(timer);
  });
}
