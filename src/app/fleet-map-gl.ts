/**
 * The fleet map on WebGL: MapLibre GL with the trucks as one GeoJSON source, replaced at most once
 * per animation frame however many events arrive, over the shipped country outlines or a style set
 * with FLEETWIRE_MAP_STYLE. A chunk of its own, loaded by `<fleet-map>` only where WebGL 2 exists,
 * so the dashboard's first script stays small.
 */
import {
  Map as MapLibreMap,
  Marker,
  Popup,
  setWorkerUrl,
  type ExpressionSpecification,
  type GeoJSONSource,
  type MapLayerMouseEvent,
  type StyleSpecification,
} from 'maplibre-gl';
import maplibreCss from 'maplibre-gl/dist/maplibre-gl.css?inline';
import type { Feature, FeatureCollection, Point } from 'geojson';
import type { TruckStatus } from '../shared/insights';
import workerUrl from '../map-worker/maplibre.ts?worker&url';
import { CLUSTER_FROM_TRUCKS, truckBounds, type MapTruck } from './map-points';
import { STATUS_LABEL } from './truck-view';
import { worldOutlines } from './world-outlines';

/** The colours the map paints with, resolved from the design tokens (MapLibre takes no CSS variables). */
export interface MapColors {
  water: string;
  land: string;
  border: string;
  /** Marker outline and heading arrow: the page's surface colour, so they contrast in both themes. */
  surface: string;
  accent: string;
  status: Record<TruckStatus, string>;
  critical: string;
  warning: string;
}

/** What the map tells its element. */
export interface GlMapCallbacks {
  /** A truck was clicked. */
  onSelect(truckId: string): void;
  /** The basemap is drawn: the shipped outlines, or the configured style. */
  onBasemap(kind: 'outlines' | 'style'): void;
  /** The map cannot go on (its worker failed to load): the element switches to the simple map. */
  onFatal(error: Error): void;
}

/** How long a configured style may take to load before the map draws the shipped outlines instead. */
const STYLE_TIMEOUT_MS = 8_000;
/** Closest zoom a fit goes to: one truck alone is shown with its region, not its street. */
const FIT_MAX_ZOOM = 7;
/** Pixels kept free around the trucks when fitting. */
const FIT_PADDING_PX = 36;
/**
 * Least time between two updates of the trucks on the map, ms. Trucks report every few seconds;
 * four updates a second keep every marker current, where one per frame kept two cores busy with a
 * hundred trucks reporting (each update re-indexes the whole fleet).
 */
const MAP_UPDATE_MS = 250;
/** Screen pixels within which clustered trucks are gathered (100+ trucks). */
const CLUSTER_RADIUS_PX = 44;
/** Above this zoom every truck is drawn on its own. */
const CLUSTER_MAX_ZOOM = 9;
const SOURCE = 'fw-trucks';
const LAYERS = { clusters: 'fw-clusters', alertRing: 'fw-truck-alert', dot: 'fw-truck', arrow: 'fw-truck-heading' } as const;
const ARROW_IMAGE = 'fw-arrow';
/** The arrow icon is drawn at this pixel ratio, so it stays sharp on high-density screens. */
const ICON_PIXEL_RATIO = 2;

/** Extra styles for what the map adds to MapLibre's: cluster counts and the hover card. */
const EXTRA_CSS = `
.fw-cluster-count { pointer-events: none; font: 700 12px var(--fw-font); color: var(--fw-accent-text); }
.fw-popup .maplibregl-popup-content { padding: 6px 9px; font: 13px/1.35 var(--fw-font); color: var(--fw-text); background: var(--fw-surface); border-radius: 6px; box-shadow: 0 2px 8px rgb(0 0 0 / 0.2); }
.fw-popup .maplibregl-popup-tip { display: none; }
.fw-popup strong { font-weight: 650; }
`;

let sheet: CSSStyleSheet | null = null;

