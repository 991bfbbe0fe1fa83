/**
 * The last known state as the hub stored it, read straight from IndexedDB while the hub starts.
 * Starting a SharedWorker in a browser that just opened takes a few hundred milliseconds; this read
 * does not wait for it, so a cold start paints the stored fleet first and the hub's welcome then
 * replaces it. Reads only: it never creates, upgrades or writes a database. Loaded with import() by
 * preconnect.ts where a start needs it, so idb stays out of the login page's script.
 */
import { openDB } from 'idb';
import type { Me } from '../shared/fleet';
import type { FleetDBSchema } from '../store/index';
import { databaseName } from '../store/name';
import type { StoredView } from './saved-view';

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
    const [trucks, lastEventId, prefs] = await Promise.all([tx.objectStore('trucks').getAll(), meta.get('lastEventId'), meta.get('prefs')]);
    return {
      trucks,
      lastEventId: typeof lastEventId === 'string' ? lastEventId : null,
      prefs: prefs && typeof prefs === 'object' && !Array.isArray(prefs) ? prefs : null,
    };
  } catch {
    return null;
  } finally {
    db.close();
  }
}
