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

/** One `<truck-panel>` per shown truck inside `container`, which holds nothing else. */
export class PanelGrid {
  private readonly _container: HTMLElement;
  private readonly _panels = new Map<string, TruckPanel>();

  constructor(container: HTMLElement) {
    this._container = container;
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
      this._panels.delete(id);
    }
    placeInOrder(this._container, wanted);
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
