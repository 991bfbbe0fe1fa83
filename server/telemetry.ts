/** The telemetry devices send: its TypeBox schema, and the check that turns a body into Telemetry[] or a 400. */
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Telemetry } from '../src/shared/fleet';
import { HttpError } from './errors';

/** Most items one ingest request may carry (design.md). */
export const MAX_ITEMS_PER_REQUEST = 1_000;
/**
 * Epoch ms of 2000-01-01: anything earlier is almost surely epoch *seconds* sent by mistake
 * (1.7e9 s reads as January 1970 in ms).
 */
export const MIN_TS_MS = 946_684_800_000;

// ISO 8601 date-time with a zone: a zoneless time means a different instant on every server.
const ISO_DATE_TIME = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})$';

/** What each field must be, in words; used for both the schema's description and the 400 message. */
const FIELD_RULES = {
  truckId: 'a truck id string such as "acme-01"',
  ts: 'an ISO 8601 date-time with a time zone (e.g. "2025-03-01T12:00:00Z") or epoch milliseconds',
  lat: 'a number between -90 and 90',
  lon: 'a number between -180 and 180',
  speedKph: 'a number of km/h from 0 to 400',
  headingDeg: 'a number of degrees from 0 to 360',
  odometerKm: 'a number of km, 0 or more',
  fuelPct: 'a percentage from 0 to 100',
  engineOn: 'true or false',
  reeferTempC: 'a temperature in °C from -60 to 60',
  reeferSetpointC: 'a temperature in °C from -60 to 60',
  driverId: 'a driver id string',
  hosRemainingMin: 'a number of minutes from 0 to 10080',
  altitudeM: 'a number of metres from -500 to 10000',
  accuracyM: 'a number of metres from 0 to 100000',
  batteryPct: 'a percentage from 0 to 100',
} as const;

type Field = keyof typeof FIELD_RULES;
const FIELDS = Object.keys(FIELD_RULES) as Field[];

/** One telemetry object as a device sends it (`ts` may be ISO 8601 or epoch ms). */
export const TelemetryInput = Type.Object(
  {
    truckId: Type.String({ minLength: 1, maxLength: 64, description: FIELD_RULES.truckId }),
    ts: Type.Union(
      [Type.String({ pattern: ISO_DATE_TIME, maxLength: 40 }), Type.Number({ minimum: MIN_TS_MS, maximum: 8.64e15 })],
      { description: FIELD_RULES.ts },
    ),
    lat: Type.Number({ minimum: -90, maximum: 90, description: FIELD_RULES.lat }),
    lon: Type.Number({ minimum: -180, maximum: 180, description: FIELD_RULES.lon }),
    speedKph: Type.Number({ minimum: 0, maximum: 400, description: FIELD_RULES.speedKph }),
    headingDeg: Type.Number({ minimum: 0, maximum: 360, description: FIELD_RULES.headingDeg }),
    odometerKm: Type.Optional(Type.Number({ minimum: 0, maximum: 1e8, description: FIELD_RULES.odometerKm })),
    fuelPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: FIELD_RULES.fuelPct })),
    engineOn: Type.Optional(Type.Boolean({ description: FIELD_RULES.engineOn })),
    reeferTempC: Type.Optional(Type.Number({ minimum: -60, maximum: 60, description: FIELD_RULES.reeferTempC })),
    reeferSetpointC: Type.Optional(Type.Number({ minimum: -60, maximum: 60, description: FIELD_RULES.reeferSetpointC })),
    driverId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: FIELD_RULES.driverId })),
    hosRemainingMin: Type.Optional(Type.Number({ minimum: 0, maximum: 10_080, description: FIELD_RULES.hosRemainingMin })),
    altitudeM: Type.Optional(Type.Number({ minimum: -500, maximum: 10_000, description: FIELD_RULES.altitudeM })),
    accuracyM: Type.Optional(Type.Number({ minimum: 0, maximum: 100_000, description: FIELD_RULES.accuracyM })),
    batteryPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100, description: FIELD_RULES.batteryPct })),
  },
  { additionalProperties: false },
);

/** A telemetry object as sent, before `ts` is normalized. */
export type TelemetryInput = Static<typeof TelemetryInput>;

