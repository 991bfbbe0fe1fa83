/**
 * `<fleet-map>`: every truck the dashboard shows, on a map, in its status colour and pointing where
 * it heads; a click (or Enter in the list of trucks) brings up the truck's panel. With WebGL 2 it is
 * a MapLibre map loaded on demand (`fleet-map-gl.ts`); without, a plain SVG projection over the same
 * country outlines. It sets `data-trucks` to the number of trucks it shows, `data-mode` (`webgl` or
 * `svg`) and, once the basemap is drawn, `data-basemap` (`outlines` or `style`).
 */
import { LitElement, css, html, nothing, svg, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import { mapStyleSetting } from '../client/map-config';
import type { TruckStatus } from '../shared/insights';
import { DEFAULT_PREFS, type Prefs } from '../shared/protocol';
import type { GlFleetMap, MapColors } from './fleet-map-gl';
import { CLUSTER_FROM_TRUCKS, STATUS_COLOR_VAR, STATUS_ORDER, countTrucks, describeFleet, describeTruck, formatLatLon, mapTruck, truckBounds, type Bounds, type MapTruck } from './map-points';
import { bordersPath, fitView, inView, landPath, type MapView } from './map-projection';
import { OnScreenController } from './on-screen-controller';
import { navigate } from './router';
import { baseStyles } from './shared-styles';
import { STATUS_LABEL, type TruckView } from './truck-view';
import type { Outlines } from './world-outlines';

/** Pixels kept free around the trucks in the simple map, so edge markers are whole. */
const SVG_PAD_PX = 26;
/** At 100+ trucks the simple map gathers trucks closer than this, pixels: about two markers' width. */
const SVG_CLUSTER_RADIUS_PX = 34;
/** How long the truck's panel is outlined after the map brought it up, ms: long enough to find it. */
const PANEL_FLASH_MS = 1_600;

/** How the map draws. */
type Mode = 'pending' | 'webgl' | 'svg';

/** Why there is no WebGL map, in the operator's words; null when WebGL 2 is there. */
function missingWebGl(): string | null {
  try {
    const canvas = document.createElement('canvas');
    const gl2 = canvas.getContext('webgl2');
    if (gl2) {
      // Give the probe's context back at once: browsers allow only a few live contexts per page.
      gl2.getExtension('WEBGL_lose_context')?.loseContext();
      return null;
    }
    const gl1 = document.createElement('canvas').getContext('webgl');
    gl1?.getExtension('WEBGL_lose_context')?.loseContext();
    return gl1 ? 'this browser has no WebGL 2' : 'this browser has no WebGL';
  } catch {
    // A browser that throws on getContext has no usable WebGL either.
    return 'this browser has no WebGL';
  }
}

/** One mark of the simple map: a truck, or several close together (100+ trucks). */
type SvgMark = { kind: 'truck'; x: number; y: number; truck: MapTruck } | { kind: 'cluster'; key: string; x: number; y: number; trucks: MapTruck[]; alerts: number };

/**
 * Groups points (pixels) that lie within `radius` of a group's first point, greedily in truck id
 * order, so that groups stay the same from one frame to the next while trucks move a little. A grid
 * of cells `radius` wide finds the neighbours, so a thousand trucks cost a few thousand comparisons.
 */
function gatherClose<T extends { x: number; y: number; truck: MapTruck }>(points: readonly T[], radius: number): T[][] {
  const cellOf = (v: number) => Math.floor(v / radius);
  const grid = new Map<string, T[]>();
  for (const p of points) {
    const key = `${cellOf(p.x)}:${cellOf(p.y)}`;
    const cell = grid.get(key);
    if (cell) cell.push(p);
    else grid.set(key, [p]);
  }
  const taken = new Set<T>();
  const groups: T[][] = [];
  const ordered = [...points].sort((a, b) => (a.truck.id < b.truck.id ? -1 : a.truck.id > b.truck.id ? 1 : 0));
  for (const seed of ordered) {
    if (taken.has(seed)) continue;
    const group = [seed];
    taken.add(seed);
    const cx = cellOf(seed.x);
    const cy = cellOf(seed.y);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const p of grid.get(`${cx + dx}:${cy + dy}`) ?? []) {
          if (taken.has(p) || Math.hypot(p.x - seed.x, p.y - seed.y) > radius) continue;
          group.push(p);
          taken.add(p);
        }
      }
    }
    groups.push(group);
  }
  return groups;
}

