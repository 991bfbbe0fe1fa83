/**
 * Transfer files (plans) as an admin writes them, CSV or JSON: every row checked and every problem
 * named by row and field, so a whole file can be fixed in one pass before anything is stored.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import Type, { type Static, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { TransferInput } from './store/fleet';
import { MAX_TEXT, TRUCK_ID } from './store/validation';
import { MIN_TS_MS } from './telemetry';

/** Most transfers one file may hold: a large fleet's plans for weeks, and still one quick transaction. */
export const MAX_TRANSFERS_PER_FILE = 10_000;
/** Most waypoints one transfer may have: plenty for a road drawn at a few km per point across a continent. */
export const MAX_WAYPOINTS = 1_000;
/** Characters of a bad value quoted back in a message: enough to recognise it, not a wall of text. */
const QUOTE_CHARS = 40;

/** The formats a transfer file may have. */
export type TransferFileFormat = 'csv' | 'json';

/** One thing wrong in a file. `row` counts data rows from 1; row 0 is the file itself (its header, its size). */
export interface TransferFileProblem {
  row: number;
  /** The field (JSON path such as `origin.lat`) or CSV column at fault; `file` or `transfer` for a whole file or row. */
  field: string;
  message: string;
}

/** What a file holds: the transfers that passed every check, and every problem found. Store nothing unless `problems` is empty. */
export interface ParsedTransferFile {
  transfers: TransferInput[];
  /** The file's data row (from 1) of each transfer, in the same order. */
  rows: number[];
  problems: TransferFileProblem[];
}

/** The columns of a CSV transfer file, in the order the header usually has them. */
export const CSV_COLUMNS = [
  'id',
  'truckId',
  'originName',
  'originLat',
  'originLon',
  'destinationName',
  'destinationLat',
  'destinationLon',
  'plannedDeparture',
  'plannedArrival',
  'cargo',
  'reeferSetpointC',
] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
/** Columns a CSV file may leave out (or leave empty in a row). */
const OPTIONAL_COLUMNS: readonly CsvColumn[] = ['id', 'cargo', 'reeferSetpointC'];

// ISO 8601 date-time with a zone (the same shape ingest accepts): a zoneless time means a different instant on every server.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
/** Latest instant a JavaScript Date can hold, ms. */
const MAX_TS_MS = 8.64e15;

const ID_WORDS = '1 to 64 letters, digits and . _ - (starting with a letter or digit)';

/** What each value must be, in words: the schemas' descriptions and the problems' messages. */
const RULES = {
  id: `a transfer id of ${ID_WORDS}`,
  truckId: `a truck id of ${ID_WORDS}, e.g. "acme-01"`,
  place: 'an object {"name": …, "lat": …, "lon": …}',
  name: `a place name of 1 to ${MAX_TEXT} characters`,
  lat: 'a latitude from -90 to 90',
  lon: 'a longitude from -180 to 180',
  time: 'an ISO 8601 date-time with a time zone (e.g. "2025-03-01T08:00:00Z") or epoch milliseconds',
  waypoints: `a list of 2 to ${MAX_WAYPOINTS} points {"lat": …, "lon": …}`,
  point: 'a point {"lat": …, "lon": …}',
  cargo: `a cargo description of at most ${MAX_TEXT} characters`,
  reeferSetpointC: 'a temperature in °C from -60 to 60 (leave it out for dry cargo)',
} as const;

const Lat = Type.Number({ minimum: -90, maximum: 90, description: RULES.lat });
const Lon = Type.Number({ minimum: -180, maximum: 180, description: RULES.lon });
const Name = Type.String({ minLength: 1, maxLength: MAX_TEXT, pattern: '\\S', description: RULES.name });
const Time = Type.Union([Type.String({ pattern: ISO_DATE_TIME.source, maxLength: 40 }), Type.Integer({ minimum: MIN_TS_MS, maximum: MAX_TS_MS })], {
  description: RULES.time,
});
const Place = Type.Object({ name: Name, lat: Lat, lon: Lon }, { additionalProperties: false, description: RULES.place });
const Point = Type.Object({ lat: Lat, lon: Lon }, { additionalProperties: false, description: RULES.point });

