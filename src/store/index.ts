/** The IndexedDB schema of fleetwire and the hub's storage on top of it (library: idb). */
import { deleteDB, openDB, unwrap, type DBSchema, type IDBPDatabase, type StoreKey, type StoreNames, type StoreValue } from 'idb';
import { parseEventId, type StreamEvent } from '../shared/events';
import type { FleetSnapshot, Telemetry, TruckSnapshot } from '../shared/fleet';
import { truckIdOf } from '../shared/fleet-state';
import { mergeSamples } from '../shared/samples';
import {
  HISTORY_SAMPLES_MAX_AGE_MS,
  MAX_EVENTS_PER_TRUCK,
  MAX_HISTORY_SAMPLES_PER_TRUCK,
  type AppendBatch,
  type HubStorage,
  type MetaMap,
  type StoredState,
} from '../hub/storage';

/** One stored event; `key` is the event id as numbers, so IndexedDB orders events as the server did. */
export interface StoredEvent {
  key: [number, number];
  id: string;
  type: StreamEvent['type'];
  truckId: string;
  /** Telemetry time, or the time the alert started or changed; epoch ms. */
  ts: number;
  data: StreamEvent['data'];
}

/** The schema of `fleetwire:<tenant>:<username>`. */
export interface FleetDBSchema extends DBSchema {
  /** Last state by truck id. */
  trucks: { key: string; value: TruckSnapshot };
  /** Telemetry and alert history, ordered by event id. */
  events: { key: [number, number]; value: StoredEvent; indexes: { 'by-truck': [string, number] } };
  meta: { key: keyof MetaMap; value: MetaMap[keyof MetaMap] };
  /**
   * Telemetry from the server's history (truck windows load it), keyed by truck and time: the same
   * sample loaded twice is stored once. Kept apart from `events`, whose keys are stream event ids
   * that history rows do not carry; reads merge the two by time.
   */
  samples: { key: [string, number]; value: Telemetry };
}

/** Schema version; each bump adds an `if (oldVersion < N)` step below. */
const DB_VERSION = 2;

export { databaseName } from './name';

function toStored(event: StreamEvent): StoredEvent | null {
  const key = parseEventId(event.id);
  const truckId = truckIdOf(event);
  if (!key || !truckId) return null;
  let ts: number;
  switch (event.type) {
    case 'telemetry':
      ts = event.data.ts;
      break;
    case 'alert':
      ts = event.data.clearedAt ?? event.data.startedAt;
      break;
    default:
      ts = Date.now();
  }
  return { key, id: event.id, type: event.type, truckId, ts, data: event.data };
}

/** A plain object store, typed by the schema, for writes whose requests nobody waits for. */
interface WriteStore<Name extends StoreNames<FleetDBSchema>> {
  put(value: StoreValue<FleetDBSchema, Name>, key?: StoreKey<FleetDBSchema, Name>): IDBRequest;
  clear(): IDBRequest;
}

/**
 * Runs `write` on the plain stores of one readwrite transaction over the stream's stores, and resolves once
 * it is committed. Plain, not idb's wrappers: each wrapped request gets a promise and listeners,
 * thousands a second in a flood, and nobody waits for one write. A failed write aborts the
 * transaction; a write that throws (a value that cannot be cloned) aborts it too, so nothing of the
 * batch is kept.
 */
async function writeAll(
  db: IDBPDatabase<FleetDBSchema>,
  write: (stores: { [Name in Exclude<StoreNames<FleetDBSchema>, 'samples'>]: WriteStore<Name> }) => void,
): Promise<void> {
  const tx = db.transaction(['trucks', 'events', 'meta'], 'readwrite');
  try {
    write({ trucks: unwrap(tx.objectStore('trucks')), events: unwrap(tx.objectStore('events')), meta: unwrap(tx.objectStore('meta')) });
  } catch (error) {
    tx.done.catch(() => undefined);
    tx.abort();
    throw error;
  }
  await tx.done;
}

/** HubStorage on IndexedDB: writes batched into one transaction each, history bounded per truck. */
export class IdbStorage implements HubStorage {
  readonly mode = 'indexeddb' as const;

  private constructor(
    private readonly _db: IDBPDatabase<FleetDBSchema>,
    readonly name: string,
  ) {}

  /** Opens (and creates or migrates) the database; rejects when IndexedDB is unavailable. */
  static async open(name: string): Promise<IdbStorage> {
    const db = await openDB<FleetDBSchema>(name, DB_VERSION, {
      upgrade(database, oldVersion) {
        if (oldVersion < 1) {
          database.createObjectStore('trucks', { keyPath: 'id' });
          const events = database.createObjectStore('events', { keyPath: 'key' });
          events.createIndex('by-truck', ['truckId', 'ts']);
          database.createObjectStore('meta');
        }
        if (oldVersion < 2) {
          database.createObjectStore('samples', { keyPath: ['truckId', 'ts'] });
        }
      },
      blocking() {
        // Another context wants to delete or upgrade the database (logout): let it.
        db.close();
      },
    });
    return new IdbStorage(db, name);
  }

