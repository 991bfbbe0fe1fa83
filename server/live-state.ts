/** Trucks, their last state and active alerts: a projection of the bus's events, per tenant. */
import type { Alert, FleetSnapshot, Telemetry, TruckInfo, TruckSnapshot } from '../src/shared/fleet';
import type { BusEvent } from './bus';

/** Where the server keeps the fleet's live state; the Redis bus keeps it in Redis instead. */
export interface LiveState {
  /** Registers (or replaces) a truck's identity; used at start, before any event exists. */
  putTruck(info: TruckInfo): Promise<void>;
  /** Applies published events in id order: telemetry → last state, alert → active alerts, truck → identity. */
  apply(tenant: string, events: readonly BusEvent[]): void;
  /** The tenant's trucks with last state and active alerts, and the id of the newest event applied. */
  snapshot(tenant: string, epoch: string): Promise<FleetSnapshot>;
}

interface TruckState {
  info: TruckInfo;
  last: Telemetry | null;
  lastEventId: string | null;
  alerts: Map<string, Alert>;
}

/** The in-process LiveState. Everything is synchronous, so a snapshot is always self-consistent. */
export class MemoryLiveState implements LiveState {
  /** Per tenant, per truck id: truck ids are unique within a tenant only. */
  private readonly tenants = new Map<string, Map<string, TruckState>>();
  private readonly lastIdByTenant = new Map<string, string>();

  private trucksOf(tenant: string): Map<string, TruckState> {
    let trucks = this.tenants.get(tenant);
    if (!trucks) {
      trucks = new Map();
      this.tenants.set(tenant, trucks);
    }
    return trucks;
  }

  async putTruck(info: TruckInfo): Promise<void> {
    this.putTruckNow(info);
  }

  private putTruckNow(info: TruckInfo): void {
    const trucks = this.trucksOf(info.tenant);
    const existing = trucks.get(info.id);
    if (existing) existing.info = info;
    else trucks.set(info.id, { info, last: null, lastEventId: null, alerts: new Map() });
  }

  /** Sets a truck's last known state from the database (a restarted server shows where each truck was last seen). */
  restoreLast(tenant: string, telemetry: Telemetry): void {
    const state = this.tenants.get(tenant)?.get(telemetry.truckId);
    if (state && (!state.last || telemetry.ts > state.last.ts)) {
      state.last = telemetry;
      // The stored event id belongs to the epoch of the process that stored it: it means nothing in this one.
      state.lastEventId = null;
    }
  }

  apply(tenant: string, events: readonly BusEvent[]): void {
    const trucks = this.trucksOf(tenant);
    for (const event of events) {
      this.lastIdByTenant.set(tenant, event.id);
      switch (event.type) {
        case 'telemetry': {
          const state = trucks.get(event.data.truckId);
          if (!state) break;
          // A late-arriving older sample does not rewind the last state.
          if (!state.last || event.data.ts >= state.last.ts) {
            state.last = event.data;
            state.lastEventId = event.id;
          }
          break;
        }
        case 'alert': {
          const state = trucks.get(event.data.truckId);
          if (!state) break;
          if (event.data.state === 'active') state.alerts.set(event.data.id, event.data);
          else state.alerts.delete(event.data.id);
          break;
        }
        case 'truck':
          this.putTruckNow({ ...event.data, tenant });
          break;
      }
    }
  }

  async snapshot(tenant: string, epoch: string): Promise<FleetSnapshot> {
    return this.snapshotNow(tenant, epoch);
  }

  /** Synchronous snapshot (see `snapshot`). */
  snapshotNow(tenant: string, epoch: string): FleetSnapshot {
    const trucks: TruckSnapshot[] = [];
    for (const s of this.tenants.get(tenant)?.values() ?? []) {
      trucks.push({ ...s.info, last: s.last, lastEventId: s.lastEventId, alerts: [...s.alerts.values()] });
    }
    trucks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { epoch, lastEventId: this.lastIdByTenant.get(tenant) ?? null, trucks };
  }
}
