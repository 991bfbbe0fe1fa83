/** `GET /healthz`: 200 while the server is serving; 503 when the bus's Redis does not answer. */
import type { FastifyInstance } from 'fastify';
import type { Bus } from '../bus';

/** Options of the health plugin. */
export interface HealthPluginOptions {
  bus: Pick<Bus, 'kind' | 'health'>;
}

/** The health route. */
export default async function healthPlugin(app: FastifyInstance, options: HealthPluginOptions): Promise<void> {
  app.get('/healthz', async function healthz(_request, reply) {
    if (!options.bus.health) return { status: 'ok' };
    const health = await options.bus.health();
    if (!health.ok) {
      // A load balancer takes the instance out of rotation; the message says why in words.
      return reply.code(503).header('cache-control', 'no-store').send({
        status: 'unavailable',
        error: 'redis_unreachable',
        message: health.message ?? 'Redis does not answer.',
      });
    }
    return { status: 'ok', redis: 'ok' };
  });
}