/** One transfer of a JSON file (a JSON file is an array of these). */
export const TransferFileRow = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: TRUCK_ID.source, description: RULES.id })),
    truckId: Type.String({ pattern: TRUCK_ID.source, description: RULES.truckId }),
    origin: Place,
    destination: Place,
    plannedDeparture: Time,
    plannedArrival: Time,
    waypoints: Type.Optional(Type.Array(Point, { minItems: 2, maxItems: MAX_WAYPOINTS, description: RULES.waypoints })),
    cargo: Type.Optional(Type.String({ maxLength: MAX_TEXT, description: RULES.cargo })),
    // The same range as the store's checkSetpoint; null (or no value) is dry cargo.
    reeferSetpointC: Type.Optional(Type.Union([Type.Number({ minimum: -60, maximum: 60 }), Type.Null()], { description: RULES.reeferSetpointC })),
  },
  { additionalProperties: false },
);
/** One transfer of a JSON file, as written. */
export type TransferFileRow = Static<typeof TransferFileRow>;

type RowField = keyof typeof TransferFileRow.properties;
const ROW_FIELDS = Object.keys(TransferFileRow.properties) as RowField[];
const REQUIRED_FIELDS = new Set<string>(TransferFileRow.required);

const checkRow = Compile(TransferFileRow);
// Per-field checkers, compiled once, to name each bad field after a failed whole-row check.
const checkField = new Map(ROW_FIELDS.map((f) => [f, Compile(TransferFileRow.properties[f] as TSchema)] as const));
const checkName = Compile(Name);
const checkLat = Compile(Lat);
const checkLon = Compile(Lon);
const checkPoint = Compile(Point);

/** How a CSV column maps onto a JSON row's path, so both formats share one set of checks. */
const CSV_PATH: Record<CsvColumn, string> = {
  id: 'id',
  truckId: 'truckId',
  originName: 'origin.name',
  originLat: 'origin.lat',
  originLon: 'origin.lon',
  destinationName: 'destination.name',
  destinationLat: 'destination.lat',
  destinationLon: 'destination.lon',
  plannedDeparture: 'plannedDeparture',
  plannedArrival: 'plannedArrival',
  cargo: 'cargo',
  reeferSetpointC: 'reeferSetpointC',
};
const COLUMN_OF_PATH = new Map(Object.entries(CSV_PATH).map(([column, p]) => [p, column]));

/**
 * Parses and checks a transfer file. Every row is checked and every problem reported (a row may
 * have several); `transfers` holds the rows without problems, times in epoch ms, ids derived where
 * missing (`<truckId>-<departure as YYYYMMDDHHmm UTC>`).
 */
export function parseTransferFile(text: string, format: TransferFileFormat): ParsedTransferFile {
  const read = format === 'csv' ? readCsv(text) : readJson(text);
  if ('problem' in read) return { transfers: [], rows: [], problems: [read.problem] };
  const { rows, problems } = read;
  if (rows.length === 0 && problems.length === 0) {
    problems.push({ row: 0, field: 'file', message: 'The file has no transfers.' });
  }
  const transfers: TransferInput[] = [];
  const transferRows: number[] = [];
  const firstRowOfId = new Map<string, number>();
  for (const { row, value } of rows) {
    const rowProblems: TransferFileProblem[] = [];
    const transfer = checkTransfer(value, row, format, rowProblems);
    if (transfer) {
      const earlier = firstRowOfId.get(transfer.id);
      if (earlier !== undefined) {
        const derived = (value as { id?: unknown }).id == null;
        rowProblems.push({
          row,
          field: 'id',
          message: derived
            ? `The id derived from truckId and plannedDeparture, "${transfer.id}", is also row ${earlier}'s: give one of them its own id.`
            : `id "${transfer.id}" is also row ${earlier}'s: each transfer in a file needs its own id.`,
        });
      } else {
        firstRowOfId.set(transfer.id, row);
      }
    }
    if (rowProblems.length === 0 && transfer) {
      transfers.push(transfer);
      transferRows.push(row);
    }
    problems.push(...rowProblems);
  }
  // Rows in order (a CSV row's value count is checked while reading, before the others' fields); stable within a row.
  problems.sort((a, b) => a.row - b.row);
  return { transfers, rows: transferRows, problems };
}

