/** Trucks, their last state and active alerts: a projection of the bus's events, per tenant. */
import type { Alert, FleetSnapshot, Telemetry, TruckInfo, TruckSnapshot } from '../src/shared/fleet';
import type { BusEvent } from './bus';

/**
 * Samples kept per truck for `/api/trucks/:id/history`: at a report every 5–60 s that is a few
 * hours to a day, enough for the panel's trail and ETA, ~300 KB per truck at most.
 */
export const HISTORY_PER_TRUCK = 2_000;

/** Where the server keeps the fleet's state; a Redis-backed store can replace the memory one. */
export interface LiveState {
  /** Registers (or replaces) a truck's identity; used at start, before any event exists. */
  putTruck(info: TruckInfo): Promise<void>;
  /** A truck by id, whatever its tenant; undefined when unknown. */
  truck(id: string): Promise<TruckInfo | undefined>;
  /** Applies published events in id order: telemetry → last state and history, alert → active alerts, truck → identity. */
  apply(tenant: string, events: readonly BusEvent[]): void;
  /** The tenant's trucks with last state and active alerts, and the id of the newest event applied. */
  snapshot(tenant: string, epoch: string): Promise<FleetSnapshot>;
  /** A truck's telemetry with `ts >= since`, oldest first. */
  history(truckId: string, since: number): Promise<Telemetry[]>;
}

interface TruckState {
  info: TruckInfo;
  last: Telemetry | null;
  lastEventId: string | null;
  /** Sorted by ts. */
  history: Telemetry[];
  alerts: Map<string, Alert>;
}

/** The in-process LiveState. Everything is synchronous, so a snapshot is always self-consistent. */
export class MemoryLiveState implements LiveState {
  private readonly trucksById = new Map<string, TruckState>();
  private readonly lastIdByTenant = new Map<string, string>();

  async putTruck(info: TruckInfo): Promise<void> {
    this.putTruckNow(info);
  }

  private putTruckNow(info: TruckInfo): void {
    const existing = this.trucksById.get(info.id);
    if (existing) existing.info = info;
    else this.trucksById.set(info.id, { info, last: null, lastEventId: null, history: [], alerts: new Map() });
  }

  async truck(id: string): Promise<TruckInfo | undefined> {
    return this.trucksById.get(id)?.info;
  }

  /** Synchronous lookup for callers that run inside one tick (ingest validation). */
  truckNow(id: string): TruckInfo | undefined {
    return this.trucksById.get(id)?.info;
  }

  apply(tenant: string, events: readonly BusEvent[]): void {
    for (const event of events) {
      this.lastIdByTenant.set(tenant, event.id);
      switch (event.type) {
        case 'telemetry': {
          const state = this.trucksById.get(event.data.truckId);
          if (!state) break;
          insertByTs(state.history, event.data);
          if (state.history.length > HISTORY_PER_TRUCK) state.history.shift();
          // A late-arriving older sample goes into history but does not rewind the last state.
          if (!state.last || event.data.ts >= state.last.ts) {
            state.last = event.data;
            state.lastEventId = event.id;
          }
          break;
        }
        case 'alert': {
          const state = this.trucksById.get(event.data.truckId);
          if (!state) break;
          if (event.data.state === 'active') state.alerts.set(event.data.id, event.data);
          else state.alerts.delete(event.data.id);
          break;
        }
        case 'truck':
          this.putTruckNow(event.data);
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
    for (const s of this.trucksById.values()) {
      if (s.info.tenant !== tenant) continue;
      trucks.push({ ...s.info, last: s.last, lastEventId: s.lastEventId, alerts: [...s.alerts.values()] });
    }
    trucks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { epoch, lastEventId: this.lastIdByTenant.get(tenant) ?? null, trucks };
  }

  async history(truckId: string, since: number): Promise<Telemetry[]> {
    const history = this.trucksById.get(truckId)?.history ?? [];
    return history.filter((t) => t.ts >= since);
  }
}

/** Inserts keeping `list` sorted by ts; samples almost always arrive in order, so search from the end. */
function insertByTs(list: Telemetry[], sample: Telemetry): void {
  let i = list.length;
  while (i > 0 && (list[i - 1] as Telemetry).ts > sample.ts) i--;
  list.splice(i, 0, sample);
}
