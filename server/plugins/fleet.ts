/** The fleet snapshot and a truck's history, for logged-in operators of the truck's tenant. */
import type { FastifyInstance } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Bus } from '../bus';
import { HttpError } from '../errors';
import type { LiveState } from '../live-state';
import type { Operator } from './auth';

/** Options of the fleet plugin. */
export interface FleetPluginOptions {
  bus: Bus;
  store: LiveState;
}

/** How far back `history` goes when `since` is not given: one hour. */
export const DEFAULT_HISTORY_MS = 60 * 60_000;

/** Latest `since` accepted: the largest time a JavaScript Date can hold, in ms. */
const MAX_SINCE_MS = 8.64e15;

const HistoryParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const HistoryQuery = Type.Object({
  since: Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_SINCE_MS, description: 'epoch ms; samples with ts >= since (default: the last hour)' }),
  ),
});

/** `GET /api/fleet` and `GET /api/trucks/:id/history`. */
export default async function fleetPlugin(app: FastifyInstance, options: FleetPluginOptions): Promise<void> {
  const { bus, store } = options;

  app.get('/api/fleet', { preHandler: app.authenticate }, async function fleet(request) {
    const op = request.operator as Operator;
    return store.snapshot(op.tenant, bus.epoch);
  });

  app.get(
    '/api/trucks/:id/history',
    { preHandler: app.authenticate, schema: { params: HistoryParams, querystring: HistoryQuery } },
    async function history(request) {
      const op = request.operator as Operator;
      const { id } = request.params as Static<typeof HistoryParams>;
      const { since } = request.query as Static<typeof HistoryQuery>;
      const truck = await store.truck(id);
      // Another tenant's truck is reported exactly like a missing one: its existence is not ours to reveal.
      if (!truck || truck.tenant !== op.tenant) {
        throw new HttpError(404, 'unknown_truck', `There is no truck "${id}" in your fleet.`);
      }
      // The query validator turns "Infinity" into a number that passes its integer and range checks.
      if (since !== undefined && !Number.isSafeInteger(since)) {
        throw new HttpError(400, 'invalid_request', 'since must be a time in epoch milliseconds: a whole number from 0.');
      }
      const from = since ?? Date.now() - DEFAULT_HISTORY_MS;
      return { truckId: id, since: from, telemetry: await store.history(id, from) };
    },
  );
}
