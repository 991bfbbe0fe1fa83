/**
 * `<route-map>`: a transfer's planned road, the track driven and the truck's position, drawn as
 * SVG from coordinates alone, so it works offline without map tiles.
 */
import { LitElement, css, html, svg, nothing } from 'lit';
import type { LatLon, Telemetry, Transfer } from '../shared/fleet';
import { baseStyles } from './shared-styles';
import { thinEvenly } from './thin';

/** Drawing width in SVG units; the element scales it to its width. */
const WIDTH = 460;
/**
 * Height follows the planned route's shape within these bounds, so a flat route leaves no empty
 * band. The route alone decides it: the track and the position only move inside, so the map never
 * changes size (and moves the page) as they arrive.
 */
const MIN_HEIGHT = 180;
const MAX_HEIGHT = 340;
const PAD = 28;

/** A route map of one transfer. */
export class RouteMap extends LitElement {
  static override properties = {
    transfer: { attribute: false },
    position: { attribute: false },
    track: { attribute: false },
    label: { type: String },
  };

  declare transfer: Transfer | null;
  declare position: Telemetry | null;
  /** Positions driven, oldest first. */
  declare track: readonly LatLon[];
  /** Accessible description of the map. */
  declare label: string;

  constructor() {
    super();
    this.transfer = null;
    this.position = null;
    this.track = [];
    this.label = 'Route map';
  }

  /** The projection and the paths of the last drawing: rebuilt only when the route or track changed. */
  private _drawing: Drawing | null = null;

  protected override render() {
    const t = this.transfer;
    if (!t) return html`<p class="muted">No transfer: no route to draw.</p>`;
    const route = t.waypoints.length > 1 ? t.waypoints : [t.origin, t.destination];
    let drawing = this._drawing;
    // The position moves on every event; it only re-projects the map when it leaves the drawing.
    if (drawing?.transfer !== t || drawing.track !== this.track || (this.position && !drawing.contains(this.position))) {
      drawing = this._drawing = draw(t, route, this.track, this.position);
    }
    const { project, height } = drawing;
    const [ox, oy] = project(t.origin);
    const [dx, dy] = project(t.destination);
    const pos = this.position ? project(this.position) : null;
    return html`<svg viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label=${this.label}>
      <rect class="bg" x="0" y="0" width=${WIDTH} height=${height} rx="6"></rect>
      <path class="route" d=${drawing.routePath}></path>
      ${drawing.trackPath ? svg`<path class="track" d=${drawing.trackPath}></path>` : nothing}
      <circle class="origin" cx=${ox} cy=${oy} r="5"></circle>
      <rect class="dest" x=${dx - 5} y=${dy - 5} width="10" height="10"></rect>
      ${label(ox, oy, t.origin.name)} ${label(dx, dy, t.destination.name)}
      ${pos && this.position
        ? svg`<g class="truck" transform="translate(${fmt(pos)}) rotate(${this.position.headingDeg})">
            <circle r="9"></circle>
            <path d="M0,-6 L4.5,4.5 L0,2 L-4.5,4.5 Z"></path>
          </g>`
        : nothing}
    </svg>`;
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      svg {
        display: block;
        width: 100%;
        height: auto;
      }
      .bg {
        fill: var(--fw-surface-2);
        stroke: var(--fw-border);
      }
      .route {
        fill: none;
        stroke: var(--fw-muted);
        stroke-width: 3;
        stroke-dasharray: 6 5;
        stroke-linecap: round;
        stroke-linejoin: round;
        opacity: 0.7;
      }
      .track {
        fill: none;
        stroke: var(--fw-accent);
        stroke-width: 4;
        stroke-linecap: round;
        stroke-linejoin: round;
      }
      .origin {
        fill: var(--fw-surface);
        stroke: var(--fw-text);
        stroke-width: 2;
      }
      .dest {
        fill: var(--fw-text);
      }
      .truck circle {
        fill: var(--fw-accent);
        stroke: var(--fw-surface);
        stroke-width: 2;
      }
      .truck path {
        fill: var(--fw-accent-text);
      }
      text {
        font: 600 12px var(--fw-font);
        fill: var(--fw-text);
        stroke: var(--fw-surface-2);
        stroke-width: 4px;
        paint-order: stroke;
        stroke-linejoin: round;
      }
    `,
  ];
}

/** One projection of a route and track, with their SVG paths. */
interface Drawing {
  transfer: Transfer;
  track: readonly LatLon[];
  project: (p: LatLon) => [number, number];
  height: number;
  routePath: string;
  trackPath: string | null;
  contains: (p: LatLon) => boolean;
}

/** Track points drawn at most: the map is a few hundred pixels wide. */
const MAX_TRACK_POINTS = 600;

function draw(transfer: Transfer, route: LatLon[], track: readonly LatLon[], position: LatLon | null): Drawing {
  const thinTrack = thinEvenly(track, MAX_TRACK_POINTS);
  const pts: LatLon[] = [...route, ...thinTrack];
  if (position) pts.push(position);
  const { project, height } = projection(pts, bounds(route).aspect);
  const path = (line: readonly LatLon[]) => line.map((p, i) => `${i ? 'L' : 'M'}${fmt(project(p))}`).join(' ');
  return {
    transfer,
    track,
    project,
    height,
    routePath: path(route),
    trackPath: thinTrack.length > 1 ? path(thinTrack) : null,
    contains: (p) => {
      const [x, y] = project(p);
      return x >= 0 && x <= WIDTH && y >= 0 && y <= height;
    },
  };
}

/** Place labels sit above their point, and inside the drawing near its edges. */
function label(x: number, y: number, text: string) {
  const anchor = x < WIDTH * 0.25 ? 'start' : x > WIDTH * 0.75 ? 'end' : 'middle';
  const ty = y < 24 ? y + 20 : y - 10;
  return svg`<text x=${x} y=${ty} text-anchor=${anchor}>${text}</text>`;
}

/** The box of some points: equirectangular, longitudes scaled by cos(mean latitude); `aspect` is height / width. */
function bounds(points: readonly LatLon[]): { minLat: number; minLon: number; k: number; spanX: number; spanY: number; aspect: number } {
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minLon = Infinity;
  let maxLon = -Infinity;
  for (const p of points) {
    minLat = Math.min(minLat, p.lat);
    maxLat = Math.max(maxLat, p.lat);
    minLon = Math.min(minLon, p.lon);
    maxLon = Math.max(maxLon, p.lon);
  }
  const k = Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * k, 1e-6);
  const spanY = Math.max(maxLat - minLat, 1e-6);
  return { minLat, minLon, k, spanX, spanY, aspect: spanY / spanX };
}

/** Fits the points into a drawing whose shape follows `aspect` (the route's, height / width). */
function projection(points: LatLon[], aspect: number): { project: (p: LatLon) => [number, number]; height: number } {
  const { minLat, minLon, k, spanX, spanY } = bounds(points);
  const height = Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, aspect * (WIDTH - 2 * PAD) + 2 * PAD)));
  const scale = Math.min((WIDTH - 2 * PAD) / spanX, (height - 2 * PAD) / spanY);
  const offX = (WIDTH - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  return {
    project: (p) => [offX + (p.lon - minLon) * k * scale, height - (offY + (p.lat - minLat) * scale)],
    height,
  };
}

function fmt([x, y]: [number, number]): string {
  return `${x.toFixed(1)},${y.toFixed(1)}`;
}

customElements.define('route-map', RouteMap);

declare global {
  interface HTMLElementTagNameMap {
    'route-map': RouteMap;
  }
}
