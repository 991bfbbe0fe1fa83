/**
 * What a truck panel shows, computed once per change from a TruckState with the shared insights.
 * Pure: the dashboard sorts on it and the panel renders it, so both agree on every number.
 */
import type { Alert, Cargo, Place, Telemetry } from '../shared/fleet';
import type { TruckState } from '../shared/protocol';
import {
  STALE_AFTER_MS,
  describeLateness,
  estimateEta,
  hosRemainingMin,
  reeferExcursion,
  truckStatus,
  type EtaVerdict,
  type ReeferExcursion,
  type TruckStatus,
} from '../shared/insights';

/** The transfer part of a panel. */
export interface TransferView {
  origin: Place;
  destination: Place;
  /** Share travelled, 0..1. */
  fraction: number;
  remainingKm: number;
  plannedArrival: number;
  etaMs: number | null;
  lateByMs: number | null;
  verdict: EtaVerdict;
  /** "on time", "late 23 min", "arrived", "unknown". */
  lateness: string;
  cargo: Cargo;
}

/** The reefer part of a panel, for reefer cargo only. */
export interface ReeferView {
  tempC: number | null;
  setpointC: number;
  toleranceC: number;
  /** The latest reading is within setpoint ± tolerance. */
  inBand: boolean | null;
  excursion: ReeferExcursion;
}

/** Everything a truck panel shows. */
export interface TruckView {
  id: string;
  name: string;
  plate: string;
  driver: string | null;
  lastEventId: string | null;
  last: Telemetry | null;
  status: TruckStatus;
  /** Epoch ms of the last sample, null when never heard from. */
  lastSeenAt: number | null;
  stale: boolean;
  transfer: TransferView | null;
  reefer: ReeferView | null;
  hosMin: number | null;
  /** Active alerts of this truck, critical first; `ackedBy` says who acknowledged one, for the tenant. */
  alerts: Alert[];
  /** Epoch ms this view was computed at. */
  computedAt: number;
}

/** Builds a truck's view at `now`. */
export function truckView(truck: TruckState, alerts: Alert[], now: number): TruckView {
  const last = truck.last;
  const status = truckStatus(last, now);
  const transfer = truck.transfer;
  let transferView: TransferView | null = null;
  let reefer: ReeferView | null = null;
  if (transfer) {
    const est = estimateEta({ transfer, last, recent: truck.recent, now });
    transferView = {
      origin: transfer.origin,
      destination: transfer.destination,
      fraction: Math.min(1, Math.max(0, est.fraction)),
      remainingKm: est.remainingKm,
      plannedArrival: transfer.plannedArrival,
      etaMs: est.etaMs,
      lateByMs: est.lateByMs,
      verdict: est.verdict,
      lateness: describeLateness(est),
      cargo: transfer.cargo,
    };
    const cargo = transfer.cargo;
    if (cargo.kind === 'reefer') {
      const samples = last && !truck.recent.some((s) => s.ts === last.ts) ? [...truck.recent, last] : truck.recent;
      const tempC = last?.reeferTempC ?? null;
      const setpointC = last?.reeferSetpointC ?? cargo.setpointC;
      reefer = {
        tempC,
        setpointC,
        toleranceC: cargo.toleranceC,
        inBand: tempC === null ? null : Math.abs(tempC - setpointC) <= cargo.toleranceC,
        excursion: reeferExcursion(samples, cargo, now),
      };
    }
  }
  return {
    id: truck.id,
    name: truck.name,
    plate: truck.plate,
    driver: truck.driver?.name ?? null,
    lastEventId: truck.lastEventId,
    last,
    status,
    lastSeenAt: last?.ts ?? null,
    stale: !last || now - last.ts > STALE_AFTER_MS,
    transfer: transferView,
    reefer,
    hosMin: hosRemainingMin(last, now),
    alerts,
    computedAt: now,
  };
}

/** Operator words for a status, shown next to its colour. */
export const STATUS_LABEL: Record<TruckStatus, string> = {
  moving: 'Moving',
  idle: 'Idle',
  stopped: 'Stopped',
  stale: 'Stale',
};

/** Order when sorting by status: what needs a look first. */
const STATUS_RANK: Record<TruckStatus, number> = { stale: 0, stopped: 1, idle: 2, moving: 3 };

/** Sort orders the dashboard offers. */
export type SortKey = 'status' | 'lateness' | 'name';

const nameCollator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Compares two trucks for the chosen order; ties fall back to the name. */
export function compareViews(a: TruckView, b: TruckView, key: SortKey): number {
  const byName = nameCollator.compare(a.name, b.name) || nameCollator.compare(a.id, b.id);
  if (key === 'name') return byName;
  if (key === 'lateness') {
    // Latest first; trucks without an estimate last.
    const la = a.transfer?.lateByMs ?? null;
    const lb = b.transfer?.lateByMs ?? null;
    if (la === null || lb === null) return (la === null ? 1 : 0) - (lb === null ? 1 : 0) || byName;
    return lb - la || byName;
  }
  return alertRank(a) - alertRank(b) || STATUS_RANK[a.status] - STATUS_RANK[b.status] || byName;
}

function alertRank(v: TruckView): number {
  if (v.alerts.some((a) => a.severity === 'critical')) return 0;
  return v.alerts.length > 0 ? 1 : 2;
}

/** True when every word of the query appears in the truck's name, id, plate, driver, places, cargo or status. */
export function matchesQuery(v: TruckView, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = [
    v.name,
    v.id,
    v.plate,
    v.driver ?? '',
    v.transfer?.origin.name ?? '',
    v.transfer?.destination.name ?? '',
    v.transfer?.cargo.description ?? '',
    v.transfer?.cargo.kind ?? '',
    STATUS_LABEL[v.status],
    v.alerts.length ? 'alert' : '',
  ]
    .join(' \u0000 ')
    .toLowerCase();
  return words.every((w) => hay.includes(w));
}
