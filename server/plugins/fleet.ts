/** The fleet snapshot and a truck's history, for logged-in operators of the truck's tenant. */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import Type, { type Static } from 'typebox';
import type { Telemetry } from '../../src/shared/fleet';
import type { Bus } from '../bus';
import { HttpError } from '../errors';
import type { LiveState } from '../live-state';
import { readHistoryJson, streamHistory, type Database, type Directory, type HistoryQuery, type HistoryWriter } from '../store';
import type { Operator } from './auth';

/** Options of the fleet plugin. */
export interface FleetPluginOptions {
  bus: Bus;
  state: LiveState;
  directory: Directory;
  database: Database;
  history: HistoryWriter;
}

/** How far back `history` goes when `since` is not given: one day, the truck window's default. */
export const DEFAULT_HISTORY_MS = 24 * 60 * 60_000;
/** Most samples one history answer carries. */
export const MAX_HISTORY_LIMIT = 10_000;

const HistoryParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const HistoryQuery = Type.Object(
  {
    since: Type.Optional(Type.String({ maxLength: 40, description: 'epoch ms or ISO 8601; samples with ts >= since (default: a day before until)' })),
    until: Type.Optional(Type.String({ maxLength: 40, description: 'epoch ms or ISO 8601; samples with ts < until (default: now)' })),
    limit: Type.Optional(Type.String({ maxLength: 10, description: `1 to ${MAX_HISTORY_LIMIT} (default ${MAX_HISTORY_LIMIT})` })),
    format: Type.Optional(Type.String({ maxLength: 10, description: 'json (default) or csv' })),
  },
  { additionalProperties: false },
);

/** A time parameter: epoch ms or an ISO 8601 date-time with a zone; a 400 naming it otherwise. */
function timeParam(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const ms = /^\d+$/.test(raw) ? Number(raw) : /[zZ]|[+-]\d{2}:?\d{2}$/.test(raw) ? Date.parse(raw) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > 8.64e15) {
    throw new HttpError(400, 'invalid_request', `${name} must be a time: epoch milliseconds or ISO 8601 with a time zone (e.g. 2026-01-31T12:00:00Z), got "${raw}".`);
  }
  return ms;
}

/** CSV columns, units in their names. */
const CSV_COLUMNS: readonly [string, (t: Telemetry) => unknown][] = [
  ['ts_iso', (t) => new Date(t.ts).toISOString()],
  ['ts_ms', (t) => t.ts],
  ['lat_deg', (t) => t.lat],
  ['lon_deg', (t) => t.lon],
  ['speed_kph', (t) => t.speedKph],
  ['heading_deg', (t) => t.headingDeg],
  ['odometer_km', (t) => t.odometerKm],
  ['fuel_pct', (t) => t.fuelPct],
  ['engine_on', (t) => t.engineOn],
  ['reefer_temp_c', (t) => t.reeferTempC],
  ['reefer_setpoint_c', (t) => t.reeferSetpointC],
  ['driver_id', (t) => t.driverId],
  ['hos_remaining_min', (t) => t.hosRemainingMin],
];

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  // Quote what CSV needs quoted, and neutralise cells a spreadsheet would run as a formula.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** CSV text, a header row then one line per sample, produced page by page as the reader takes it. */
async function* csvLines(pages: AsyncGenerator<Telemetry[]>): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.map(([name]) => name).join(',')}\r\n`;
  for await (const page of pages) {
    let chunk = '';
    for (const t of page) chunk += `${CSV_COLUMNS.map(([, get]) => csvCell(get(t))).join(',')}\r\n`;
    yield chunk;
  }
}

function sendCsv(reply: FastifyReply, database: Database, query: HistoryQuery): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${query.truckId.replace(/[^A-Za-z0-9._-]/g, '_')}-history.csv"`)
    .send(Readable.from(csvLines(streamHistory(database.db, query))));
}

/** `GET /api/fleet` and `GET /api/trucks/:id/history`. */
export default async function fleetPlugin(app: FastifyInstance, options: FleetPluginOptions): Promise<void> {
  const { bus, state, directory, database, history } = options;

  app.get('/api/fleet', { onRequest: app.authenticate }, async function fleet(request) {
    const op = request.operator as Operator;
    return state.snapshot(op.tenant, bus.epoch);
  });

  app.get(
    '/api/trucks/:id/history',
    { onRequest: app.authenticate, schema: { params: HistoryParams, querystring: HistoryQuery } },
    async function truckHistory(request, reply) {
      const op = request.operator as Operator;
      const { id } = request.params as Static<typeof HistoryParams>;
      const query = request.query as Static<typeof HistoryQuery>;
      // Another tenant's truck is reported exactly like a missing one: its existence is not ours to reveal.
      if (!directory.truck(op.tenant, id)) {
        throw new HttpError(404, 'unknown_truck', `There is no truck "${id}" in your fleet.`);
      }
      const now = Date.now();
      const sinceGiven = query.since === undefined ? undefined : timeParam('since', query.since, 0);
      // Without `until`, the range ends now (or at `since`, for a range that has not begun: empty).
      const until = timeParam('until', query.until, Math.max(now, sinceGiven ?? 0));
      const since = sinceGiven ?? until - DEFAULT_HISTORY_MS;
      if (since > until) throw new HttpError(400, 'invalid_request', 'since must not be after until.');
      const limit = query.limit === undefined ? MAX_HISTORY_LIMIT : Number(query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
        throw new HttpError(400, 'invalid_request', `limit must be a whole number from 1 to ${MAX_HISTORY_LIMIT}, got "${query.limit}".`);
      }
      const format = query.format ?? (/\btext\/csv\b/.test(request.headers.accept ?? '') ? 'csv' : 'json');
      if (format !== 'json' && format !== 'csv') throw new HttpError(400, 'invalid_request', `format must be json or csv, got "${format}".`);
      // What this instance accepted a moment ago is in the answer.
      await history.settledWithin();
      const range: HistoryQuery = { tenant: op.tenant, truckId: id, since, until, limit };
      if (format === 'csv') return sendCsv(reply, database, range);
      // Assembled around the database's own JSON text: 10,000 samples are not parsed and serialized again.
      const telemetry = await readHistoryJson(database.db, range);
      return reply.type('application/json; charset=utf-8').send(`{"truckId":${JSON.stringify(id)},"since":${since},"until":${until},"telemetry":${telemetry}}`);
    },
  );
}
