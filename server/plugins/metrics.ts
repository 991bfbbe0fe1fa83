/** `GET /metrics`: the app's Prometheus registry in text format. */
import type { FastifyInstance } from 'fastify';
import type { FleetwireMetrics } from '../metrics';

/** Options of the metrics plugin. */
export interface MetricsPluginOptions {
  metrics: FleetwireMetrics;
}

/** The metrics route. */
export default async function metricsPlugin(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  app.get('/metrics', async function metrics(_request, reply) {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
}
