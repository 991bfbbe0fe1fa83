/** What the hub needs from persistence, and the in-memory fallback used when IndexedDB cannot be. */
import { compareEventIds, type StreamEvent } from '../shared/events';
import type { Alert, FleetSnapshot, Telemetry, TruckSnapshot } from '../shared/fleet';
import type { Prefs, StorageMode } from '../shared/protocol';

/** Small values the hub keeps beside the events. */
export interface MetaMap {
  lastEventId: string | null;
  epoch: string | null;
  prefs: Prefs;
  ackedAlerts: string[];
}

/** Everything the hub restores when it starts. */
export interface StoredState {
  epoch: string | null;
  lastEventId: string | null;
  trucks: TruckSnapshot[];
  /** Newest telemetry per truck, oldest first. */
  recent: Map<string, Telemetry[]>;
  prefs: Prefs | null;
  ackedAlerts: string[];
}

/** One persisted batch: applied in a single transaction, so `lastEventId` never runs ahead of the events. */
export interface AppendBatch {
  events: StreamEvent[];
  trucks: TruckSnapshot[];
  lastEventId: string;
}

/** Persistence of the hub's state; IndexedDB in browsers (src/store), memory otherwise. */
export interface HubStorage {
  readonly mode: StorageMode;
  load(recentPerTruck: number): Promise<StoredState>;
  append(batch: AppendBatch): Promise<void>;
  /** Replaces everything at once (a `reset`): no mix of old and new state survives. */
  replace(snapshot: FleetSnapshot): Promise<void>;
  history(truckId: string, since: number): Promise<Telemetry[]>;
  setMeta<K extends keyof MetaMap>(key: K, value: MetaMap[K]): Promise<void>;
  countEvents(): Promise<number>;
  /** Drops history beyond the retention bound. */
  prune(): Promise<void>;
  /** Deletes the database (logout). */
  destroy(): Promise<void>;
  close(): void;
}

/** History kept per truck, in events; bounds storage whatever the event rate. */
export const MAX_EVENTS_PER_TRUCK = 5_000;

/** Keeps everything in memory: used when IndexedDB is unavailable (private mode) or full. */
export class MemoryStorage implements HubStorage {
  readonly mode = 'memory' as const;
  private _meta: Partial<MetaMap> = {};
  private _trucks = new Map<string, TruckSnapshot>();
  private _telemetry = new Map<string, Telemetry[]>();
  private _alerts: Alert[] = [];

  constructor(seed?: StoredState) {
    if (!seed) return;
    this._meta = { epoch: seed.epoch, lastEventId: seed.lastEventId, ackedAlerts: seed.ackedAlerts };
    if (seed.prefs) this._meta.prefs = seed.prefs;
    for (const t of seed.trucks) this._trucks.set(t.id, t);
    for (const [id, list] of seed.recent) this._telemetry.set(id, [...list]);
  }

  async load(recentPerTruck: number): Promise<StoredState> {
    const recent = new Map<string, Telemetry[]>();
    for (const [id, list] of this._telemetry) recent.set(id, list.slice(-recentPerTruck));
    return {
      epoch: this._meta.epoch ?? null,
      lastEventId: this._meta.lastEventId ?? null,
      trucks: [...this._trucks.values()],
      recent,
      prefs: this._meta.prefs ?? null,
      ackedAlerts: this._meta.ackedAlerts ?? [],
    };
  }

  async append(batch: AppendBatch): Promise<void> {
    const stored = this._meta.lastEventId ?? null;
    // Wholly older than what is held (its trucks too): nothing to add, and nothing to move back.
    if (stored && compareEventIds(batch.lastEventId, stored) < 0) return;
    for (const event of batch.events) {
      // Idempotent like the IndexedDB store, whose key is the event id: an event already held is
      // not kept twice. Batches come in stream order, and a seed holds everything up to its id, so
      // a flush queued before IndexedDB failed adds only what the seed did not have.
      if (stored && compareEventIds(event.id, stored) <= 0) continue;
      if (event.type === 'telemetry') {
        const list = this._telemetry.get(event.data.truckId) ?? [];
        list.push(event.data);
        if (list.length > MAX_EVENTS_PER_TRUCK) list.splice(0, list.length - MAX_EVENTS_PER_TRUCK);
        this._telemetry.set(event.data.truckId, list);
      } else if (event.type === 'alert') {
        this._alerts.push(event.data);
      }
    }
    for (const t of batch.trucks) this._trucks.set(t.id, t);
    this._meta.lastEventId = batch.lastEventId;
  }

  async replace(snapshot: FleetSnapshot): Promise<void> {
    this._trucks = new Map(snapshot.trucks.map((t) => [t.id, t]));
    this._telemetry = new Map();
    this._alerts = [];
    for (const t of snapshot.trucks) {
      if (t.last) this._telemetry.set(t.id, [t.last]);
    }
    this._meta.epoch = snapshot.epoch;
    this._meta.lastEventId = snapshot.lastEventId;
  }

  async history(truckId: string, since: number): Promise<Telemetry[]> {
    return (this._telemetry.get(truckId) ?? []).filter((t) => t.ts >= since);
  }

  async setMeta<K extends keyof MetaMap>(key: K, value: MetaMap[K]): Promise<void> {
    this._meta[key] = value;
  }

  async countEvents(): Promise<number> {
    let n = this._alerts.length;
    for (const list of this._telemetry.values()) n += list.length;
    return n;
  }

  async prune(): Promise<void> {
    // append() already bounds each truck's history.
  }

  async destroy(): Promise<void> {
    this._meta = {};
    this._trucks.clear();
    this._telemetry.clear();
    this._alerts = [];
  }

  close(): void {
    // Nothing to release.
  }
}
