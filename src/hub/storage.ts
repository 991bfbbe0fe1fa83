/** What the hub needs from persistence, and the in-memory fallback used when IndexedDB cannot be. */
import { compareEventIds, type StreamEvent } from '../shared/events';
import type { Alert, FleetSnapshot, Telemetry, TruckSnapshot } from '../shared/fleet';
import type { Prefs, StorageMode } from '../shared/protocol';
import { LONGEST_HISTORY_RANGE_MS, mergeSamples, samplesBetween } from '../shared/samples';

/**
 * Small values the hub keeps beside the events. (Databases of earlier builds also hold
 * `ackedAlerts`, this browser's own acknowledgements: nothing reads it since the server records
 * acknowledgements for the whole tenant, and it goes with the database at logout.)
 */
export interface MetaMap {
  lastEventId: string | null;
  epoch: string | null;
  prefs: Prefs;
}

/** Everything the hub restores when it starts. */
export interface StoredState {
  epoch: string | null;
  lastEventId: string | null;
  trucks: TruckSnapshot[];
  /** Newest telemetry per truck, oldest first. */
  recent: Map<string, Telemetry[]>;
  prefs: Prefs | null;
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
  /**
   * A truck's telemetry with `since <= ts < until`, oldest first, one sample per `ts`: the stored
   * server history and the received events merged; at most `limit` (the oldest).
   */
  history(truckId: string, since: number, until?: number, limit?: number): Promise<Telemetry[]>;
  /** Keeps telemetry the server's history gave (time-ordered), bounded like the events. */
  storeHistory(truckId: string, samples: readonly Telemetry[]): Promise<void>;
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

/**
 * Samples of the server's history kept per truck: the longest range a truck window offers (7 days)
 * at one sample every 5 s is 120,960. About 30 MB per truck in IndexedDB; older samples than the
 * longest range are dropped too, so only trucks whose window was opened on a week hold that much.
 */
export const MAX_HISTORY_SAMPLES_PER_TRUCK = 130_000;

/** Stored server history older than this is dropped at the next prune: no range shows it. */
export const HISTORY_SAMPLES_MAX_AGE_MS = LONGEST_HISTORY_RANGE_MS;

/** Keeps everything in memory: used when IndexedDB is unavailable (private mode) or full. */
export class MemoryStorage implements HubStorage {
  readonly mode = 'memory' as const;
  private _meta: Partial<MetaMap> = {};
  private _trucks = new Map<string, TruckSnapshot>();
  private _telemetry = new Map<string, Telemetry[]>();
  /** The server's history per truck, time-ordered (storeHistory). */
  private _samples = new Map<string, readonly Telemetry[]>();
  private _alerts: Alert[] = [];

  constructor(seed?: StoredState) {
    if (!seed) return;
    this._meta = { epoch: seed.epoch, lastEventId: seed.lastEventId };
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

  async history(truckId: string, since: number, until = Infinity, limit = Infinity): Promise<Telemetry[]> {
    const received = (this._telemetry.get(truckId) ?? []).filter((t) => t.ts >= since && t.ts < until);
    const merged = mergeSamples(samplesBetween(this._samples.get(truckId) ?? [], since, until), received);
    return merged.slice(0, limit);
  }

  async storeHistory(truckId: string, samples: readonly Telemetry[]): Promise<void> {
    const merged = mergeSamples(samples, this._samples.get(truckId) ?? []);
    this._samples.set(truckId, merged.length > MAX_HISTORY_SAMPLES_PER_TRUCK ? merged.slice(-MAX_HISTORY_SAMPLES_PER_TRUCK) : merged);
  }

  async setMeta<K extends keyof MetaMap>(key: K, value: MetaMap[K]): Promise<void> {
    this._meta[key] = value;
  }

  async countEvents(): Promise<number> {
    let n = this._alerts.length;
    for (const list of this._telemetry.values()) n += list.length;
    for (const list of this._samples.values()) n += list.length;
    return n;
  }

  async prune(): Promise<void> {
    // append() and storeHistory() already bound each truck's history by count; age is left here.
    const oldest = Date.now() - HISTORY_SAMPLES_MAX_AGE_MS;
    for (const [id, list] of this._samples) this._samples.set(id, samplesBetween(list, oldest));
  }

  async destroy(): Promise<void> {
    this._meta = {};
    this._trucks.clear();
    this._telemetry.clear();
    this._samples.clear();
    this._alerts = [];
  }

  close(): void {
    // Nothing to release.
  }
}