/** The fleet map. */
export class FleetMap extends LitElement {
  static override properties = {
    views: { attribute: false },
    prefs: { attribute: false },
    _mode: { state: true },
    _note: { state: true },
    _outlines: { state: true },
    _size: { state: true },
    _active: { state: true },
    _zoom: { state: true },
  };

  /** The trucks to show, in the order the list gives them (the dashboard's sort order). */
  declare views: readonly TruckView[];
  declare prefs: Prefs;
  declare _mode: Mode;
  declare _note: string | null;
  declare _outlines: Outlines | null;
  declare _size: { width: number; height: number } | null;
  /** The list entry that takes the Tab stop (roving tabindex). */
  declare _active: string | null;
  /** The simple map zoomed into a cluster: the bounds it shows instead of every truck. */
  declare _zoom: Bounds | null;

  private _trucks: MapTruck[] = [];
  private _withoutPosition = 0;
  /** A truck's map point is recomputed only when its view object changed (FleetController keeps unchanged ones). */
  private _cache = new WeakMap<TruckView, MapTruck | null>();
  private _gl: GlFleetMap | null = null;
  private _glTrucks: readonly MapTruck[] | null = null;
  /** Counts starts, so that a map that finishes loading after the element left is thrown away. */
  private _generation = 0;
  private _resize: ResizeObserver | null = null;
  private readonly _scheme = matchMedia('(prefers-color-scheme: dark)');
  private _view: MapView | null = null;
  private _viewIds = new Set<string>();
  private _paths: { view: MapView; outlines: Outlines; land: string; borders: string } | null = null;
  /** The simple map's marks of the last render, for the same view and trucks. */
  private _svgMarksOf: { view: MapView; trucks: MapTruck[]; marks: SvgMark[] } | null = null;
  /** The list of trucks holds the focus: its active truck is ringed on the map. */
  private _listFocused = false;
  /** Off screen the map draws nothing; it catches up in its first update in view. */
  private readonly _onScreen = new OnScreenController(this);

  constructor() {
    super();
    this.views = [];
    this.prefs = DEFAULT_PREFS;
    this._mode = 'pending';
    this._note = null;
    this._outlines = null;
    this._size = null;
    this._active = null;
    this._zoom = null;
  }

  /** Where a truck's marker is on the page (client pixels), or null when it is not drawn on its own. For support and tests. */
  markerPoint(truckId: string): { x: number; y: number } | null {
    if (this._gl) return this._gl.markerPoint(truckId);
    const el = this.renderRoot.querySelector(`.mark[data-truck-id="${CSS.escape(truckId)}"]`);
    if (!el) return null;
    const box = el.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  }

