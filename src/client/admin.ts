/**
 * The admin API (`/api/admin/…`) as the /admin page calls it: plain `fetch` with the session
 * cookie, typed answers, and every refusal as an AdminApiError carrying the server's message.
 */
import type { TruckInfo } from '../shared/fleet';
import { OfflineError } from './session';

/** The roles an operator may have, from the least to the most allowed. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
/** What an operator may do. */
export type Role = (typeof ROLES)[number];

/** An operator of the tenant as listed (never the password). */
export interface OperatorRow {
  username: string;
  role: Role;
  /** Epoch ms. */
  createdAt: number;
}

/** A device key as listed: its first characters, never the key itself. */
export interface DeviceKeyRow {
  prefix: string;
  label: string;
  /** The truck the key names (OsmAnd devices), or null for a key that may write any truck of the tenant. */
  truckId: string | null;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A key just issued: `key` is in this answer and nowhere else, ever. */
export interface IssuedKey {
  key: string;
  prefix: string;
}

/** A place of a transfer. */
export interface TransferPlace {
  name: string;
  lat: number;
  lon: number;
}

/** A transfer (plan) of the tenant as listed. */
export interface TransferRow {
  id: string;
  truckId: string;
  origin: TransferPlace;
  destination: TransferPlace;
  plannedDeparture: number;
  plannedArrival: number;
  cargo: string | null;
  reeferSetpointC: number | null;
}

/** One problem of a transfer file: row 0 is the file itself (its header, its size). */
export interface TransferProblem {
  row: number;
  field: string;
  message: string;
}

/** What a dry run found: how many transfers read cleanly, and every problem. */
export interface TransferPreview {
  transfers: number;
  problems: TransferProblem[];
}

/** One admin action of the tenant's audit log. */
export interface AuditEntry {
  id: number;
  /** Who did it: `operator:<username>`, `cli`, `demo`. */
  actor: string;
  /** What was done, e.g. `operator.add`, `device-key.revoke`. */
  action: string;
  target: string;
  details: unknown;
  at: number;
}

/** A new truck. */
export interface NewTruck {
  id: string;
  name: string;
  plate?: string;
  reeferSetpointC?: number | null;
}

/** A change to a truck; null setpoint: dry cargo. */
export interface TruckChange {
  name?: string;
  plate?: string;
  reeferSetpointC?: number | null;
}

/** The format of a transfer file, as its content type says. */
export type TransferFileFormat = 'csv' | 'json';

/** A refusal of the admin API: the status, the server's code and its message (which names the field at fault). */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** A transfer file's problems, when the refusal is about one. */
    readonly problems: TransferProblem[] = [],
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

/** The tenant's operators. */
export async function listOperators(signal?: AbortSignal): Promise<OperatorRow[]> {
  return (await call<{ operators: OperatorRow[] }>('GET', '/api/admin/operators', { signal })).operators;
}

/** Adds an operator; the username must be free across the whole deployment. */
export async function addOperator(input: { username: string; password: string; role: Role }): Promise<OperatorRow> {
  return call<OperatorRow>('POST', '/api/admin/operators', { json: input });
}

/** Changes an operator's role, password, or both. */
export async function updateOperator(username: string, change: { role?: Role; password?: string }): Promise<OperatorRow> {
  return call<OperatorRow>('PATCH', `/api/admin/operators/${encodeURIComponent(username)}`, { json: change });
}

/** Removes an operator: they can no longer log in. */
export async function removeOperator(username: string): Promise<void> {
  await call<void>('DELETE', `/api/admin/operators/${encodeURIComponent(username)}`);
}

/** The tenant's device keys, newest first, revoked ones included. */
export async function listDeviceKeys(signal?: AbortSignal): Promise<DeviceKeyRow[]> {
  return (await call<{ keys: DeviceKeyRow[] }>('GET', '/api/admin/device-keys', { signal })).keys;
}

/** Issues a device key, bound to a truck when `truckId` is given. */
export async function issueDeviceKey(input: { label?: string; truckId?: string }): Promise<IssuedKey> {
  return call<IssuedKey>('POST', '/api/admin/device-keys', { json: input });
}

/** Revokes a key by its prefix: devices using it are refused from then on. */
export async function revokeDeviceKey(prefix: string): Promise<void> {
  await call<void>('DELETE', `/api/admin/device-keys/${encodeURIComponent(prefix)}`);
}

/** The tenant's trucks, by id. */
export async function listTrucks(signal?: AbortSignal): Promise<TruckInfo[]> {
  return (await call<{ trucks: TruckInfo[] }>('GET', '/api/admin/trucks', { signal })).trucks;
}

/** Adds a truck; it appears in every operator's fleet at once. */
export async function addTruck(input: NewTruck): Promise<TruckInfo> {
  return call<TruckInfo>('POST', '/api/admin/trucks', { json: input });
}

/** Changes a truck's name, plate or reefer setpoint. */
export async function updateTruck(id: string, change: TruckChange): Promise<TruckInfo> {
  return call<TruckInfo>('PATCH', `/api/admin/trucks/${encodeURIComponent(id)}`, { json: change });
}

/** The tenant's transfers, by planned departure. */
export async function listTransfers(signal?: AbortSignal): Promise<TransferRow[]> {
  return (await call<{ transfers: TransferRow[] }>('GET', '/api/admin/transfers', { signal })).transfers;
}

/** Checks a transfer file without storing anything: every row's problems. */
export async function previewTransfers(text: string, format: TransferFileFormat, signal?: AbortSignal): Promise<TransferPreview> {
  return call<TransferPreview>('POST', '/api/admin/transfers?dryRun=1', { file: { text, format }, signal });
}

/** Imports a transfer file, all or nothing; rejects with the file's problems when it has any. */
export async function importTransfers(text: string, format: TransferFileFormat): Promise<{ imported: number }> {
  return call<{ imported: number }>('POST', '/api/admin/transfers', { file: { text, format } });
}

/** The tenant's most recent admin actions, newest first. */
export async function listAudit(signal?: AbortSignal): Promise<AuditEntry[]> {
  return (await call<{ entries: AuditEntry[] }>('GET', '/api/admin/audit', { signal })).entries;
}

interface CallOptions {
  json?: unknown;
  file?: { text: string; format: TransferFileFormat };
  signal?: AbortSignal;
}

const CONTENT_TYPE: Record<TransferFileFormat, string> = { csv: 'text/csv', json: 'application/json' };

async function call<T>(method: string, url: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.file) {
    headers['content-type'] = CONTENT_TYPE[options.file.format];
    body = options.file.text;
  }
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body, credentials: 'same-origin', cache: 'no-store', signal: options.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new OfflineError();
  }
  if (res.status === 204) return undefined as T;
  const parsed: unknown = await res.json().catch(() => null);
  if (!res.ok) throw refusal(res.status, parsed);
  if (parsed === null) throw new AdminApiError(res.status, 'bad_answer', `fleetwire's server answered ${method} ${url} without JSON. Reload and try again.`);
  return parsed as T;
}

function refusal(status: number, body: unknown): AdminApiError {
  const o = (typeof body === 'object' && body !== null ? body : {}) as { error?: unknown; message?: unknown; problems?: unknown };
  const code = typeof o.error === 'string' ? o.error : `http_${status}`;
  const problems = Array.isArray(o.problems) ? (o.problems as TransferProblem[]) : [];
  if (typeof o.message === 'string' && o.message) return new AdminApiError(status, code, o.message, problems);
  if (status === 502 || status === 503 || status === 504) {
    return new AdminApiError(status, code, 'fleetwire\'s server is not answering right now. Try again in a minute; if it persists, tell your administrator.');
  }
  return new AdminApiError(status, code, `fleetwire's server refused this (HTTP ${status}). Reload and try again.`);
}
