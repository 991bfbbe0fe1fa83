/** The fleet's domain types, shared by the server, the hub and the UI. */

/** A point on a route or a truck's position, in WGS84 degrees. */
export interface LatLon {
  lat: number;
  lon: number;
}

/** A named place a transfer starts or ends at. */
export interface Place extends LatLon {
  name: string;
}

/** What a truck carries: reefer cargo must stay within setpoint ± tolerance. */
export type Cargo =
  | { kind: 'dry'; description: string }
  | { kind: 'reefer'; description: string; setpointC: number; toleranceC: number };

/** One trip of one truck from origin to destination along planned waypoints. */
export interface Transfer {
  id: string;
  origin: Place;
  destination: Place;
  /** The planned road, origin first and destination last. */
  waypoints: LatLon[];
  /** Epoch ms. */
  plannedDeparture: number;
  /** Epoch ms. */
  plannedArrival: number;
  cargo: Cargo;
}

/** The driver at the wheel. */
export interface Driver {
  id: string;
  name: string;
}

/** A telemetry sample after validation: `ts` is always epoch ms. */
export interface Telemetry {
  truckId: string;
  ts: number;
  lat: number;
  lon: number;
  speedKph: number;
  headingDeg: number;
  odometerKm?: number;
  fuelPct?: number;
  engineOn?: boolean;
  reeferTempC?: number;
  reeferSetpointC?: number;
  driverId?: string;
  hosRemainingMin?: number;
  /** Metres above sea level, as the device's GPS reports it. */
  altitudeM?: number;
  /** The position's accuracy radius, metres. */
  accuracyM?: number;
  /** The tracker's or phone's battery, percent. */
  batteryPct?: number;
}

/** The kinds of alert the server derives from telemetry. */
export type AlertKind = 'reefer-excursion' | 'speeding' | 'idle' | 'no-data';

/** An alert about one truck; it starts once and clears once. */
export interface Alert {
  /** Stable across the start and the clear of one occurrence. */
  id: string;
  truckId: string;
  kind: AlertKind;
  severity: 'warning' | 'critical';
  state: 'active' | 'cleared';
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms, when cleared. */
  clearedAt?: number;
  message: string;
  /** Who acknowledged it, for the whole tenant (username), once someone has. */
  ackedBy?: string;
  /** Epoch ms of the acknowledgement. */
  ackedAt?: number;
}

/** A truck's identity and assignment, without its live state. */
export interface TruckInfo {
  id: string;
  tenant: string;
  name: string;
  plate: string;
  driver: Driver | null;
  transfer: Transfer | null;
  /** °C the truck's reefer unit is set to when it has one (a transfer's reefer cargo says its own). */
  reeferSetpointC?: number;
}

/** A truck as `/api/fleet` and a `reset` event give it: identity, transfer, last state, active alerts. */
export interface TruckSnapshot extends TruckInfo {
  last: Telemetry | null;
  /** Id of the event that carried `last`, or null. */
  lastEventId: string | null;
  alerts: Alert[];
}

/** The body of `GET /api/fleet` and the data of a `reset` event. */
export interface FleetSnapshot {
  epoch: string;
  /** Id of the newest event the snapshot includes; resume after it. Null when the bus is empty. */
  lastEventId: string | null;
  trucks: TruckSnapshot[];
}

/** Who is logged in (`GET /api/me`). */
export interface Me {
  username: string;
  tenant: string;
  /** What the operator may do: `viewer` watches, `operator` also acknowledges alerts, `admin` also manages the tenant. */
  role?: 'admin' | 'operator' | 'viewer';
}

/** Whether two logins are the same operator: one username in one tenant. */
export function sameOperator(a: Me, b: Me): boolean {
  return a.username === b.username && a.tenant === b.tenant;
}
