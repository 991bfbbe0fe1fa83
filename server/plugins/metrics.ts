/** `GET /metrics`: the app's Prometheus registry in text format, behind a bearer token when one is set. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError } from '../errors';
import type { FleetwireMetrics } from '../metrics';

/** Options of the metrics plugin. */
export interface MetricsPluginOptions {
  metrics: FleetwireMetrics;
  /** `FLEETWIRE_METRICS_TOKEN`: scrapers send `Authorization: Bearer <token>`; undefined: open. */
  token?: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The metrics route. */
export default async function metricsPlugin(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const expected = options.token === undefined ? null : digest(options.token);
  app.get('/metrics', async function metrics(request, reply) {
    if (expected) {
      const sent = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      // Compared as digests: equal lengths, constant time.
      if (sent === undefined || !timingSafeEqual(digest(sent), expected)) {
        throw new HttpError(401, 'unauthorized', 'Metrics need "Authorization: Bearer <FLEETWIRE_METRICS_TOKEN>".', {
          'www-authenticate': 'Bearer realm="fleetwire metrics"',
        });
      }
    }
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).header('cache-control', 'no-store').send(body);
  });
}
