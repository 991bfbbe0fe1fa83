/**
 * `<spark-chart>`: a small hand-made SVG line chart of one measurement over time, with its
 * range, the latest value and an optional target band (a reefer's setpoint ± tolerance).
 */
import { LitElement, css, html, svg, nothing } from 'lit';
import { formatClock } from './format';
import { baseStyles } from './shared-styles';
import { CHART_MAX_POINTS, thin } from './thin';

/** One sample: epoch ms and value, already in display units. */
export interface ChartPoint {
  t: number;
  v: number;
}

const WIDTH = 460;
const HEIGHT = 110;
const LEFT = 40;
const RIGHT = 8;
const TOP = 8;
const BOTTOM = 20;

/** A sparkline chart. */
export class SparkChart extends LitElement {
  static override properties = {
    points: { attribute: false },
    band: { attribute: false },
    unit: { type: String },
    label: { type: String },
    digits: { type: Number },
    zero: { type: Boolean },
    minSpan: { type: Number, attribute: 'min-span' },
  };

  declare points: ChartPoint[];
  /** Target band, in display units. */
  declare band: { lo: number; hi: number } | null;
  declare unit: string;
  declare label: string;
  declare digits: number;
  /** Start the scale at zero (speeds), so that small changes do not look dramatic. */
  declare zero: boolean;
  /** Smallest range the scale shows, in display units, for the same reason. */
  declare minSpan: number;

  constructor() {
    super();
    this.points = [];
    this.band = null;
    this.unit = '';
    this.label = '';
    this.digits = 0;
    this.zero = false;
    this.minSpan = 0;
  }

  protected override render() {
    const pts = thin(this.points, CHART_MAX_POINTS, (p) => p.v);
    const last = pts[pts.length - 1];
    if (!last || pts.length < 2) {
      // The chart's own frame, empty: the page does not move when the first samples arrive.
      return html`<figure>
        <figcaption>
          <span class="title">${this.label}</span>
          <span class="now num">—</span>
        </figcaption>
        <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${this.label}: not enough data yet.">
          <line class="axis" x1=${LEFT} x2=${WIDTH - RIGHT} y1=${HEIGHT - BOTTOM} y2=${HEIGHT - BOTTOM}></line>
          <text class="tick" x=${WIDTH / 2} y=${(HEIGHT - BOTTOM) / 2 + 4} text-anchor="middle">Not enough data yet</text>
        </svg>
      </figure>`;
    }
    const first = pts[0] as ChartPoint;
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of pts) {
      lo = Math.min(lo, p.v);
      hi = Math.max(hi, p.v);
    }
    const dataLo = lo;
    const dataHi = hi;
    if (this.band) {
      lo = Math.min(lo, this.band.lo);
      hi = Math.max(hi, this.band.hi);
    }
    if (this.zero) {
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 0);
    }
    const span = Math.max(this.minSpan, 1e-9);
    if (hi - lo < span) {
      const mid = (hi + lo) / 2;
      lo = this.zero && lo >= 0 ? Math.max(0, mid - span / 2) : mid - span / 2;
      hi = lo + span;
    }
    const t0 = first.t;
    const t1 = Math.max(last.t, t0 + 1);
    const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * (WIDTH - LEFT - RIGHT);
    const y = (v: number) => TOP + (1 - (v - lo) / (hi - lo)) * (HEIGHT - TOP - BOTTOM);
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    const f = (v: number) => v.toFixed(this.digits);
    const summary = `${this.label}, ${formatClock(t0)} to ${formatClock(t1)}: now ${f(last.v)} ${this.unit}, lowest ${f(dataLo)}, highest ${f(dataHi)}${
      this.band ? `, target ${f(this.band.lo)} to ${f(this.band.hi)} ${this.unit}` : ''
    }.`;
    return html`<figure>
      <figcaption>
        <span class="title">${this.label}</span>
        <span class="now num">${f(last.v)} ${this.unit}</span>
      </figcaption>
      <svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label=${summary}>
        ${this.band
          ? svg`<rect class="band" x=${LEFT} width=${WIDTH - LEFT - RIGHT} y=${y(this.band.hi)}
              height=${Math.max(1, y(this.band.lo) - y(this.band.hi))}></rect>`
          : nothing}
        <line class="axis" x1=${LEFT} x2=${WIDTH - RIGHT} y1=${HEIGHT - BOTTOM} y2=${HEIGHT - BOTTOM}></line>
        <text class="tick" x=${LEFT - 4} y=${y(hi) + 4} text-anchor="end">${f(hi)}</text>
        <text class="tick" x=${LEFT - 4} y=${y(lo)} text-anchor="end">${f(lo)}</text>
        <text class="tick" x=${LEFT} y=${HEIGHT - 5} text-anchor="start">${formatClock(t0)}</text>
        <text class="tick" x=${WIDTH - RIGHT} y=${HEIGHT - 5} text-anchor="end">${formatClock(t1)}</text>
        <path class="line" d=${d}></path>
        <circle class="dot" cx=${x(last.t)} cy=${y(last.v)} r="3"></circle>
      </svg>
    </figure>`;
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      figure {
        margin: 0;
      }
      figcaption {
        display: flex;
        justify-content: space-between;
        font-size: 13px;
        margin-bottom: 2px;
      }
      .title {
        color: var(--fw-muted);
      }
      .now {
        font-weight: 650;
      }
      svg {
        display: block;
        width: 100%;
        height: auto;
      }
      .band {
        fill: var(--fw-ok-bg);
      }
      .axis {
        stroke: var(--fw-border);
      }
      .line {
        fill: none;
        stroke: var(--fw-accent);
        stroke-width: 1.75;
        stroke-linejoin: round;
      }
      .dot {
        fill: var(--fw-accent);
      }
      .tick {
        font: 11px var(--fw-font);
        fill: var(--fw-muted);
        font-variant-numeric: tabular-nums;
      }
    `,
  ];
}

customElements.define('spark-chart', SparkChart);

declare global {
  interface HTMLElementTagNameMap {
    'spark-chart': SparkChart;
  }
}
