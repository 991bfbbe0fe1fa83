/** Applying stream events to the state of a fleet: the one reducer the hub and every tab share. */
import type { StreamEvent } from './events';
import type { Alert, TruckSnapshot } from './fleet';
import type { TruckState } from './protocol';

/** Telemetry samples kept in memory per truck and handed to tabs: enough for ETA and a sparkline. */
export const RECENT_PER_TRUCK = 120;

/** A fleet as held in memory by the hub or a tab. */
export interface FleetState {
  trucks: Map<string, TruckState>;
  /** Active alerts of the whole tenant, by alert id. */
  activeAlerts: Map<string, Alert>;
}

/** The truck a stream event is about, or null (`reset`). */
export function truckIdOf(event: StreamEvent): string | null {
  switch (event.type) {
    case 'telemetry':
    case 'alert':
      return event.data.truckId;
    case 'truck':
      return event.data.id;
    default:
      return null;
  }
}

/** A placeholder for a truck heard of before its identity: its id stands in for its name. */
export function unknownTruck(id: string): TruckState {
  return { id, tenant: '', name: id, plate: '', driver: null, transfer: null, last: null, lastEventId: null, alerts: [], recent: [] };
}

/** Builds fleet state from snapshots (a `reset`, a welcome, what storage restored). */
export function fleetStateFrom(trucks: readonly (TruckSnapshot & { recent?: TruckState['recent'] })[], alerts?: Iterable<Alert>): FleetState {
  const state: FleetState = { trucks: new Map(), activeAlerts: new Map() };
  for (const t of trucks) {
    state.trucks.set(t.id, { ...t, recent: t.recent ?? (t.last ? [t.last] : []) });
    for (const a of t.alerts) state.activeAlerts.set(a.id, a);
  }
  for (const a of alerts ?? []) state.activeAlerts.set(a.id, a);
  return state;
}

/**
 * Applies one event; returns the id of the truck it changed, or null. Copy on write: a TruckState
 * already handed out (posted to a tab, rendered by a component) is never mutated, so identity
 * comparison tells a component whether its truck changed. `copied` names the trucks that are
 * already this caller's own fresh copies (say, within one batch): those are updated in place, so a
 * burst of events for one truck costs one copy, not one per event.
 */
export function applyStreamEvent(state: FleetState, event: StreamEvent, copied?: Set<string>): string | null {
  if (event.type === 'alert') {
    if (event.data.state === 'active') state.activeAlerts.set(event.data.id, event.data);
    else state.activeAlerts.delete(event.data.id);
  }
  const truckId = truckIdOf(event);
  if (!truckId) return null;
  const current = state.trucks.get(truckId);
  if (!current && event.type === 'alert') return null;
  let truck: TruckState;
  if (current && copied?.has(truckId)) {
    truck = current;
  } else {
    const base = current ?? unknownTruck(truckId);
    truck = { ...base, recent: [...base.recent] };
    state.trucks.set(truckId, truck);
    copied?.add(truckId);
  }
  switch (event.type) {
    case 'telemetry': {
      const t = event.data;
      truck.recent.push(t);
      if (truck.recent.length > RECENT_PER_TRUCK) truck.recent.splice(0, truck.recent.length - RECENT_PER_TRUCK);
      if (!truck.last || t.ts >= truck.last.ts) truck.last = t;
      break;
    }
    case 'alert': {
      const alert = event.data;
      truck.alerts = truck.alerts.filter((a) => a.id !== alert.id);
      if (alert.state === 'active') truck.alerts.push(alert);
      break;
    }
    case 'truck':
      Object.assign(truck, event.data);
      break;
  }
  truck.lastEventId = event.id;
  return truckId;
}

/** A TruckState without its in-memory history: what is stored per truck. */
export function snapshotOf(truck: TruckState): TruckSnapshot {
  const { recent: _recent, ...snapshot } = truck;
  return snapshot;
}