/** The body of `POST /api/ingest`: one telemetry object or an array of 1 to 1,000. */
export const IngestBody = Type.Union([
  TelemetryInput,
  Type.Array(TelemetryInput, { minItems: 1, maxItems: MAX_ITEMS_PER_REQUEST }),
]);

/** The optional fields, copied only when present. */
const OPTIONAL_FIELDS = [
  'odometerKm',
  'fuelPct',
  'engineOn',
  'reeferTempC',
  'reeferSetpointC',
  'driverId',
  'hosRemainingMin',
  'altitudeM',
  'accuracyM',
  'batteryPct',
] as const;

const checkItem = Compile(TelemetryInput);
// Per-field checkers, compiled once, to name the first bad field after a failed whole-item check.
const checkField = new Map(FIELDS.map((f) => [f, Compile(TelemetryInput.properties[f] as TSchema)] as const));

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a string' : typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid_telemetry', message);
}

/** The first problem of one item, named with `where` (e.g. `items[3].` or `` for a single object). */
function itemProblem(item: unknown, where: string): string | null {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    return `${where || 'the body '}must be a telemetry object, got ${describeValue(item)}`.replace(/\.must/, ' must');
  }
  if (checkItem.Check(item)) return null;
  const record = item as Record<string, unknown>;
  // Report in field order, so the message does not depend on the validator's traversal.
  for (const field of FIELDS) {
    if (!(field in record)) {
      if ((TelemetryInput.required as readonly string[]).includes(field)) return `${where}${field} is required: ${FIELD_RULES[field]}`;
      continue;
    }
    if (checkField.get(field)?.Check(record[field]) === false) return `${where}${field} must be ${FIELD_RULES[field]}`;
  }
  const unknownField = Object.keys(record).find((k) => !(FIELDS as string[]).includes(k));
  if (unknownField !== undefined) {
    return `${where}${unknownField} is not a telemetry field; known fields: ${FIELDS.join(', ')}`;
  }
  return `${where || 'the body '}is not valid telemetry`;
}

/**
 * How far ahead of the server's clock a sample may be, ms: device clocks drift by seconds, not
 * minutes, and a sample from the future would freeze its truck's last state until that time.
 */
export const MAX_FUTURE_TS_MS = 5 * 60_000;

function normalizeTs(ts: string | number, where: string, now: number): number {
  const ms = typeof ts === 'number' ? ts : Date.parse(ts);
  if (!Number.isFinite(ms) || ms < MIN_TS_MS) throw invalid(`${where}ts must be ${FIELD_RULES.ts}`);
  if (ms > now + MAX_FUTURE_TS_MS) {
    throw invalid(`${where}ts is ${Math.round((ms - now) / 60_000)} minutes ahead of the server's clock (at most 5 are accepted): check the device's clock.`);
  }
  return ms;
}

/**
 * Checks a device's body and returns it as Telemetry[] with `ts` in epoch ms; throws a 400
 * HttpError naming the first bad field and its index. Both the route and the simulator use it.
 */
export function parseTelemetryBody(body: unknown, now: number = Date.now()): Telemetry[] {
  const isArray = Array.isArray(body);
  const items: unknown[] = isArray ? body : [body];
  if (isArray && (items.length === 0 || items.length > MAX_ITEMS_PER_REQUEST)) {
    throw invalid(
      `Send 1 to ${MAX_ITEMS_PER_REQUEST} telemetry items per request; this one has ${items.length}.`,
    );
  }
  if (!isArray && (typeof body !== 'object' || body === null)) {
    throw invalid(`The body must be a telemetry object or an array of them, got ${describeValue(body)}.`);
  }
  const out: Telemetry[] = [];
  for (let i = 0; i < items.length; i++) {
    const where = isArray ? `items[${i}].` : '';
    const problem = itemProblem(items[i], where);
    if (problem !== null) throw invalid(problem);
    const input = items[i] as TelemetryInput;
    const t: Telemetry = {
      truckId: input.truckId,
      ts: normalizeTs(input.ts, where, now),
      lat: input.lat,
      lon: input.lon,
      speedKph: input.speedKph,
      headingDeg: input.headingDeg,
    };
    // Copy only present optionals, so stored JSON has no `undefined` holes.
    for (const key of OPTIONAL_FIELDS) {
      if (input[key] !== undefined) (t as unknown as Record<string, unknown>)[key] = input[key];
    }
    out.push(t);
  }
  return out;
}