/** A file's data rows before checking, with their 1-based row numbers; or the one problem that stops reading it. */
type ReadResult = { rows: { row: number; value: unknown }[]; problems: TransferFileProblem[] } | { problem: TransferFileProblem };

function tooMany(count: number): { problem: TransferFileProblem } {
  return {
    problem: {
      row: 0,
      field: 'file',
      message: `The file has ${count.toLocaleString('en')} transfers; import at most ${MAX_TRANSFERS_PER_FILE.toLocaleString('en')} per file (split it).`,
    },
  };
}

function readJson(text: string): ReadResult {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    return { problem: { row: 0, field: 'file', message: `The file is not valid JSON (${(err as Error).message}).` } };
  }
  if (!Array.isArray(data)) {
    return {
      problem: { row: 0, field: 'file', message: `A JSON transfer file holds an array of transfers [{"truckId": …, "origin": …}, …]; this one holds ${describe(data)}.` },
    };
  }
  if (data.length > MAX_TRANSFERS_PER_FILE) return tooMany(data.length);
  return { rows: data.map((value, i) => ({ row: i + 1, value })), problems: [] };
}

function readCsv(text: string): ReadResult {
  let records: string[][];
  try {
    records = parseCsv(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (err) {
    return { problem: { row: 0, field: 'file', message: `The file is not readable as CSV (${(err as Error).message}).` } };
  }
  const [header, ...data] = records;
  if (!header) {
    return { problem: { row: 0, field: 'file', message: `The file is empty: its first line must be the header (${CSV_COLUMNS.join(',')}).` } };
  }
  if (data.length > MAX_TRANSFERS_PER_FILE) return tooMany(data.length);

  const problems: TransferFileProblem[] = [];
  const seen = new Set<string>();
  for (const name of header) {
    if (!(CSV_COLUMNS as readonly string[]).includes(name)) {
      problems.push({ row: 0, field: name, message: `The header has a column "${name}" that is not a transfer column; the columns are ${CSV_COLUMNS.join(', ')}.` });
    } else if (seen.has(name)) {
      problems.push({ row: 0, field: name, message: `The header has the column ${name} twice.` });
    }
    seen.add(name);
  }
  const missing = CSV_COLUMNS.filter((c) => !seen.has(c) && !OPTIONAL_COLUMNS.includes(c));
  for (const column of missing) {
    problems.push({ row: 0, field: column, message: `The header has no ${column} column; every transfer needs one.` });
  }
  // Without a required column every row would repeat the same problem: the header's one says it all.
  if (missing.length > 0) return { rows: [], problems };

  const rows: { row: number; value: unknown }[] = [];
  data.forEach((record, i) => {
    const row = i + 1;
    if (record.length !== header.length) {
      problems.push({
        row,
        field: 'transfer',
        message: `The row has ${record.length} value${record.length === 1 ? '' : 's'} but the header has ${header.length} columns (a missing comma, or an unquoted comma inside a value?).`,
      });
      return;
    }
    const cells = new Map<string, string>();
    header.forEach((name, c) => {
      if (!cells.has(name)) cells.set(name, record[c] ?? '');
    });
    rows.push({ row, value: csvToRow(cells) });
  });
  return { rows, problems };
}

/** A CSV row in the JSON shape: numbers where the cell reads as one, empty cells left out (so they count as missing). */
function csvToRow(cells: ReadonlyMap<string, string>): Record<string, unknown> {
  const text = (c: CsvColumn) => {
    const v = cells.get(c);
    return v === undefined || v === '' ? undefined : v;
  };
  const number = (c: CsvColumn) => {
    const v = text(c);
    // Left as text when it is not a number, so the message quotes what the cell holds.
    return v !== undefined && Number.isFinite(Number(v)) ? Number(v) : v;
  };
  const time = (c: CsvColumn) => {
    const v = text(c);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : v;
  };
  const row: Record<string, unknown> = {
    id: text('id'),
    truckId: text('truckId'),
    origin: { name: text('originName'), lat: number('originLat'), lon: number('originLon') },
    destination: { name: text('destinationName'), lat: number('destinationLat'), lon: number('destinationLon') },
    plannedDeparture: time('plannedDeparture'),
    plannedArrival: time('plannedArrival'),
    cargo: text('cargo'),
    reeferSetpointC: number('reeferSetpointC'),
  };
  return withoutUndefined(row);
}

function withoutUndefined(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'object' && value !== null ? withoutUndefined(value as Record<string, unknown>) : value;
  }
  return out;
}

/** Where one row's problems go, with fields named as the file names them (a CSV column, or a JSON path). */
interface RowReport {
  /** The field's name in this file's format. */
  label(path: string): string;
  /** How this format says a value is absent ("is missing" from a JSON object, "is empty" in a CSV cell). */
  absent: string;
  add(path: string, message: string): void;
}

/** Checks one row, adding its problems; the transfer when it has none. */
function checkTransfer(
  value: unknown,
  row: number,
  format: TransferFileFormat,
  problems: TransferFileProblem[],
): TransferInput | null {
  const label = format === 'csv' ? (p: string) => COLUMN_OF_PATH.get(p) ?? p : (p: string) => p;
  const report: RowReport = { label, absent: format === 'csv' ? 'is empty' : 'is missing', add: (path, message) => problems.push({ row, field: label(path), message }) };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push({ row, field: 'transfer', message: `Each transfer must be an object {"truckId": …, "origin": …, …}, got ${describe(value)}.` });
    return null;
  }
  // null in an optional field means "none", as an empty CSV cell does.
  const record = Object.fromEntries(
    Object.entries(value).filter(([key, v]) => !(v === null && !REQUIRED_FIELDS.has(key) && key !== 'reeferSetpointC')),
  );

  if (!checkRow.Check(record)) {
    // Report in field order, so the messages do not depend on the validator's traversal.
    for (const field of ROW_FIELDS) {
      if (!(field in record)) {
        if (REQUIRED_FIELDS.has(field)) missing(report, field, ruleOf(field));
        continue;
      }
      const v = record[field];
      if (checkField.get(field)?.Check(v) !== false) continue;
      if (field === 'origin' || field === 'destination') objectProblems(report, field, v, RULES.place, PLACE_PARTS, 'a place has name, lat and lon');
      else if (field === 'waypoints') waypointProblems(report, v);
      else if ((field === 'plannedDeparture' || field === 'plannedArrival') && typeof v === 'number' && v > 0 && v < MIN_TS_MS) {
        mismatch(report, field, `${RULES.time} (${v} looks like epoch seconds: multiply by 1000)`, v);
      } else mismatch(report, field, ruleOf(field), v);
    }
    for (const key of Object.keys(record)) {
      if (!(ROW_FIELDS as string[]).includes(key)) report.add(key, `${key} is not a transfer field; the fields are ${ROW_FIELDS.join(', ')}.`);
    }
  }

  const input = record as Partial<TransferFileRow>;
  const departure = timeOf(report, input.plannedDeparture, 'plannedDeparture');
  const arrival = timeOf(report, input.plannedArrival, 'plannedArrival');
  if (departure !== null && arrival !== null && arrival <= departure) {
    report.add(
      'plannedArrival',
      `${label('plannedArrival')} (${new Date(arrival).toISOString()}) must be after ${label('plannedDeparture')} (${new Date(departure).toISOString()}).`,
    );
  }

  let id = input.id;
  if (id === undefined && departure !== null && checkField.get('truckId')?.Check(input.truckId)) {
    id = `${input.truckId}-${idStamp(departure)}`;
    if (!TRUCK_ID.test(id)) {
      report.add('id', `The id derived from truckId and plannedDeparture, "${id}", is longer than 64 characters: give this transfer an id.`);
    }
  }
  if (problems.length > 0 || id === undefined) return null;

  const r = record as TransferFileRow;
  const transfer: TransferInput = {
    id,
    truckId: r.truckId,
    origin: { name: r.origin.name, lat: r.origin.lat, lon: r.origin.lon },
    destination: { name: r.destination.name, lat: r.destination.lat, lon: r.destination.lon },
    plannedDeparture: departure as number,
    plannedArrival: arrival as number,
  };
  if (r.waypoints !== undefined) transfer.waypoints = r.waypoints.map((p) => ({ lat: p.lat, lon: p.lon }));
  if (r.cargo !== undefined) transfer.cargo = r.cargo;
  if (r.reeferSetpointC !== undefined) transfer.reeferSetpointC = r.reeferSetpointC;
  return transfer;
}

