/** `POST /api/ingest`: devices send telemetry with a Bearer key; validated, all-or-nothing, ids in order. */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { Telemetry } from '../../src/shared/fleet';
import { HttpError, describeError } from '../errors';
import type { Ingestor } from '../ingest';
import { tooManyRequests, type Limit } from '../limits';
import type { FleetwireMetrics } from '../metrics';
import type { ActiveDeviceKey, Directory } from '../store';
import { IngestBody, parseTelemetryBody } from '../telemetry';

/** Largest ingest body: 1 MB (design.md); 1,000 samples take ~250 KB. */
export const INGEST_BODY_LIMIT_BYTES = 1_048_576;
/** The per-key event rate is averaged over this window, s (a device may send its backlog at once). */
export const INGEST_RATE_WINDOW_S = 10;

/**
 * Counts `events` against the device key's rate (`FLEETWIRE_INGEST_RATE`) before anything is
 * published: 429 with `Retry-After` over it, 503 when the count cannot be kept (Redis away).
 * Shared by every device route, so a key has one rate whatever protocol it speaks.
 */
export async function countDeviceEvents(limit: Limit, key: ActiveDeviceKey, events: number, log: FastifyBaseLogger): Promise<void> {
  let over: number | null;
  try {
    over = await limit.take(key.prefix, events);
  } catch (err) {
    log.error({ err }, 'device rate limiter failed');
    throw new HttpError(503, 'ingest_unavailable', 'Telemetry cannot be counted right now; nothing was stored. Retry in a few seconds.', { 'retry-after': '2' });
  }
  if (over !== null) {
    throw tooManyRequests(over, (s) => `This device key sent more telemetry than its rate allows; nothing was stored. Retry in ${s} s, or send less often.`);
  }
}

/** Options of the ingest plugin. */
export interface IngestPluginOptions {
  ingestor: Ingestor;
  metrics: FleetwireMetrics;
  /** Where device keys are looked up (active keys only, kept current on every instance). */
  directory: Pick<Directory, 'deviceKey'>;
  /** Events per device key (`FLEETWIRE_INGEST_RATE`). */
  perDeviceKey: Limit;
}

const kDeviceKey = Symbol('fleetwire.ingest.deviceKey');
interface IngestRequest extends FastifyRequest {
  [kDeviceKey]?: ActiveDeviceKey;
}

/** The ingest route. */
export default async function ingestPlugin(app: FastifyInstance, options: IngestPluginOptions): Promise<void> {
  app.post(
    '/api/ingest',
    {
      bodyLimit: INGEST_BODY_LIMIT_BYTES,
      schema: { body: IngestBody },
      // The body check names the field and index in words; it is the same function the simulator uses.
      validatorCompiler: () => (data: unknown) => {
        try {
          return { value: parseTelemetryBody(data) };
        } catch (err) {
          return { error: err as Error };
        }
      },
      // Before the body is read: an unauthenticated device gets 401 whatever it sent.
      onRequest: async function deviceKey(request: IngestRequest) {
        const header = request.headers.authorization ?? '';
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
        const key = match ? options.directory.deviceKey(match[1] as string) : undefined;
        if (!key) {
          throw new HttpError(
            401,
            'invalid_device_key',
            match ? 'This device key is not valid: check the key configured on the device.' : 'Send the device key as "Authorization: Bearer <key>".',
            { 'www-authenticate': 'Bearer realm="fleetwire ingest"' },
          );
        }
        request[kDeviceKey] = key;
      },
      onError: async function countRejection(_request, _reply, error) {
        options.metrics.ingestRejected.inc({ status: String(describeError(error, INGEST_BODY_LIMIT_BYTES).status) });
      },
    },
    async function ingest(request: IngestRequest) {
      const key = request[kDeviceKey] as ActiveDeviceKey;
      const items = request.body as Telemetry[];
      await countDeviceEvents(options.perDeviceKey, key, items.length, request.log);
      const ids = await options.ingestor.publishTelemetry(key.tenant, items, key.truckId);
      return { ids };
    },
  );
}
