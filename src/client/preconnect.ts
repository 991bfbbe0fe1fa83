/**
 * The first code a fleetwire page runs (src/app/main.ts imports it before anything else): the
 * operator who last used this browser most likely still is, so the hub starts and opens their
 * stored view, and this tab reads that view too, while the rest of the page's code loads. Only
 * what this browser already stored is read; the stream waits for the tab's hello, which follows
 * the session check (fleet-app.ts).
 */
import { sameOperator, type Me } from '../shared/fleet';
import { prepareHub } from './hub-worker';
import { lastSavedView, type StoredView } from './saved-view';
import { rememberedUser } from './session';

const remembered = location.pathname === '/login' ? null : rememberedUser();
let early: Promise<StoredView | null> | null = null;
if (remembered) {
  prepareHub(__FLEETWIRE_VERSION__, remembered);
  // The copy a closing window left in localStorage is there at once; IndexedDB takes a while to open.
  // Its reader (and idb) is a chunk of its own, so that the login page's script does without them.
  const saved = lastSavedView(remembered);
  early = saved
    ? Promise.resolve(saved)
    : import('./stored-view').then(
        ({ readStoredView }) => readStoredView(remembered),
        // Not loaded (offline before the service worker had the chunk): the hub's welcome still comes.
        () => null,
      );
}

/** The stored view read at start-up, when it belongs to `me`; null otherwise. Taken once. */
export function takeStoredView(me: Me): Promise<StoredView | null> | null {
  const view = early;
  early = null;
  if (!view || !remembered || !sameOperator(remembered, me)) return null;
  return view;
}
