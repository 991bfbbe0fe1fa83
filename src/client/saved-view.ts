/**
 * The copy of the last view a whole-fleet window leaves in localStorage, by operator. Apart from the
 * IndexedDB read (stored-view.ts): the login page forgets these copies and must not load idb for it.
 */
import type { Me, TruckSnapshot } from '../shared/fleet';
import type { Prefs } from '../shared/protocol';

/** What a tab can show before its hub answers: each truck's last state, not its recent history. */
export interface StoredView {
  trucks: TruckSnapshot[];
  lastEventId: string | null;
  prefs: Prefs | null;
}

/** localStorage key prefix of the last view a window showed, by operator. */
const LAST_VIEW_PREFIX = 'fleetwire:last-view:';
/** Larger views are not kept in localStorage (its quota is a few MB, and writing blocks the page). */
const LAST_VIEW_MAX_CHARS = 1_000_000;

function lastViewKey(me: Me): string {
  return `${LAST_VIEW_PREFIX}${me.tenant}:${me.username}`;
}

/**
 * Keeps the fleet a window shows when it is hidden or closed. A browser that just started reads
 * localStorage at once while IndexedDB takes a while to open: the next start paints from this
 * copy first. IndexedDB stays the record; the hub's welcome replaces this copy moments later.
 */
export function saveLastView(me: Me, view: StoredView): void {
  try {
    const json = JSON.stringify(view);
    if (json.length > LAST_VIEW_MAX_CHARS) localStorage.removeItem(lastViewKey(me));
    else localStorage.setItem(lastViewKey(me), json);
  } catch {
    // Full or disabled storage: the next start reads IndexedDB instead.
  }
}

/** The view saved by saveLastView for this operator, or null. */
export function lastSavedView(me: Me): StoredView | null {
  try {
    const raw = localStorage.getItem(lastViewKey(me));
    const view = raw ? (JSON.parse(raw) as Partial<StoredView> | null) : null;
    // Copies of earlier builds also hold `ackedAlerts`: ignored (acknowledgements come with each alert).
    if (!view || !Array.isArray(view.trucks)) return null;
    return {
      trucks: view.trucks,
      lastEventId: typeof view.lastEventId === 'string' ? view.lastEventId : null,
      prefs: view.prefs ?? null,
    };
  } catch {
    return null;
  }
}

/** Forgets saved views: of one operator, or of everyone (logout). */
export function forgetSavedViews(me?: Me): void {
  try {
    if (me) return localStorage.removeItem(lastViewKey(me));
    for (const key of Object.keys(localStorage)) if (key.startsWith(LAST_VIEW_PREFIX)) localStorage.removeItem(key);
  } catch {
    // Disabled storage holds nothing to forget.
  }
}
