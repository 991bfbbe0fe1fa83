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

/**
 * Panels off screen take their truck's newest view at most this often, ms; panels in view take it
 * in the frame it arrives. A dashboard in view shows a few panels of a fleet: re-rendering the
 * others on every event cost most of its main thread, and twenty windows in view on two cores
 * could not keep up. Off-screen panels stay current within this time, for anything reading them.
 */
export const OFF_SCREEN_UPDATE_MS = 1_000;
/** Panels this close to the viewport count as in view, so they are current before they scroll in. */
const NEAR_VIEW_MARGIN = '50% 0px';

/** One `<truck-panel>` per shown truck inside `container`, which holds nothing else. */
export class PanelGrid {
  private readonly _container: HTMLElement;
  private readonly _panels = new Map<string, TruckPanel>();
  /** Panels in (or near) the viewport. Until it is observed, a new panel counts as in view. */
  private readonly _inView = new Set<TruckPanel>();
  /** The newest view of each panel off screen that shows an older one. */
  private readonly _waiting = new Map<TruckPanel, TruckView>();
  private readonly _observer: IntersectionObserver;
  private _timer: ReturnType<typeof setTimeout> | null = null;

  constructor(container: HTMLElement) {
    this._container = container;
    this._observer = new IntersectionObserver((entries) => this._onIntersection(entries), { rootMargin: NEAR_VIEW_MARGIN });
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
        this._inView.add(panel);
        this._observer.observe(panel);
      }
      if (this._inView.has(panel) || panel.view === view) {
        panel.view = view;
        this._waiting.delete(panel);
      } else {
        this._waiting.set(panel, view);
      }
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
      this._inView.delete(panel);
      this._waiting.delete(panel);
    }
    placeInOrder(this._container, wanted);
    if (this._waiting.size > 0 && this._timer === null) this._timer = setTimeout(() => this._catchUp(), OFF_SCREEN_UPDATE_MS);
  }

  private _onIntersection(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      const panel = entry.target as TruckPanel;
      if (!entry.isIntersecting) {
        this._inView.delete(panel);
        continue;
      }
      this._inView.add(panel);
      const view = this._waiting.get(panel);
      if (view) panel.view = view;
      this._waiting.delete(panel);
    }
  }

  /** Gives every panel off screen its newest view. */
  private _catchUp(): void {
    this._timer = null;
    for (const [panel, view] of this._waiting) panel.view = view;
    this._waiting.clear();
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
