/**
 * `GET|POST /api/osmand`: the OsmAnd protocol the Traccar Client app and many GPS trackers speak.
 * The device identifier is a fleetwire device key bound to one truck; the fields come in the query
 * string, a form body, a flat JSON body, or the Traccar Client's JSON (`{device_id, location:{…}}`).
 * 200 with an empty body when stored; `{error, message}` otherwise.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Telemetry } from '../../src/shared/fleet';
import { HttpError, describeError } from '../errors';
import type { Ingestor } from '../ingest';
import type { Limit } from '../limits';
import { countDeviceEvents } from './ingest';
import type { FleetwireMetrics } from '../metrics';
import type { Directory } from '../store';
import { parseTelemetryBody } from '../telemetry';

/** Knots → km/h. */
const KPH_PER_KNOT = 1.852;
/** m/s → km/h (the Traccar Client's JSON reports m/s). */
const KPH_PER_MPS = 3.6;
/** Epoch values below this are seconds (2038 in seconds), at or above are ms. */
const MAX_EPOCH_SECONDS = 2_147_483_647;
/** Largest OsmAnd body: one position is a few hundred bytes. */
export const OSMAND_BODY_LIMIT_BYTES = 16_384;

/** Options of the OsmAnd plugin. */
export interface OsmandPluginOptions {
  ingestor: Ingestor;
  metrics: FleetwireMetrics;
  directory: Pick<Directory, 'deviceKey'>;
  /** Events per device key (`FLEETWIRE_INGEST_RATE`): the same count as `/api/ingest`. */
  perDeviceKey: Limit;
}

type Fields = Record<string, unknown>;

function invalid(field: string, rule: string, value: unknown): HttpError {
  return new HttpError(400, 'invalid_position', `${field} must be ${rule}, got ${JSON.stringify(value)}.`);
}

/** A number from a query/form string or a JSON number; undefined when absent. */
function numberField(fields: Fields, name: string, rule: string): number | undefined {
  const raw = fields[name];
  if (raw === undefined || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isFinite(value)) throw invalid(name, rule, raw);
  return value;
}

/** Epoch seconds, epoch ms or ISO 8601 → epoch ms. */
function timestampField(raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const rule = 'epoch seconds or an ISO 8601 date-time with a time zone';
  if (typeof raw === 'number' || (typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw.trim()))) {
    const n = Number(raw);
    return n < MAX_EPOCH_SECONDS ? Math.round(n * 1000) : Math.round(n);
  }
  if (typeof raw === 'string' && /T.*([zZ]|[+-]\d{2}:?\d{2})$/.test(raw.trim())) {
    const ms = Date.parse(raw.trim());
    if (Number.isFinite(ms)) return ms;
  }
  throw invalid('timestamp', rule, raw);
}

/** The Traccar Client's JSON, flattened into the OsmAnd names (speed stays in its own unit: m/s). */
function flattenTraccarJson(body: Fields): { fields: Fields; speedUnit: 'knots' | 'mps' } {
  const location = body.location;
  if (typeof location !== 'object' || location === null || Array.isArray(location)) return { fields: body, speedUnit: 'knots' };
  const loc = location as Fields;
  const coords = (typeof loc.coords === 'object' && loc.coords !== null ? loc.coords : {}) as Fields;
  const battery = (typeof loc.battery === 'object' && loc.battery !== null ? loc.battery : {}) as Fields;
  const level = battery.level;
  return {
    fields: {
      id: body.device_id ?? body.id,
      timestamp: loc.timestamp,
      lat: coords.latitude,
      lon: coords.longitude,
      speed: coords.speed,
      bearing: coords.heading,
      altitude: coords.altitude,
      accuracy: coords.accuracy,
      // The app reports 0..1 (and -1 when unknown).
      batt: typeof level === 'number' && level >= 0 ? level * 100 : undefined,
    },
    speedUnit: 'mps',
  };
}