function ruleOf(field: RowField): string {
  switch (field) {
    case 'origin':
    case 'destination':
      return RULES.place;
    case 'plannedDeparture':
    case 'plannedArrival':
      return RULES.time;
    default:
      return RULES[field];
  }
}

function missing(report: RowReport, path: string, rule: string): void {
  report.add(path, `${report.label(path)} ${report.absent}: it must be ${rule}.`);
}

function mismatch(report: RowReport, path: string, rule: string, v: unknown): void {
  report.add(path, `${report.label(path)} must be ${rule}, got ${describe(v)}.`);
}

/** The parts of an object value (a place, a point): name, checker, rule. */
type Parts = readonly (readonly [string, { Check(v: unknown): boolean }, string])[];
const PLACE_PARTS: Parts = [
  ['name', checkName, RULES.name],
  ['lat', checkLat, RULES.lat],
  ['lon', checkLon, RULES.lon],
];
const POINT_PARTS: Parts = [
  ['lat', checkLat, RULES.lat],
  ['lon', checkLon, RULES.lon],
];

/** Names each bad, missing or unknown part of an object value that failed its check. */
function objectProblems(report: RowReport, path: string, v: unknown, rule: string, parts: Parts, known: string): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    mismatch(report, path, rule, v);
    return;
  }
  const value = v as Record<string, unknown>;
  for (const [part, check, partRule] of parts) {
    const partPath = `${path}.${part}`;
    if (!(part in value)) missing(report, partPath, partRule);
    else if (!check.Check(value[part])) mismatch(report, partPath, partRule, value[part]);
  }
  for (const key of Object.keys(value)) {
    if (!parts.some(([part]) => part === key)) report.add(`${path}.${key}`, `${path}.${key} is not a known field: ${known}.`);
  }
}

