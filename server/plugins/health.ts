/**
 * `GET /healthz`: 200 while the server is serving; 503 when the bus's Redis does not answer.
 *
 * Anyone may ask, so the answer says only whether the instance serves: what failed (a host, a port,
 * a driver's error text) goes to the server log, where the people who can fix it look.
 */
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus';

/** Options of the health plugin. */
export interface HealthPluginOptions {
  bus: Pick<Bus, 'kind' | 'health'>;
}

/** The 503 body: the same words whatever failed. */
export const UNAVAILABLE_BODY = {
  status: 'unavailable',
  error: 'unavailable',
  message: 'fleetwire cannot serve right now; the server log says why.',
} as const;

/** While unhealthy, the detail is logged again at most this often (ms): a load balancer asks every few seconds. */
const RELOG_MS = 60_000;

/** The health route. */
export default async function healthPlugin(app: FastifyInstance, options: HealthPluginOptions): Promise<void> {
  /** When the failure was last logged; null while healthy. */
  let loggedAt: number | null = null;

  app.get('/healthz', async function healthz(_request, reply) {
    if (!options.bus.health) return { status: 'ok' };
    const health = await options.bus.health();
    if (!health.ok) {
      const now = Date.now();
      if (loggedAt === null || now - loggedAt >= RELOG_MS) {
        loggedAt = now;
        app.log.error({ bus: options.bus.kind, detail: health.message }, '/healthz: unavailable');
      }
      // A load balancer takes the instance out of rotation.
      return reply.code(503).header('cache-control', 'no-store').send(UNAVAILABLE_BODY);
    }
    if (loggedAt !== null) {
      loggedAt = null;
      app.log.info({ bus: options.bus.kind }, '/healthz: available again');
    }
    return { status: 'ok', redis: 'ok' };
  });
}