  /** Where the map has drawn a truck, read back from what is on screen; null when not drawn on its own. For support and tests. */
  renderedPosition(truckId: string): { lat: number; lon: number } | null {
    if (this._gl) return this._gl.renderedPosition(truckId);
    const el = this.renderRoot.querySelector<SVGGElement>(`.mark[data-truck-id="${CSS.escape(truckId)}"]`);
    if (!el) return null;
    return { lat: Number(el.dataset.lat), lon: Number(el.dataset.lon) };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this._scheme.addEventListener('change', this._onScheme);
    // Reattached (the dashboard came back): start the map again. The first start waits for the first render.
    if (this.hasUpdated) this._start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._scheme.removeEventListener('change', this._onScheme);
    this._stop();
  }

  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    if (this._onScreen.visible || !this.hasUpdated) return true;
    // Off screen: keep the trucks (and `data-trucks`) current, draw nothing.
    if (changed.has('views')) this._takeViews();
    this._setCount();
    return false;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('views')) this._takeViews();
    if (this._mode === 'svg') this._updateView();
  }

  /** The trucks of `views` that have a position, as the map draws them. */
  private _takeViews(): void {
    const trucks: MapTruck[] = [];
    let without = 0;
    for (const v of this.views) {
      let t = this._cache.get(v);
      if (t === undefined) {
        t = mapTruck(v);
        this._cache.set(v, t);
      }
      if (t) trucks.push(t);
      else without++;
    }
    // The same trucks in the same state keep the same array: nothing below repaints.
    if (trucks.length !== this._trucks.length || trucks.some((t, i) => t !== this._trucks[i])) this._trucks = trucks;
    this._withoutPosition = without;
    if (this._active !== null && !trucks.some((t) => t.id === this._active)) this._active = null;
  }

  private _setCount(): void {
    const n = String(this._trucks.length);
    if (this.dataset.trucks !== n) this.dataset.trucks = n;
  }

  protected override firstUpdated(): void {
    this._start();
  }

  protected override updated(): void {
    this._setCount();
    if (this.dataset.mode !== this._mode) this.dataset.mode = this._mode;
    if (this._gl && this._glTrucks !== this._trucks) {
      this._glTrucks = this._trucks;
      this._gl.setTrucks(this._trucks);
    }
  }

  protected override render() {
    const trucks = this._trucks;
    const counts = countTrucks(trucks);
    const active = this._active ?? trucks[0]?.id ?? null;
    return html`<section aria-labelledby="map-title">
      <div class="bar">
        <h2 id="map-title">Fleet map</h2>
        <ul class="legend" aria-hidden="true">
          ${STATUS_ORDER.map(
            (s) => html`<li class=${counts.byStatus[s] ? '' : 'none'}>
              <span class="dot s-${s}"></span>${STATUS_LABEL[s]} <span class="num">${counts.byStatus[s]}</span>
            </li>`,
          )}
          <li class=${counts.alerts ? '' : 'none'}><span class="ring"></span>Alert <span class="num">${counts.alerts}</span></li>
        </ul>
        <p class="visually-hidden" id="map-summary">${describeFleet(trucks, this._withoutPosition)}</p>
        <span class="spacer"></span>
        <button type="button" class="fit" ?disabled=${trucks.length === 0} @click=${this._onFit}>Show all trucks</button>
      </div>
      ${this._note ? html`<p class="note" role="note">${this._note}</p>` : nothing}
      <div class="stage">
        <div class="gl-frame" ?hidden=${this._mode !== 'webgl'}><div class="gl"></div></div>
        ${this._mode === 'svg' ? this._renderSvg() : nothing}
        ${this._mode === 'pending' ? html`<p class="overlay muted">Loading the map…</p>` : nothing}
        ${trucks.length === 0 && this._mode !== 'pending'
          ? html`<p class="overlay muted">${this.views.length ? 'No truck has reported a position yet.' : 'No trucks to show.'}</p>`
          : nothing}
        <div class="list" @focusin=${this._onListFocus} @focusout=${this._onListBlur}>
          <p class="list-title" id="list-title">Trucks on the map · Enter opens the truck’s panel · ↑ ↓ move</p>
          <ul aria-labelledby="list-title" aria-describedby="map-summary">
            ${repeat(
              trucks,
              (t) => t.id,
              (t) => html`<li data-truck-id=${t.id} data-status=${t.status} data-lat=${t.lat} data-lon=${t.lon}>
                <button type="button" tabindex=${t.id === active ? 0 : -1} @click=${() => this._select(t.id)} @keydown=${this._onListKey}>
                  <span class="dot s-${t.status}" aria-hidden="true"></span>${describeTruck(t, this.prefs)}
                </button>
              </li>`,
            )}
          </ul>
        </div>
      </div>
    </section>`;
  }

  private _renderSvg() {
    const view = this._view;
    const size = this._size;
    if (!view || !size) return html`<svg class="svgmap" aria-hidden="true"></svg>`;
    const paths = this._outlinePaths(view);
    return html`<svg
      class="svgmap"
      width=${size.width}
      height=${size.height}
      viewBox="0 0 ${size.width} ${size.height}"
      aria-hidden="true"
      @click=${this._onSvgClick}
    >
      <rect class="water" width=${size.width} height=${size.height}></rect>
      ${paths ? svg`<path class="land" fill-rule="evenodd" d=${paths.land}></path><path class="borders" d=${paths.borders}></path>` : nothing}
      ${repeat(
        this._svgMarks(view),
        (m) => (m.kind === 'truck' ? m.truck.id : m.key),
        (m) =>
          m.kind === 'truck'
            ? svg`<g class="mark s-${m.truck.status} ${m.truck.alert ? `a-${m.truck.alert}` : ''} ${m.truck.id === this._active && this._listFocused ? 'selected' : ''}"
                transform="translate(${m.x.toFixed(1)} ${m.y.toFixed(1)})" data-truck-id=${m.truck.id} data-lat=${m.truck.lat} data-lon=${m.truck.lon}>
                <title>${m.truck.name}: ${STATUS_LABEL[m.truck.status]}. ${formatLatLon(m.truck.lat, m.truck.lon)}</title>
                ${m.truck.alert ? svg`<circle class="alert" r="12.5"></circle>` : nothing}
                <circle class="dot" r="8.5"></circle>
                <path class="arrow" transform="rotate(${Math.round(m.truck.headingDeg)})" d="M0,-5.2 L4.4,4.6 L0,2.2 L-4.4,4.6 Z"></path>
              </g>`
            : svg`<g class="cluster ${m.alerts ? 'has-alerts' : ''}" transform="translate(${m.x.toFixed(1)} ${m.y.toFixed(1)})" data-cluster=${m.key}>
                <title>${m.trucks.length} trucks here: click to zoom in</title>
                <circle r=${m.trucks.length >= 10 ? 17 : 14}></circle>
                <text dy="0.35em">${m.trucks.length}</text>
              </g>`,
      )}
    </svg>`;
  }

  /** Marks of the simple map: every truck on its own below CLUSTER_FROM_TRUCKS, else gathered in cells. */
  private _svgMarks(view: MapView): SvgMark[] {
    if (this._svgMarksOf?.view === view && this._svgMarksOf.trucks === this._trucks) return this._svgMarksOf.marks;
    const marks: SvgMark[] = [];
    const placed = this._trucks.map((truck) => {
      const [x, y] = view.project(truck.lon, truck.lat);
      return { x, y, truck };
    });
    if (placed.length < CLUSTER_FROM_TRUCKS) {
      for (const p of placed) marks.push({ kind: 'truck', ...p });
    } else {
      for (const group of gatherClose(placed, SVG_CLUSTER_RADIUS_PX)) {
        if (group.length === 1) {
          marks.push({ kind: 'truck', ...group[0]! });
          continue;
        }
        const x = group.reduce((sum, p) => sum + p.x, 0) / group.length;
        const y = group.reduce((sum, p) => sum + p.y, 0) / group.length;
        const trucks = group.map((p) => p.truck);
        marks.push({ kind: 'cluster', key: `c:${trucks[0]!.id}`, x, y, trucks, alerts: trucks.filter((t) => t.alert).length });
      }
    }
    this._svgMarksOf = { view, trucks: this._trucks, marks };
    return marks;
  }

  /** The simple map's projection: kept while every truck stays in view, refitted when one leaves, the set of trucks or the size changes. */
  private _updateView(): void {
    const size = this._size;
    if (!size || size.width === 0 || size.height === 0) return;
    const ids = new Set(this._trucks.map((t) => t.id));
    const sameSet = ids.size === this._viewIds.size && [...ids].every((id) => this._viewIds.has(id));
    const view = this._view;
    const fits =
      view &&
      view.width === size.width &&
      view.height === size.height &&
      (this._zoom !== null || (sameSet && this._trucks.every((t) => inView(view, t.lon, t.lat, SVG_PAD_PX / 2))));
    if (fits) return;
    const bounds = this._zoom ?? truckBounds(this._trucks) ?? ([-10, 35, 30, 60] as Bounds);
    this._view = fitView(bounds, size.width, size.height, SVG_PAD_PX);
    this._viewIds = ids;
  }

  private _outlinePaths(view: MapView): { land: string; borders: string } | null {
    const outlines = this._outlines;
    if (!outlines) return null;
    if (this._paths?.view !== view || this._paths.outlines !== outlines) {
      this._paths = { view, outlines, land: landPath(outlines.polygons, view), borders: bordersPath(outlines.borders.geometry, view) };
    }
    return this._paths;
  }

  private _colors(): MapColors {
    const style = getComputedStyle(this);
    const v = (name: string) => style.getPropertyValue(name).trim();
    const status = {} as Record<TruckStatus, string>;
    for (const s of STATUS_ORDER) status[s] = v(STATUS_COLOR_VAR[s]);
    return {
      water: v('--fw-map-water'),
      land: v('--fw-map-land'),
      border: v('--fw-map-border'),
      surface: v('--fw-surface'),
      accent: v('--fw-accent'),
      status,
      critical: v('--fw-bad'),
      warning: v('--fw-warn'),
    };
  }

  private _start(): void {
    if (this._gl) return;
    if (this._mode === 'svg') {
      // Back on the page in simple mode: watch its size again.
      this._useSvg(this._note ?? '');
      return;
    }
    const generation = ++this._generation;
    const missing = missingWebGl();
    if (missing) {
      this._useSvg(`Map in simple mode: ${missing}.`);
      return;
    }
    void Promise.all([import('./fleet-map-gl'), mapStyleSetting()]).then(
      ([{ GlFleetMap }, styleUrl]) => {
        if (generation !== this._generation || !this.isConnected) return;
        const container = this.renderRoot.querySelector<HTMLElement>('.gl')!;
        try {
          this._mode = 'webgl';
          // Shown before MapLibre measures it (the render that follows would be too late).
          container.parentElement!.hidden = false;
          this._gl = GlFleetMap.create(container, this.renderRoot as ShadowRoot, styleUrl, this._colors(), {
            onSelect: (id) => this._select(id),
            onBasemap: (kind) => (this.dataset.basemap = kind),
            onFatal: (error) => this._fallBack(error),
          });
          this._glTrucks = null;
          this.requestUpdate();
        } catch (error) {
          this._fallBack(error as Error);
        }
      },
      (error: unknown) => {
        if (generation === this._generation) this._fallBack(error as Error);
      },
    );
  }

  private _fallBack(error: Error): void {
    console.warn('fleetwire: the WebGL map could not start; drawing the simple map', error);
    this._gl?.destroy();
    this._gl = null;
    this._useSvg(`Map in simple mode: the WebGL map could not start (${error.message}).`);
  }

  private _useSvg(note: string): void {
    this._mode = 'svg';
    this._note = note;
    delete this.dataset.basemap;
    const stage = this.renderRoot.querySelector<HTMLElement>('.stage');
    if (stage && !this._resize) {
      this._resize = new ResizeObserver(([entry]) => {
        const box = entry?.contentRect;
        if (box && (box.width !== this._size?.width || box.height !== this._size?.height)) {
          this._size = { width: Math.round(box.width), height: Math.round(box.height) };
        }
      });
      this._resize.observe(stage);
    }
    const generation = this._generation;
    void import('./world-outlines').then(
      ({ worldOutlines }) => {
        if (generation !== this._generation) return;
        this._outlines = worldOutlines();
        // Drawn in the next render; the attribute follows it.
        void this.updateComplete.then(() => {
          if (this._mode === 'svg' && this._outlines) this.dataset.basemap = 'outlines';
        });
      },
      (error: unknown) => console.error('fleetwire: the map’s country outlines could not be loaded', error),
    );
  }

  private _stop(): void {
    this._generation++;
    this._gl?.destroy();
    this._gl = null;
    this._glTrucks = null;
    this._resize?.disconnect();
    this._resize = null;
    if (this._mode === 'webgl') this._mode = 'pending';
  }

  /** Brings up a truck: its panel on this page (scrolled to, focused, outlined a moment), else its own page. */
  private _select(truckId: string): void {
    const event = new CustomEvent('truck-select', { detail: { truckId }, bubbles: true, composed: true, cancelable: true });
    if (!this.dispatchEvent(event)) return;
    this._active = truckId;
    const root = this.getRootNode() as Document | ShadowRoot;
    const panel = root.querySelector<HTMLElement>(`truck-panel[truck-id="${CSS.escape(truckId)}"]`);
    if (!panel) {
      navigate(`/trucks/${encodeURIComponent(truckId)}`);
      return;
    }
    const reduce = matchMedia('(prefers-reduced-motion: reduce)').matches;
    if (!panel.hasAttribute('tabindex')) panel.tabIndex = -1;
    panel.scrollIntoView({ block: 'center', behavior: reduce ? 'auto' : 'smooth' });
    panel.focus({ preventScroll: true });
    const accent = getComputedStyle(this).getPropertyValue('--fw-accent').trim();
    panel.animate(
      [
        { outline: `3px solid ${accent}`, outlineOffset: '2px' },
        { outline: `3px solid transparent`, outlineOffset: '2px' },
      ],
      { duration: reduce ? 0 : PANEL_FLASH_MS, easing: 'ease-in' },
    );
  }

  private _onFit(): void {
    this._zoom = null;
    this._view = null;
    this._gl?.fitTrucks();
    this.requestUpdate();
  }

  private _onSvgClick(e: MouseEvent): void {
    const target = e.target as Element;
    const mark = target.closest<SVGGElement>('.mark');
    if (mark?.dataset.truckId) {
      this._select(mark.dataset.truckId);
      return;
    }
    const cluster = target.closest<SVGGElement>('.cluster');
    if (cluster && this._view) {
      const mark = this._svgMarks(this._view).find((m) => m.kind === 'cluster' && m.key === cluster.dataset.cluster);
      if (mark?.kind === 'cluster') {
        this._zoom = truckBounds(mark.trucks, 0.2);
        this._view = null;
      }
    }
  }

  private _onListFocus(e: FocusEvent): void {
    const li = (e.target as Element).closest<HTMLElement>('li[data-truck-id]');
    this._listFocused = true;
    if (li?.dataset.truckId) {
      this._active = li.dataset.truckId;
      this._gl?.highlight(this._active);
    }
    this.requestUpdate();
  }

  private _onListBlur(e: FocusEvent): void {
    const list = e.currentTarget as HTMLElement;
    if (e.relatedTarget instanceof Node && list.contains(e.relatedTarget)) return;
    this._listFocused = false;
    this._gl?.highlight(null);
    this.requestUpdate();
  }

  /** Arrow keys, Home and End move along the list (one Tab stop for the whole fleet). */
  private _onListKey(e: KeyboardEvent): void {
    const buttons = [...this.renderRoot.querySelectorAll<HTMLButtonElement>('.list button')];
    const i = buttons.indexOf(e.currentTarget as HTMLButtonElement);
    const next = { ArrowDown: i + 1, ArrowRight: i + 1, ArrowUp: i - 1, ArrowLeft: i - 1, Home: 0, End: buttons.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, next))]?.focus();
  }

  private readonly _onScheme = (): void => {
    // The tokens switch with the colour scheme; MapLibre holds resolved colours and needs them again.
    this._gl?.setColors(this._colors());
  };

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        /* Space before the panels that follow it on the dashboard. */
        margin-bottom: 10px;
        --fw-map-water: #dce5ee;
        --fw-map-land: #fbfcfd;
        --fw-map-border: #a9b4c0;
      }
      @media (prefers-color-scheme: dark) {
        :host {
          --fw-map-water: #0b0f14;
          --fw-map-land: #1f262f;
          --fw-map-border: #48525e;
        }
      }
      section {
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: var(--fw-radius);
        box-shadow: var(--fw-shadow);
        overflow: hidden;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px 14px;
        padding: 7px 10px 7px 12px;
        border-bottom: 1px solid var(--fw-border);
      }
      h2 {
        margin: 0;
        font-size: 14px;
        font-weight: 650;
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 4px 12px;
        margin: 0;
        padding: 0;
        list-style: none;
        font-size: 12px;
        color: var(--fw-muted);
      }
      .legend li {
        display: inline-flex;
        align-items: center;
        gap: 5px;
      }
      .legend li.none .dot,
      .legend li.none .ring {
        opacity: 0.4;
      }
      .legend .num {
        color: var(--fw-text);
        font-weight: 650;
      }
      .dot {
        display: inline-block;
        width: 10px;
        height: 10px;
        border-radius: 50%;
        flex: none;
        background: var(--dot);
      }
      .ring {
        display: inline-block;
        width: 8px;
        height: 8px;
        border-radius: 50%;
        border: 2px solid var(--fw-bad);
      }
      .s-moving {
        --dot: var(--fw-ok);
      }
      .s-idle {
        --dot: var(--fw-warn);
      }
      .s-stopped {
        --dot: var(--fw-info);
      }
      .s-stale {
        --dot: var(--fw-stale);
      }
      .spacer {
        flex: 1 1 auto;
      }
      .note {
        margin: 0;
        padding: 5px 12px;
        font-size: 12px;
        background: var(--fw-info-bg);
        color: var(--fw-text);
        border-bottom: 1px solid var(--fw-border);
      }
      .stage {
        position: relative;
        height: clamp(240px, 40vh, 420px);
        background: var(--fw-map-water);
      }
      /* MapLibre's own styles make its container position: relative; the frame places it. */
      .gl-frame {
        position: absolute;
        inset: 0;
      }
      .gl-frame[hidden] {
        display: none;
      }
      .gl {
        width: 100%;
        height: 100%;
      }
      .svgmap {
        position: absolute;
        inset: 0;
        display: block;
        width: 100%;
        height: 100%;
      }
      .water {
        fill: var(--fw-map-water);
      }
      .land {
        fill: var(--fw-map-land);
        stroke: var(--fw-map-border);
        stroke-width: 0.8;
      }
      .borders {
        fill: none;
        stroke: var(--fw-map-border);
        stroke-width: 0.8;
      }
      .mark {
        cursor: pointer;
      }
      .mark .dot {
        fill: var(--dot);
        stroke: var(--fw-surface);
        stroke-width: 1.5;
      }
      .mark .arrow {
        fill: var(--fw-surface);
      }
      .mark .alert {
        fill: none;
        stroke: var(--fw-warn);
        stroke-width: 2.5;
      }
      .mark.a-critical .alert {
        stroke: var(--fw-bad);
      }
      .mark.selected .dot,
      .mark:hover .dot {
        stroke: var(--fw-accent);
        stroke-width: 3;
      }
      .cluster {
        cursor: zoom-in;
      }
      .cluster circle {
        fill: var(--fw-accent);
        stroke: var(--fw-surface);
        stroke-width: 2;
      }
      .cluster.has-alerts circle {
        stroke: var(--fw-bad);
        stroke-width: 3.5;
      }
      .cluster text {
        fill: var(--fw-accent-text);
        font: 700 12px var(--fw-font);
        text-anchor: middle;
        pointer-events: none;
      }
      .overlay {
        position: absolute;
        top: 50%;
        left: 50%;
        transform: translate(-50%, -50%);
        margin: 0;
        padding: 6px 12px;
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: 6px;
        font-size: 13px;
        pointer-events: none;
      }
      /* The list of trucks: the map's text alternative and its keyboard path. Hidden from sight until
         it holds the focus; then it opens over the map's corner. */
      .list:not(:focus-within) {
        position: absolute !important;
        width: 1px;
        height: 1px;
        overflow: hidden;
        clip-path: inset(50%);
        white-space: nowrap;
      }
      .list:focus-within {
        position: absolute;
        z-index: 3;
        top: 8px;
        left: 8px;
        bottom: 8px;
        width: min(420px, calc(100% - 16px));
        display: flex;
        flex-direction: column;
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: 6px;
        box-shadow: 0 4px 16px rgb(0 0 0 / 0.18);
      }
      .list-title {
        margin: 0;
        padding: 6px 10px;
        font-size: 12px;
        color: var(--fw-muted);
        border-bottom: 1px solid var(--fw-border);
      }
      .list ul {
        margin: 0;
        padding: 4px;
        list-style: none;
        overflow: auto;
      }
      .list button {
        width: 100%;
        border: 0;
        border-radius: 4px;
        padding: 4px 6px;
        justify-content: flex-start;
        white-space: normal;
        text-align: start;
        font-size: 12px;
        background: none;
      }
      .list button:focus {
        background: var(--fw-info-bg);
      }
      @media (max-width: 560px) {
        .stage {
          height: 260px;
        }
      }
    `,
  ];
}

customElements.define('fleet-map', FleetMap);

declare global {
  interface HTMLElementTagNameMap {
    'fleet-map': FleetMap;
  }
  interface HTMLElementEventMap {
    /** `<fleet-map>` brings up a truck; cancel it to do something else than focusing its panel. */
    'truck-select': CustomEvent<{ truckId: string }>;
  }
}
