/**
 * The first code a fleetwire page runs (src/app/main.ts imports it before anything else): the
 * operator who last used this browser most likely still is, so the hub starts and opens their
 * stored view, and this tab reads that view too, while the rest of the page's code loads. Only
 * what this browser already stored is read; the stream waits for the tab's hello, which follows
 * the session check (fleet-app.ts).
 */
import { sameOperator, type Me } from '../shared/fleet';
import { prepareHub } from './connection';
import { rememberedUser } from './session';
import { lastSavedView, readStoredView, type StoredView } from './stored-view';

const remembered = location.pathname === '/login' ? null : rememberedUser();
let early: Promise<StoredView | null> | null = null;
if (remembered) {
  prepareHub(__FLEETWIRE_VERSION__, remembered);
  // The copy a closing window left in localStorage is there at once; IndexedDB takes a while to open.
  const saved = lastSavedView(remembered);
  early = saved ? Promise.resolve(saved) : readStoredView(remembered);
}

/** The stored view read at start-up, when it belongs to `me`; null otherwise. Taken once. */
export function takeStoredView(me: Me): Promise<StoredView | null> | null {
  const view = early;
  early = null;
  if (!view || !remembered || !sameOperator(remembered, me)) return null;
  return view;
}