  async load(recentPerTruck: number): Promise<StoredState> {
    const tx = this._db.transaction(['trucks', 'events', 'meta'], 'readonly');
    const trucks = await tx.objectStore('trucks').getAll();
    const meta = tx.objectStore('meta');
    const [epoch, lastEventId, prefs] = await Promise.all([meta.get('epoch'), meta.get('lastEventId'), meta.get('prefs')]);
    const recent = new Map<string, Telemetry[]>();
    const index = tx.objectStore('events').index('by-truck');
    for (const truck of trucks) {
      const list: Telemetry[] = [];
      let cursor = await index.openCursor(IDBKeyRange.bound([truck.id, -Infinity], [truck.id, Infinity]), 'prev');
      while (cursor && list.length < recentPerTruck) {
        if (cursor.value.type === 'telemetry') list.push(cursor.value.data as Telemetry);
        cursor = await cursor.continue();
      }
      recent.set(truck.id, list.reverse());
    }
    await tx.done;
    return {
      epoch: (epoch as MetaMap['epoch'] | undefined) ?? null,
      lastEventId: (lastEventId as MetaMap['lastEventId'] | undefined) ?? null,
      trucks,
      recent,
      prefs: (prefs as MetaMap['prefs'] | undefined) ?? null,
    };
  }

  async append(batch: AppendBatch): Promise<void> {
    await writeAll(this._db, (stores) => {
      for (const event of batch.events) {
        const stored = toStored(event);
        // put, not add: a replayed event overwrites itself, so resuming twice never stores it twice.
        if (stored) stores.events.put(stored);
      }
      for (const truck of batch.trucks) stores.trucks.put(truck);
      stores.meta.put(batch.lastEventId, 'lastEventId');
    });
  }

  async replace(snapshot: FleetSnapshot): Promise<void> {
    await writeAll(this._db, ({ trucks, events, meta }) => {
      trucks.clear();
      events.clear();
      for (const truck of snapshot.trucks) {
        trucks.put(truck);
        if (truck.last && truck.lastEventId) {
          const stored = toStored({ id: truck.lastEventId, type: 'telemetry', data: truck.last });
          if (stored) events.put(stored);
        }
      }
      meta.put(snapshot.epoch, 'epoch');
      meta.put(snapshot.lastEventId, 'lastEventId');
    });
  }

  async history(truckId: string, since: number, until = Infinity, limit = Infinity): Promise<Telemetry[]> {
    const range = (to: number, open: boolean) => IDBKeyRange.bound([truckId, since], [truckId, to], false, open);
    const tx = this._db.transaction(['events', 'samples'], 'readonly');
    // The stored server history can be a week: only the `limit` oldest, which is all a page can hold.
    const samples = await tx.objectStore('samples').getAll(range(until, until !== Infinity), Number.isFinite(limit) ? limit : undefined);
    // A full page ends at its last sample: no received event after that can be among the `limit`
    // oldest, so only the events up to it are read (they are mixed with alerts, so all of those).
    const full = samples.length >= limit;
    const end = full ? (samples[samples.length - 1] as Telemetry).ts : until;
    const rows = await tx.objectStore('events').index('by-truck').getAll(range(end, !full && until !== Infinity));
    await tx.done;
    const received = rows.filter((r) => r.type === 'telemetry').map((r) => r.data as Telemetry);
    const merged = mergeSamples(samples, received);
    return merged.length > limit ? merged.slice(0, limit) : [...merged];
  }

  async storeHistory(truckId: string, samples: readonly Telemetry[]): Promise<void> {
    const write = async () => {
      const tx = this._db.transaction('samples', 'readwrite');
      // Plain puts, nobody waits for one (see writeAll); put: a sample stored before is overwritten.
      const store = unwrap(tx.objectStore('samples'));
      try {
        for (const sample of samples) if (sample.truckId === truckId) store.put(sample);
      } catch (error) {
        tx.done.catch(() => undefined);
        tx.abort();
        throw error;
      }
      await tx.done;
    };
    try {
      await write();
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'QuotaExceededError')) throw error;
      // Full: the stored history of the other trucks goes first (the server still has it), once.
      await this._db.delete('samples', IDBKeyRange.upperBound([truckId, -Infinity], true));
      await this._db.delete('samples', IDBKeyRange.lowerBound([truckId, Infinity], true));
      await write();
    }
  }

  async setMeta<K extends keyof MetaMap>(key: K, value: MetaMap[K]): Promise<void> {
    await this._db.put('meta', value, key);
  }

  async countEvents(): Promise<number> {
    const [events, samples] = await Promise.all([this._db.count('events'), this._db.count('samples')]);
    return events + samples;
  }

  async prune(): Promise<void> {
    const tx = this._db.transaction(['trucks', 'events', 'samples'], 'readwrite');
    const ids = await tx.objectStore('trucks').getAllKeys();
    const store = tx.objectStore('events');
    const index = store.index('by-truck');
    const events = unwrap(store);
    const samples = tx.objectStore('samples');
    const oldestKept = Date.now() - HISTORY_SAMPLES_MAX_AGE_MS;
    for (const id of ids) {
      const range = IDBKeyRange.bound([id, -Infinity], [id, Infinity]);
      const excess = (await index.count(range)) - MAX_EVENTS_PER_TRUCK;
      if (excess > 0) {
        // The oldest events' keys in one request, then plain deletes: a cursor would take two round
        // trips per event, and after a flood that is hundreds of thousands.
        const oldest = await index.getAllKeys(range, excess);
        for (const key of oldest) events.delete(key);
      }
      // Stored server history: older than the longest range in one ranged delete, then the count bound.
      await samples.delete(IDBKeyRange.bound([id, -Infinity], [id, oldestKept], false, true));
      const extra = (await samples.count(range)) - MAX_HISTORY_SAMPLES_PER_TRUCK;
      if (extra > 0) {
        const keys = await samples.getAllKeys(range, extra);
        const last = keys[keys.length - 1];
        if (last) await samples.delete(IDBKeyRange.bound([id, -Infinity], last));
      }
    }
    await tx.done;
  }

  async destroy(): Promise<void> {
    this._db.close();
    await deleteDB(this.name);
  }

  close(): void {
    this._db.close();
  }
}
