/**
 * The dashboard's grid of `<truck-panel>`s, kept in sort order with as few DOM moves as possible,
 * drawing what is in view first.
 *
 * A page load used to render every panel of the fleet in one task (24 panels, 1,150 elements: most
 * of the dashboard's blocking time on a phone). Panels created far off screen are held (an empty
 * box) and rendered a few per frame after the first paint, in slices short enough never to be a
 * long task on a slow phone, all of them within OFF_SCREEN_UPDATE_MS; one coming into view renders
 * at once.
 *
 * A panel that moves in the DOM is detached and attached again: its whole shadow tree gets styled
 * and laid out anew. Lit's `repeat` walks the list from both ends and, when one truck changes
 * status, moves every panel between its old and new place (80 of 100 panels per frame, measured),
 * which made each re-sort a long task. Here only the panels outside the longest run that is
 * already in order move: one truck changing place moves one panel.
 */
import type { Prefs } from '../shared/protocol';
import { OFF_SCREEN_UPDATE_MS } from './fleet-controller';
import type { TruckPanel } from './truck-panel';
import type { TruckView } from './truck-view';

/** Panels this close to the viewport count as in view, so they are current before they scroll in. */
const NEAR_VIEW_MARGIN = '50% 0px';
/** The same margin as a share of the viewport's height, for panels placed before any observation. */
const NEAR_VIEW_SHARE = 0.5;
/**
 * Held panels rendered per slice (one slice per frame), and the time a slice may take, ms: a
 * phone's CPU is several times slower than a desktop's, and a task over 50 ms there blocks input.
 */
const RELEASE_PER_SLICE = 3;
const RELEASE_SLICE_MS = 8;
/** A frame that repainted panels for live data gets no slice: it had its share of repaints (FleetController's MAX_TRUCKS_PER_FRAME). */
const FRAME_MS = 16;

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
  /** Panels not rendered yet, in grid order (closest to the top first). */
  private readonly _held = new Set<TruckPanel>();
  /** performance.now() by which every held panel renders, whatever the frames do. */
  private _releaseBy = 0;
  private _releaseScheduled = false;
  /** performance.now() of the last update that gave a rendered panel a new view (a live repaint). */
  private _repaintedAt = -Infinity;

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
    const created: TruckPanel[] = [];
    let repainted = 0;
    for (const view of views) {
      let panel = this._panels.get(view.id);
      if (!panel) {
        panel = document.createElement('truck-panel');
        panel.truckId = view.id;
        // Named at once, not when it first renders: readers find a held panel by its truck.
        panel.setAttribute('truck-id', view.id);
        panel.hold();
        created.push(panel);
        this._panels.set(view.id, panel);
        this._unobserved.add(view.id);
        this._observer.observe(panel);
      } else if (panel.view !== view && !panel.held) {
        repainted++;
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
      this._held.delete(panel);
      this._panels.delete(id);
      this._inView.delete(id);
      this._unobserved.delete(id);
    }
    placeInOrder(this._container, wanted);
    if (repainted > 0) this._repaintedAt = performance.now();
    if (created.length > 0) this._holdFarOnes(created);
  }

  /**
   * New panels near the viewport render in this update; the others stay held and render later.
   * Their place is read from the layout with every new panel an empty box of a panel's smallest
   * height, so a panel judged far can only move further down once those above it render.
   */
  private _holdFarOnes(created: readonly TruckPanel[]): void {
    // A hidden tab paints nothing anyway; holding would only leave its DOM behind.
    if (document.visibilityState === 'hidden') {
      for (const panel of created) panel.release();
      return;
    }
    const height = window.innerHeight;
    // Every place first (one layout), then the renders.
    const near = created.map((panel) => {
      const box = panel.getBoundingClientRect();
      return box.bottom >= -height * NEAR_VIEW_SHARE && box.top <= height * (1 + NEAR_VIEW_SHARE);
    });
    created.forEach((panel, i) => {
      if (near[i]) panel.release();
      else this._held.add(panel);
    });
    if (this._held.size === 0) return;
    this._releaseBy = performance.now() + OFF_SCREEN_UPDATE_MS;
    this._scheduleRelease();
  }

  /** The next slice of held panels: right after the next frame is painted. */
  private _scheduleRelease(): void {
    if (this._releaseScheduled || this._held.size === 0) return;
    this._releaseScheduled = true;
    let done = false;
    const slice = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      this._releaseScheduled = false;
      this._releaseSlice();
    };
    // Frames stop in a hidden tab: the deadline releases the rest then.
    const timer = setTimeout(slice, Math.max(0, this._releaseBy - performance.now()));
    requestAnimationFrame(() => setTimeout(slice, 0));
  }

  private _releaseSlice(): void {
    const now = performance.now();
    const overdue = now >= this._releaseBy || document.visibilityState === 'hidden';
    // Released panels paint their first view in this frame's share (MAX_TRUCKS_PER_FRAME): not in
    // a frame that live data already filled.
    if (!overdue && now - this._repaintedAt < FRAME_MS) {
      this._scheduleRelease();
      return;
    }
    const end = now + RELEASE_SLICE_MS;
    let released = 0;
    for (const panel of this._held) {
      if (!overdue && (released >= RELEASE_PER_SLICE || performance.now() >= end)) break;
      this._held.delete(panel);
      panel.release();
      released++;
    }
    this._scheduleRelease();
  }

  private _onIntersection(entries: IntersectionObserverEntry[]): void {
    const entered: string[] = [];
    for (const entry of entries) {
      const panel = entry.target as TruckPanel;
      const id = panel.truckId;
      this._unobserved.delete(id);
      if (entry.isIntersecting && this._held.delete(panel)) panel.release();
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
