/** The tables of fleetwire's database, as Kysely sees them (migrations in ./migrations create them). */
import type { ColumnType, Generated } from 'kysely';

/** A timestamptz column: read as a Date, written as a Date or an ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamptz column the database fills in on insert. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** A jsonb column holding T (written as a JSON string). */
type Json<T> = ColumnType<T, string, string>;

/** Operator roles, least to most allowed. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
/** What an operator may do: watch (viewer), also acknowledge alerts (operator), also manage the tenant (admin). */
export type Role = (typeof ROLES)[number];

export interface TenantsTable {
  id: string;
  name: string;
  created_at: CreatedAt;
}

export interface OperatorsTable {
  tenant: string;
  username: string;
  role: Role;
  /** `scrypt$N=…,r=…,p=…$salt$hash` (server/passwords.ts). */
  password_hash: string;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface DeviceKeysTable {
  /** The key's first 8 characters: how people name a key (list, revoke). */
  prefix: string;
  tenant: string;
  /** SHA-256 of the whole key, hex: keys are long random strings, so a fast hash is enough. */
  key_hash: string;
  label: string;
  /** The one truck this key may write, or null for any truck of the tenant. */
  truck_id: string | null;
  created_at: CreatedAt;
  created_by: string;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface TrucksTable {
  tenant: string;
  id: string;
  name: string;
  plate: string;
  reefer_setpoint_c: number | null;
  driver: Json<{ id: string; name: string }> | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TransfersTable {
  tenant: string;
  id: string;
  truck_id: string;
  origin: Json<{ name: string; lat: number; lon: number }>;
  destination: Json<{ name: string; lat: number; lon: number }>;
  /** The planned road, origin first and destination last. */
  waypoints: Json<{ lat: number; lon: number }[]>;
  planned_departure: Timestamp;
  planned_arrival: Timestamp;
  cargo_description: string;
  /** °C the cargo must be kept at; null for dry cargo. */
  reefer_setpoint_c: number | null;
  created_at: CreatedAt;
}

export interface AuditLogTable {
  id: Generated<number>;
  tenant: string | null;
  /** `cli`, or `operator:<username>`. */
  actor: string;
  action: string;
  target: string;
  details: Json<Record<string, unknown>>;
  at: CreatedAt;
}

export interface TelemetryTable {
  tenant: string;
  truck_id: string;
  ts: Timestamp;
  event_id: string;
  /** The Telemetry object as ingested. */
  data: Json<Record<string, unknown>>;
}

export interface TruckLastTable {
  tenant: string;
  truck_id: string;
  ts: Timestamp;
  event_id: string;
  data: Json<Record<string, unknown>>;
}

export interface AlertsTable {
  tenant: string;
  id: string;
  truck_id: string;
  kind: string;
  severity: string;
  state: 'active' | 'cleared';
  started_at: Timestamp;
  cleared_at: Timestamp | null;
  message: string;
  acked_by: string | null;
  acked_at: Timestamp | null;
}

/** Every table. */
export interface Schema {
  alerts: AlertsTable;
  tenants: TenantsTable;
  operators: OperatorsTable;
  device_keys: DeviceKeysTable;
  trucks: TrucksTable;
  transfers: TransfersTable;
  audit_log: AuditLogTable;
  telemetry: TelemetryTable;
  truck_last: TruckLastTable;
}