/** One position as fleetwire telemetry of `truckId`; a 400 naming the field when it is not a position. */
export function osmandTelemetry(fields: Fields, truckId: string, speedUnit: 'knots' | 'mps', now: number): Telemetry {
  let lat = numberField(fields, 'lat', 'a latitude from -90 to 90');
  let lon = numberField(fields, 'lon', 'a longitude from -180 to 180');
  if ((lat === undefined || lon === undefined) && typeof fields.location === 'string') {
    const [a, b] = fields.location.split(',');
    lat = numberField({ lat: a }, 'lat', 'a latitude from -90 to 90');
    lon = numberField({ lon: b }, 'lon', 'a longitude from -180 to 180');
  }
  if (lat === undefined) throw new HttpError(400, 'invalid_position', 'lat is required: the latitude in degrees.');
  if (lon === undefined) throw new HttpError(400, 'invalid_position', 'lon is required: the longitude in degrees.');
  const speed = numberField(fields, 'speed', `a speed in ${speedUnit === 'mps' ? 'm/s' : 'knots'}, 0 or more`);
  const heading = numberField(fields, 'bearing', 'a bearing in degrees from 0 to 360') ?? numberField(fields, 'heading', 'a heading in degrees from 0 to 360');
  const altitude = numberField(fields, 'altitude', 'an altitude in metres');
  const accuracy = numberField(fields, 'accuracy', 'an accuracy in metres, 0 or more');
  const battery = numberField(fields, 'batt', 'a battery level in percent from 0 to 100');
  const kph = speed === undefined || speed < 0 ? 0 : speed * (speedUnit === 'mps' ? KPH_PER_MPS : KPH_PER_KNOT);
  const item: Record<string, unknown> = {
    truckId,
    ts: timestampField(fields.timestamp) ?? now,
    lat,
    lon,
    speedKph: Math.round(kph * 100) / 100,
    // Trackers report -1 for "no bearing" and 360 for north.
    headingDeg: heading === undefined || heading < 0 ? 0 : heading % 360,
  };
  if (altitude !== undefined) item.altitudeM = altitude;
  if (accuracy !== undefined) item.accuracyM = accuracy;
  if (battery !== undefined) item.batteryPct = battery;
  try {
    return parseTelemetryBody(item)[0] as Telemetry;
  } catch (err) {
    // Name the OsmAnd field the device sent, not fleetwire's.
    const message = err instanceof Error ? err.message : String(err);
    const names: Record<string, string> = { speedKph: 'speed', headingDeg: 'bearing', altitudeM: 'altitude', accuracyM: 'accuracy', batteryPct: 'batt', ts: 'timestamp' };
    const field = Object.keys(names).find((k) => message.startsWith(k));
    throw new HttpError(400, 'invalid_position', field ? `${names[field]}: ${message}` : message);
  }
}

function fieldsOf(request: FastifyRequest): { fields: Fields; speedUnit: 'knots' | 'mps' } {
  const query = (request.query ?? {}) as Fields;
  const body = request.body;
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const flat = flattenTraccarJson(body as Fields);
    // The query string names the device when the body does not.
    return { fields: { ...query, ...Object.fromEntries(Object.entries(flat.fields).filter(([, v]) => v !== undefined)) }, speedUnit: flat.speedUnit };
  }
  if (body !== undefined && body !== null && body !== '') {
    throw new HttpError(400, 'invalid_position', 'The body must be a form (id=…&lat=…) or a JSON object.');
  }
  return { fields: query, speedUnit: 'knots' };
}

/** The OsmAnd route. */
export default async function osmandPlugin(app: FastifyInstance, options: OsmandPluginOptions): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: OSMAND_BODY_LIMIT_BYTES }, function formBody(_request, body, done) {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  async function report(request: FastifyRequest): Promise<string> {
    const { fields, speedUnit } = fieldsOf(request);
    const id = fields.id ?? fields.deviceid;
    if (typeof id !== 'string' || id === '') {
      throw new HttpError(401, 'invalid_device_key', 'Send the device key as the device identifier (id=…).');
    }
    const key = options.directory.deviceKey(id);
    if (!key) throw new HttpError(401, 'invalid_device_key', 'This device identifier is not a valid device key: check the key configured on the device.');
    if (key.truckId === null) {
      throw new HttpError(400, 'invalid_position', 'id: this device key is not bound to a truck; an admin issues one with a truck for OsmAnd devices.');
    }
    const telemetry = osmandTelemetry(fields, key.truckId, speedUnit, Date.now());
    await countDeviceEvents(options.perDeviceKey, key, 1, request.log);
    await options.ingestor.publishTelemetry(key.tenant, [telemetry], key.truckId);
    return '';
  }

  const routeOptions = {
    bodyLimit: OSMAND_BODY_LIMIT_BYTES,
    onError: async function countRejection(_request: FastifyRequest, _reply: unknown, error: Error) {
      options.metrics.ingestRejected.inc({ status: String(describeError(error, OSMAND_BODY_LIMIT_BYTES).status) });
    },
  };
  app.get('/api/osmand', routeOptions, async function osmandGet(request, reply) {
    await report(request);
    return reply.code(200).send('');
  });
  app.post('/api/osmand', routeOptions, async function osmandPost(request, reply) {
    await report(request);
    return reply.code(200).send('');
  });
}