/** MapLibre's styles and ours, adopted into the element's shadow root (document styles do not reach it). */
function adoptStyles(root: ShadowRoot): void {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(maplibreCss + EXTRA_CSS);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** The style of the shipped basemap: water, land and borders, no tiles, glyphs or sprites to fetch. */
function outlineStyle(colors: MapColors): StyleSpecification {
  const outlines = worldOutlines();
  return {
    version: 8,
    sources: {
      'fw-land': { type: 'geojson', data: outlines.land, attribution: 'Outlines: Natural Earth' },
      'fw-borders': { type: 'geojson', data: outlines.borders },
    },
    layers: [
      { id: 'fw-water', type: 'background', paint: { 'background-color': colors.water } },
      { id: 'fw-land', type: 'fill', source: 'fw-land', paint: { 'fill-color': colors.land } },
      { id: 'fw-coast', type: 'line', source: 'fw-land', paint: { 'line-color': colors.border, 'line-width': 0.8 } },
      { id: 'fw-borders', type: 'line', source: 'fw-borders', paint: { 'line-color': colors.border, 'line-width': 0.8 } },
    ],
  };
}

/** A heading arrow (pointing north) in the surface colour, as MapLibre image data. */
function arrowImage(color: string): ImageData {
  const size = 12 * ICON_PIXEL_RATIO;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  ctx.scale(ICON_PIXEL_RATIO, ICON_PIXEL_RATIO);
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.moveTo(6, 0.8);
  ctx.lineTo(10.4, 10.6);
  ctx.lineTo(6, 8.2);
  ctx.lineTo(1.6, 10.6);
  ctx.closePath();
  ctx.fill();
  return ctx.getImageData(0, 0, size, size);
}

function statusColor(colors: MapColors): ExpressionSpecification {
  return [
    'match',
    ['get', 'status'],
    'moving',
    colors.status.moving,
    'idle',
    colors.status.idle,
    'stopped',
    colors.status.stopped,
    colors.status.stale,
  ];
}

function toFeature(t: MapTruck): Feature<Point> {
  return {
    type: 'Feature',
    // No feature id: MapLibre wants numbers there; `promoteId: 'id'` keys feature state by the truck id.
    geometry: { type: 'Point', coordinates: [t.lon, t.lat] },
    properties: { id: t.id, name: t.name, status: t.status, heading: t.headingDeg, alert: t.alert ?? '' },
  };
}

/** A MapLibre map of the fleet in a container. */
export class GlFleetMap {
  private readonly _map: MapLibreMap;
  private readonly _callbacks: GlMapCallbacks;
  private _colors: MapColors;
  private _trucks: readonly MapTruck[] = [];
  private _byId = new Map<string, MapTruck>();
  private _frame: number | null = null;
  /** Waits out MAP_UPDATE_MS since the last update before the next is drawn. */
  private _wait: ReturnType<typeof setTimeout> | null = null;
  /** When the trucks were last handed to the map (performance.now()). */
  private _flushedAt = -Infinity;
  private _clustered = false;
  private _basemap: 'outlines' | 'style';
  private _styleTimer: ReturnType<typeof setTimeout> | null = null;
  /** The map was fitted to the trucks once; after that it moves only when asked, or for a new set of trucks. */
  private _fitted = false;
  /** The operator moved the map: a new set of trucks (a filter) no longer refits it. */
  private _userMoved = false;
  private _fittedIds = '';
  private _highlighted: string | null = null;
  private _popup: Popup | null = null;
  private readonly _clusterLabels = new Map<number, Marker>();

  private constructor(container: HTMLElement, styleUrl: string | null, colors: MapColors, callbacks: GlMapCallbacks) {
    this._callbacks = callbacks;
    this._colors = colors;
    this._basemap = styleUrl ? 'style' : 'outlines';
    this._map = new MapLibreMap({
      container,
      style: styleUrl ?? outlineStyle(colors),
      center: [10, 50],
      zoom: 3,
      // The page scrolls: the wheel zooms the map only with Ctrl (or ⌘), as the map says on screen.
      cooperativeGestures: true,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      maxPitch: 0,
      attributionControl: { compact: true },
      // The trucks' arrows need no fonts; a style that does brings its own glyphs URL.
      fadeDuration: 0,
    });
    this._map.touchZoomRotate.disableRotation();
    this._map.keyboard.disableRotation();
    this._map.getCanvas().setAttribute('aria-label', 'Fleet map. Arrow keys move it, plus and minus zoom. The list of trucks comes before it.');
    this._map.on('style.load', () => this._onStyleLoad());
    this._map.on('error', (e) => this._onError(e.error));
    this._map.on('movestart', (e) => {
      // Only a person's gesture has an originalEvent; fits and eases have none.
      if ((e as { originalEvent?: unknown }).originalEvent) this._userMoved = true;
    });
    this._map.on('click', LAYERS.dot, (e) => this._onTruckClick(e));
    this._map.on('click', LAYERS.clusters, (e) => void this._onClusterClick(e));
    this._map.on('mouseenter', LAYERS.dot, (e) => this._onTruckHover(e));
    this._map.on('mousemove', LAYERS.dot, (e) => this._onTruckHover(e));
    this._map.on('mouseleave', LAYERS.dot, () => this._onTruckLeave());
    this._map.on('mouseenter', LAYERS.clusters, () => (this._map.getCanvas().style.cursor = 'pointer'));
    this._map.on('mouseleave', LAYERS.clusters, () => (this._map.getCanvas().style.cursor = ''));
    this._map.on('render', () => this._syncClusterLabels());
    this._map.once('idle', () => this._callbacks.onBasemap(this._basemap));
    if (styleUrl) {
      this._styleTimer = setTimeout(() => {
        if (!this._map.isStyleLoaded()) this._useOutlines('the map style did not load in time');
      }, STYLE_TIMEOUT_MS);
    }
  }

  /**
   * Creates the map in `container`. Throws when WebGL 2 cannot give MapLibre a context (a GPU
   * blocklist, a lost device): the element then draws the simple map.
   */
  static create(container: HTMLElement, root: ShadowRoot, styleUrl: string | null, colors: MapColors, callbacks: GlMapCallbacks): GlFleetMap {
    setWorkerUrl(workerUrl);
    adoptStyles(root);
    return new GlFleetMap(container, styleUrl, colors, callbacks);
  }

  /** The trucks to show; the map is repainted in the next animation frame, once for however many calls. */
  setTrucks(trucks: readonly MapTruck[]): void {
    this._trucks = trucks;
    if (this._frame !== null || this._wait !== null) return;
    // Each update re-indexes every truck in MapLibre's worker and redraws the map: at most a few a
    // second, with the newest positions, instead of one per frame while a fleet reports.
    const wait = this._flushedAt + MAP_UPDATE_MS - performance.now();
    if (wait <= 0) {
      this._frame = requestAnimationFrame(() => this._flush());
      return;
    }
    this._wait = setTimeout(() => {
      this._wait = null;
      this._frame = requestAnimationFrame(() => this._flush());
    }, wait);
  }

  /** Fits the map to every truck (the "Show all trucks" button). */
  fitTrucks(animate = true): void {
    const bounds = truckBounds(this._trucks);
    if (!bounds) return;
    this._userMoved = false;
    this._fitted = true;
    this._fittedIds = this._idsKey();
    this._map.fitBounds(bounds, { padding: FIT_PADDING_PX, maxZoom: FIT_MAX_ZOOM, duration: animate ? 400 : 0 });
  }

  /** Rings one truck (the one focused in the list), or none. */
  highlight(truckId: string | null): void {
    if (this._highlighted === truckId) return;
    if (this._highlighted !== null && this._map.getSource(SOURCE)) {
      this._map.setFeatureState({ source: SOURCE, id: this._highlighted }, { selected: false });
    }
    this._highlighted = truckId;
    const t = truckId === null ? undefined : this._byId.get(truckId);
    if (truckId !== null && this._map.getSource(SOURCE)) this._map.setFeatureState({ source: SOURCE, id: truckId }, { selected: true });
    // Keep the focused truck on screen, without moving a map that already shows it.
    if (t && !this._map.getBounds().contains([t.lon, t.lat])) this._map.easeTo({ center: [t.lon, t.lat], duration: 300 });
  }

  /** Where a truck's marker is on the page (client pixels), or null when it is not drawn on its own. */
  markerPoint(truckId: string): { x: number; y: number } | null {
    const t = this._byId.get(truckId);
    if (!t) return null;
    const p = this._map.project([t.lon, t.lat]);
    const box = this._map.getCanvasContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  }

  /** Where the map has drawn a truck (from what is on screen, not what it was given); null when it is not drawn on its own. */
  renderedPosition(truckId: string): { lat: number; lon: number } | null {
    if (!this._map.getLayer(LAYERS.dot)) return null;
    const found = this._map.queryRenderedFeatures({ layers: [LAYERS.dot], filter: ['==', ['get', 'id'], truckId] })[0];
    const coords = found?.geometry.type === 'Point' ? found.geometry.coordinates : null;
    return coords ? { lon: coords[0]!, lat: coords[1]! } : null;
  }

  /** The theme changed: repaint with its colours. */
  setColors(colors: MapColors): void {
    this._colors = colors;
    const map = this._map;
    if (!map.isStyleLoaded()) return;
    if (this._basemap === 'outlines') {
      map.setPaintProperty('fw-water', 'background-color', colors.water);
      map.setPaintProperty('fw-land', 'fill-color', colors.land);
      map.setPaintProperty('fw-coast', 'line-color', colors.border);
      map.setPaintProperty('fw-borders', 'line-color', colors.border);
    }
    this._styleTruckLayers();
    if (map.hasImage(ARROW_IMAGE)) map.updateImage(ARROW_IMAGE, arrowImage(colors.surface));
  }

  /** Removes the map and everything it holds (WebGL context, worker). */
  destroy(): void {
    if (this._frame !== null) cancelAnimationFrame(this._frame);
    if (this._wait !== null) clearTimeout(this._wait);
    if (this._styleTimer !== null) clearTimeout(this._styleTimer);
    this._popup?.remove();
    for (const m of this._clusterLabels.values()) m.remove();
    this._map.remove();
  }

  private _idsKey(): string {
    return this._trucks.map((t) => t.id).join('\n');
  }

  private _flush(): void {
    this._frame = null;
    this._flushedAt = performance.now();
    this._byId = new Map(this._trucks.map((t) => [t.id, t]));
    const source = this._map.getSource<GeoJSONSource>(SOURCE);
    if (!source) return; // The style is still loading: _onStyleLoad adds the source with the latest trucks.
    const cluster = this._trucks.length >= CLUSTER_FROM_TRUCKS;
    if (cluster !== this._clustered) {
      this._clustered = cluster;
      void source.setClusterOptions({ cluster, clusterRadius: CLUSTER_RADIUS_PX, clusterMaxZoom: CLUSTER_MAX_ZOOM });
    }
    source.setData(this._collection());
    this._autoFit();
  }

  private _autoFit(): void {
    if (this._trucks.length === 0) return;
    if (!this._fitted) {
      this.fitTrucks(false);
      return;
    }
    // A new set of trucks (the filter changed, a truck joined) is fitted unless the operator has moved the map.
    if (!this._userMoved && this._idsKey() !== this._fittedIds) this.fitTrucks(true);
  }

  private _collection(): FeatureCollection<Point> {
    return { type: 'FeatureCollection', features: this._trucks.map(toFeature) };
  }

  private _onStyleLoad(): void {
    if (this._styleTimer !== null) clearTimeout(this._styleTimer);
    this._styleTimer = null;
    const map = this._map;
    this._byId = new Map(this._trucks.map((t) => [t.id, t]));
    this._clustered = this._trucks.length >= CLUSTER_FROM_TRUCKS;
    if (!map.hasImage(ARROW_IMAGE)) map.addImage(ARROW_IMAGE, arrowImage(this._colors.surface), { pixelRatio: ICON_PIXEL_RATIO });
    map.addSource(SOURCE, {
      type: 'geojson',
      data: this._collection(),
      promoteId: 'id',
      cluster: this._clustered,
      clusterRadius: CLUSTER_RADIUS_PX,
      clusterMaxZoom: CLUSTER_MAX_ZOOM,
      clusterProperties: { alerts: ['+', ['case', ['!=', ['get', 'alert'], ''], 1, 0]] },
    });
    const single: ExpressionSpecification = ['!', ['has', 'point_count']];
    map.addLayer({ id: LAYERS.clusters, type: 'circle', source: SOURCE, filter: ['has', 'point_count'] });
    map.addLayer({ id: LAYERS.alertRing, type: 'circle', source: SOURCE, filter: ['all', single, ['!=', ['get', 'alert'], '']] });
    map.addLayer({ id: LAYERS.dot, type: 'circle', source: SOURCE, filter: single });
    map.addLayer({
      id: LAYERS.arrow,
      type: 'symbol',
      source: SOURCE,
      filter: single,
      layout: {
        'icon-image': ARROW_IMAGE,
        'icon-rotate': ['get', 'heading'],
        'icon-rotation-alignment': 'map',
        'icon-allow-overlap': true,
        'icon-ignore-placement': true,
      },
    });
    this._styleTruckLayers();
    if (this._highlighted) map.setFeatureState({ source: SOURCE, id: this._highlighted }, { selected: true });
    this._autoFit();
  }

  private _styleTruckLayers(): void {
    const map = this._map;
    const c = this._colors;
    if (!map.getLayer(LAYERS.dot)) return;
    const selected: ExpressionSpecification = ['boolean', ['feature-state', 'selected'], false];
    map.setPaintProperty(LAYERS.clusters, 'circle-color', c.accent);
    map.setPaintProperty(LAYERS.clusters, 'circle-radius', ['step', ['get', 'point_count'], 15, 10, 18, 50, 22]);
    map.setPaintProperty(LAYERS.clusters, 'circle-stroke-width', ['case', ['>', ['get', 'alerts'], 0], 3.5, 2]);
    map.setPaintProperty(LAYERS.clusters, 'circle-stroke-color', ['case', ['>', ['get', 'alerts'], 0], c.critical, c.surface]);
    map.setPaintProperty(LAYERS.alertRing, 'circle-radius', ['case', selected, 15, 12.5]);
    map.setPaintProperty(LAYERS.alertRing, 'circle-color', 'rgba(0,0,0,0)');
    map.setPaintProperty(LAYERS.alertRing, 'circle-stroke-width', 2.5);
    map.setPaintProperty(LAYERS.alertRing, 'circle-stroke-color', ['match', ['get', 'alert'], 'critical', c.critical, c.warning]);
    map.setPaintProperty(LAYERS.dot, 'circle-color', statusColor(c));
    map.setPaintProperty(LAYERS.dot, 'circle-radius', ['case', selected, 11, 8.5]);
    map.setPaintProperty(LAYERS.dot, 'circle-stroke-width', ['case', selected, 3, 1.5]);
    map.setPaintProperty(LAYERS.dot, 'circle-stroke-color', ['case', selected, c.accent, c.surface]);
  }

  private _onError(error: { message?: string } | undefined): void {
    const message = error?.message ?? 'unknown error';
    // MapLibre's own words when its worker script cannot be loaded: nothing will draw.
    if (/worker/i.test(message) && /load/i.test(message)) {
      this._callbacks.onFatal(new Error(message));
      return;
    }
    // The configured style (or one of its tiles) failed before the style loaded: draw the shipped outlines.
    if (this._basemap === 'style' && !this._map.isStyleLoaded()) {
      this._useOutlines(message);
      return;
    }
    // A tile of a configured style failing later (offline) leaves the trucks drawn; nothing to change.
    console.warn('fleetwire: map:', message);
  }

  private _useOutlines(reason: string): void {
    if (this._basemap === 'outlines') return;
    console.warn(`fleetwire: map style not used (${reason}); drawing the shipped country outlines`);
    if (this._styleTimer !== null) clearTimeout(this._styleTimer);
    this._styleTimer = null;
    this._basemap = 'outlines';
    this._map.setStyle(outlineStyle(this._colors), { diff: false });
    this._map.once('idle', () => this._callbacks.onBasemap('outlines'));
  }

  private _onTruckClick(e: MapLayerMouseEvent): void {
    const id = e.features?.[0]?.properties?.id as string | undefined;
    if (id) this._callbacks.onSelect(id);
  }

  private async _onClusterClick(e: MapLayerMouseEvent): Promise<void> {
    const f = e.features?.[0];
    const clusterId = f?.properties?.cluster_id as number | undefined;
    if (clusterId === undefined || f?.geometry.type !== 'Point') return;
    const zoom = await this._map.getSource<GeoJSONSource>(SOURCE)!.getClusterExpansionZoom(clusterId);
    this._map.easeTo({ center: f.geometry.coordinates as [number, number], zoom, duration: 400 });
  }

  private _onTruckHover(e: MapLayerMouseEvent): void {
    const f = e.features?.[0];
    const t = this._byId.get(f?.properties?.id as string);
    if (!t) return;
    this._map.getCanvas().style.cursor = 'pointer';
    const card = document.createElement('div');
    const name = document.createElement('strong');
    name.textContent = t.name;
    const more = document.createElement('div');
    more.textContent = `${STATUS_LABEL[t.status]}${t.alertCount ? ` · ${t.alertCount} ${t.alertCount === 1 ? 'alert' : 'alerts'}` : ''} · click for its panel`;
    card.append(name, more);
    this._popup ??= new Popup({ closeButton: false, closeOnClick: false, offset: 14, className: 'fw-popup', maxWidth: '260px' });
    this._popup.setLngLat([t.lon, t.lat]).setDOMContent(card);
    if (!this._popup.isOpen()) this._popup.addTo(this._map);
  }

  private _onTruckLeave(): void {
    this._map.getCanvas().style.cursor = '';
    this._popup?.remove();
  }

  /** Cluster counts as HTML labels over the cluster circles: the map has no fonts of its own to draw text with. */
  private _syncClusterLabels(): void {
    if (!this._clustered) {
      if (this._clusterLabels.size) {
        for (const m of this._clusterLabels.values()) m.remove();
        this._clusterLabels.clear();
      }
      return;
    }
    if (!this._map.getSource(SOURCE) || !this._map.isSourceLoaded(SOURCE)) return;
    const seen = new Set<number>();
    for (const f of this._map.querySourceFeatures(SOURCE, { filter: ['has', 'point_count'] })) {
      const id = f.properties?.cluster_id as number;
      if (seen.has(id) || f.geometry.type !== 'Point') continue;
      seen.add(id);
      const text = String(f.properties?.point_count_abbreviated ?? f.properties?.point_count ?? '');
      let marker = this._clusterLabels.get(id);
      if (!marker) {
        const el = document.createElement('div');
        el.className = 'fw-cluster-count';
        el.setAttribute('aria-hidden', 'true');
        marker = new Marker({ element: el }).setLngLat(f.geometry.coordinates as [number, number]).addTo(this._map);
        this._clusterLabels.set(id, marker);
      } else {
        marker.setLngLat(f.geometry.coordinates as [number, number]);
      }
      if (marker.getElement().textContent !== text) marker.getElement().textContent = text;
    }
    for (const [id, m] of this._clusterLabels) {
      if (!seen.has(id)) {
        m.remove();
        this._clusterLabels.delete(id);
      }
    }
  }
}
