/**
 * The last known state as the hub stored it, read straight from IndexedDB while the hub starts.
 * Starting a SharedWorker in a browser that just opened takes a few hundred milliseconds; this read
 * does not wait for it, so a cold start paints the stored fleet first and the hub's welcome then
 * replaces it. Reads only: it never creates, upgrades or writes a database.
 */
import { openDB } from 'idb';
import type { Me, TruckSnapshot } from '../shared/fleet';
import type { Prefs } from '../shared/protocol';
import { databaseName, type FleetDBSchema } from '../store/index';

/** What a tab can show before its hub answers: each truck's last state, not its recent history. */
export interface StoredView {
  trucks: TruckSnapshot[];
  lastEventId: string | null;
  prefs: Prefs | null;
  ackedAlerts: string[];
}

/** The operator's stored view, or null when this browser keeps none (or cannot read it). */
export async function readStoredView(me: Me): Promise<StoredView | null> {
  let db;
  try {
    // No version: the database opens as it is. One that does not exist would be created empty,
    // so that creation is aborted instead: the hub alone creates databases (src/store).
    db = await openDB<FleetDBSchema>(databaseName(me.tenant, me.username), undefined, {
      upgrade(_database, _oldVersion, _newVersion, transaction) {
        transaction.abort();
      },
    });
  } catch {
    return null;
  }
  try {
    if (!db.objectStoreNames.contains('trucks') || !db.objectStoreNames.contains('meta')) return null;
    const tx = db.transaction(['trucks', 'meta'], 'readonly');
    const meta = tx.objectStore('meta');
    const [trucks, lastEventId, prefs, acked] = await Promise.all([
      tx.objectStore('trucks').getAll(),
      meta.get('lastEventId'),
      meta.get('prefs'),
      meta.get('ackedAlerts'),
    ]);
    return {
      trucks,
      lastEventId: typeof lastEventId === 'string' ? lastEventId : null,
      prefs: prefs && typeof prefs === 'object' && !Array.isArray(prefs) ? prefs : null,
      ackedAlerts: Array.isArray(acked) ? acked : [],
    };
  } catch {
    return null;
  } finally {
    db.close();
  }
}