function waypointProblems(report: RowReport, v: unknown): void {
  if (!Array.isArray(v) || v.length < 2 || v.length > MAX_WAYPOINTS) {
    mismatch(report, 'waypoints', RULES.waypoints, v);
    return;
  }
  v.forEach((p, i) => {
    if (!checkPoint.Check(p)) objectProblems(report, `waypoints[${i}]`, p, RULES.point, POINT_PARTS, 'a point has lat and lon');
  });
}

/** The instant a checked time names, epoch ms; null (with a problem added) when it names none. */
function timeOf(report: RowReport, v: unknown, field: 'plannedDeparture' | 'plannedArrival'): number | null {
  if (!checkField.get(field)?.Check(v)) return null; // missing or mis-shaped: reported with the other fields
  if (typeof v === 'number') return v;
  const ms = parseIsoTime(v as string);
  if (ms === null) report.add(field, `${field} names no real instant ("${v as string}": check the day, hour and offset); it must be ${RULES.time}.`);
  return ms;
}

/**
 * Epoch ms of an ISO 8601 date-time with a zone; null when a part is out of range (Date.parse
 * quietly rolls "2025-02-30" over into March).
 */
function parseIsoTime(text: string): number | null {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '0', sign, oh = '0', om = '0'] = m;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  const local = Date.UTC(year, month - 1, day, hour, minute, second, Number(frac.padEnd(3, '0').slice(0, 3)));
  const back = new Date(local);
  if (
    back.getUTCFullYear() !== year ||
    back.getUTCMonth() !== month - 1 ||
    back.getUTCDate() !== day ||
    back.getUTCHours() !== hour ||
    back.getUTCMinutes() !== minute ||
    back.getUTCSeconds() !== second ||
    Number(oh) > 23 ||
    Number(om) > 59
  ) {
    return null;
  }
  const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000 * (sign === '-' ? -1 : 1);
  return local - offsetMs;
}

/** YYYYMMDDHHmm in UTC, for derived ids. */
function idStamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

/** A value as a message quotes it. */
function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > QUOTE_CHARS ? `${v.slice(0, QUOTE_CHARS)}…` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}
