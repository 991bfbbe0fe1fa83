/**
 * The dashboard's grid of `<truck-panel>`s, kept in sort order with as few DOM moves as possible.
 *
 * A panel that moves in the DOM is detached and attached again: its whole shadow tree gets styled
 * and laid out anew. Lit's `repeat` walks the list from both ends and, when one truck changes
 * status, moves every panel between its old and new place (80 of 100 panels per frame, measured),
 * which made each re-sort a long task. Here only the panels outside the longest run that is
 * already in order move: one truck changing place moves one panel.
 */
import type { Prefs } from '../shared/protocol';
import type { TruckPanel } from './truck-panel';
import type { TruckView } from './truck-view';

/** Panels this close to the viewport count as in view, so they are current before they scroll in. */
const NEAR_VIEW_MARGIN = '50% 0px';

/**
 * One `<truck-panel>` per shown truck inside `container`, which holds nothing else. It knows which
 * panels are in (or near) the viewport: the dashboard's FleetController updates the others less
 * often (OFF_SCREEN_UPDATE_MS).
 */
export class PanelGrid {
  private readonly _container: HTMLElement;
  private readonly _panels = new Map<string, TruckPanel>();
  /** Truck ids of the panels in or near the viewport. */
  private readonly _inView = new Set<string>();
  /** Panels not observed yet count as in view: a new panel is drawn at once. */
  private readonly _unobserved = new Set<string>();
  private readonly _observer: IntersectionObserver;
  private readonly _onEnterView: (truckIds: string[]) => void;

  /** `onEnterView` hears the trucks whose panels came into view. */
  constructor(container: HTMLElement, onEnterView: (truckIds: string[]) => void) {
    this._container = container;
    this._onEnterView = onEnterView;
    this._observer = new IntersectionObserver((entries) => this._onIntersection(entries), { rootMargin: NEAR_VIEW_MARGIN });
  }

  /**
   * Whether the truck's panel is in or near the viewport, or not observed yet. A truck without a
   * panel (filtered out) is not, unless the grid has no panel at all yet (the first render).
   */
  inView(truckId: string): boolean {
    return this._inView.has(truckId) || this._unobserved.has(truckId) || this._panels.size === 0;
  }

  /**
   * Shows exactly these trucks, in this order. Panels whose view is the same object do not
   * re-render. `ack` acknowledges an alert (null: no acknowledge button, for a viewer).
   */
  update(views: readonly TruckView[], prefs: Prefs, ack: TruckPanel['ack'] = null): void {
    const wanted: TruckPanel[] = [];
    for (const view of views) {
      let panel = this._panels.get(view.id);
      if (!panel) {
        panel = document.createElement('truck-panel');
        panel.truckId = view.id;
        this._panels.set(view.id, panel);
        this._unobserved.add(view.id);
        this._observer.observe(panel);
      }
      panel.view = view;
      panel.prefs = prefs;
      panel.ack = ack;
      wanted.push(panel);
    }
    const shown = new Set(wanted);
    for (const [id, panel] of this._panels) {
      if (shown.has(panel)) continue;
      panel.remove();
      this._observer.unobserve(panel);
      this._panels.delete(id);
      this._inView.delete(id);
      this._unobserved.delete(id);
    }
    placeInOrder(this._container, wanted);
  }

  private _onIntersection(entries: IntersectionObserverEntry[]): void {
    const entered: string[] = [];
    for (const entry of entries) {
      const id = (entry.target as TruckPanel).truckId;
      this._unobserved.delete(id);
      if (!entry.isIntersecting) {
        this._inView.delete(id);
      } else if (!this._inView.has(id)) {
        this._inView.add(id);
        entered.push(id);
      }
    }
    if (entered.length > 0) this._onEnterView(entered);
  }
}

/** Reorders `parent`'s children to `wanted` (which holds every child), moving the fewest of them. */
export function placeInOrder(parent: Element, wanted: readonly Element[]): void {
  const current = new Map<Element, number>();
  let i = 0;
  for (const child of parent.children) current.set(child, i++);
  const stays = longestIncreasingRun(wanted.map((el) => current.get(el) ?? -1));
  let next: Element | null = null;
  for (let k = wanted.length - 1; k >= 0; k--) {
    const el = wanted[k]!;
    if (!stays.has(k)) parent.insertBefore(el, next);
    next = el;
  }
}

/**
 * Indices of a longest strictly increasing subsequence of `positions`, ignoring negative entries
 * (elements not placed yet). O(n log n), patience sorting with back links.
 */
export function longestIncreasingRun(positions: readonly number[]): Set<number> {
  /** tails[len] = index (into positions) of the smallest tail of an increasing run of length len + 1. */
  const tails: number[] = [];
  const previous = new Array<number>(positions.length).fill(-1);
  for (let k = 0; k < positions.length; k++) {
    const value = positions[k]!;
    if (value < 0) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (positions[tails[mid]!]! < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[k] = tails[lo - 1]!;
    tails[lo] = k;
  }
  const run = new Set<number>();
  for (let k = tails.at(-1) ?? -1; k >= 0; k = previous[k]!) run.add(k);
  return run;
}
