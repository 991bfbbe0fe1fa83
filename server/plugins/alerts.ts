/**
 * Alerts: the sweep (one timer evaluates every truck without a sample, so silence raises a no-data
 * alert), the tenant's alert list, and acknowledgement for the whole tenant.
 */
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { TruckInfo } from '../../src/shared/fleet';
import { strictSchema } from '../strict-schema';
import { ackAlert, listAlerts, MAX_ALERTS_LISTED, type Database, type HistoryWriter } from '../store';
import { HttpError } from '../errors';
import type { Operator } from './auth';
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
  database: Database;
  /** Where alert events are queued for the database (a list right after an event includes it). */
  history: HistoryWriter;
  sweepMs?: number;
}


const AlertsQuery = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('all')])),
    truckId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$' })),
  },
  { additionalProperties: false },
);
const AlertParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });

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

  app.get(
    '/api/alerts',
    { onRequest: app.authenticate, schema: { querystring: AlertsQuery }, validatorCompiler: strictSchema },
    async function alerts(request) {
      const op = request.operator as Operator;
      const query = request.query as Static<typeof AlertsQuery>;
      const limit = query.limit === undefined ? 200 : Number(query.limit);
      if (limit < 1 || limit > MAX_ALERTS_LISTED) throw new HttpError(400, 'invalid_request', `limit must be from 1 to ${MAX_ALERTS_LISTED}.`);
      await options.history.settledWithin();
      return { alerts: await listAlerts(options.database.db, op.tenant, { state: query.state ?? 'active', truckId: query.truckId, limit }) };
    },
  );

  app.post(
    '/api/alerts/:id/ack',
    { onRequest: [app.authenticate, app.requireRole('operator')], schema: { params: AlertParams }, validatorCompiler: strictSchema },
    async function acknowledge(request) {
      const op = request.operator as Operator;
      const { id } = request.params as Static<typeof AlertParams>;
      // The alert may have been raised a moment ago by this instance: its row must be there first.
      await options.history.settledWithin();
      const { alert, changed } = await ackAlert(options.database.db, `operator:${op.username}`, op.tenant, id, op.username);
      // Every stream of the tenant, on every instance, gets the acknowledged alert.
      if (changed) await options.ingestor.publish(op.tenant, () => [{ type: 'alert', data: alert }]);
      return { alert };
    },
  );

  app.addHook('onReady', async function startSweep() {
    timer = setInterval(() => void sweep(), options.sweepMs ?? ALERT_SWEEP_MS);
    timer.unref();
  });
  app.addHook('preClose', async function stopSweep() {
    if (timer) clearInterval(timer);
  });
}
