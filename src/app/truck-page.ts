/**
 * `<truck-page>`: one truck on its own, sized for a narrow window beside others: its panel, a
 * route map, speed and reefer charts over the stored history, the event log and alert history.
 * The map and charts load on demand, so the dashboard never pays for them.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { FleetClientApi } from '../client/api';
import type { Alert, Cargo, Telemetry, Transfer } from '../shared/fleet';
import type { Prefs } from '../shared/protocol';
import './alert-toasts';
import { ClockController } from './clock-controller';
import { FleetController } from './fleet-controller';
import {
  formatClock,
  formatClockSeconds,
  formatFull,
  formatRelative,
  formatSpeed,
  formatTemp,
  speedUnit,
  speedValue,
  tempUnit,
  tempValue,
} from './format';
import { baseStyles, pageStyles } from './shared-styles';
import type { ChartPoint } from './spark-chart';
import './stream-indicator';
import './truck-panel';
import './units-switch';

/** Samples kept for the charts: about a shift at the demo fleet's pace, bounded for memory. */
const MAX_SAMPLES = 5000;
/** Rows in the event log: the recent past; the charts show the rest. */
const LOG_ROWS = 40;
/**
 * The charts and the driven track span hours: redrawing them at most once a second shows every
 * trend, and spares a window beside many others the work of redrawing them on every event.
 */
const HISTORY_REDRAW_MS = 1000;

/** The page of `/trucks/<id>`. */
export class TruckPage extends LitElement {
  static override properties = {
    client: { attribute: false },
    truckId: { type: String, attribute: 'truck-id' },
    _samples: { state: true },
    _historyError: { state: true },
    _extrasLoaded: { state: true },
  };

  declare client: FleetClientApi | null;
  declare truckId: string;
  declare _samples: Telemetry[];
  declare _historyError: string | null;
  declare _extrasLoaded: boolean;
  private readonly _fleet = new FleetController(this, { onAlert: (a) => this._onAlert(a) });
  private readonly _clock = new ClockController(this);
  /** Alerts of this truck seen while the page is open, newest first, by id. */
  private readonly _alertLog = new Map<string, Alert>();
  private _historyFor: string | null = null;
  private _historyAbort: AbortController | null = null;
  /** The samples the map track and the charts show, and when they were taken from `_samples`. */
  private _drawn: Telemetry[] = [];
  private _drawnAt = 0;
  private _redrawTimer: ReturnType<typeof setTimeout> | null = null;
  /** Chart series of `_drawn` in the units they were made for: the same arrays until either changes. */
  private _series: { drawn: Telemetry[]; prefs: Prefs; speed: ChartPoint[]; reefer: ChartPoint[] } | null = null;

  constructor() {
    super();
    this.client = null;
    this.truckId = '';
    this._samples = [];
    this._historyError = null;
    this._extrasLoaded = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The map and charts: a separate chunk, fetched when a truck page opens.
    void Promise.all([import('./route-map'), import('./spark-chart')]).then(
      () => (this._extrasLoaded = true),
      (err: unknown) => console.error('fleetwire: could not load the map and charts', err),
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._historyAbort?.abort();
    this._historyAbort = null;
    this._historyFor = null;
    if (this._redrawTimer !== null) clearTimeout(this._redrawTimer);
    this._redrawTimer = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this._fleet.client = this.client;
    if (changed.has('truckId') || changed.has('client')) {
      this._samples = [];
      this._alertLog.clear();
      this._historyFor = null;
      this._historyAbort?.abort();
    }
    if (this._fleet.ready && this._historyFor !== this.truckId && this.truckId) this._loadHistory();
    this._mergeLive();
    this._takeDrawn();
  }

  /** Moves the samples on to the map track and charts when the last redraw is a second old. */
  private _takeDrawn(): void {
    if (this._drawn === this._samples) return;
    const wait = this._drawnAt + HISTORY_REDRAW_MS - Date.now();
    // Emptied (another truck) or first filled: draw at once; otherwise at most once per interval.
    if (wait <= 0 || this._drawn.length === 0 || this._samples.length === 0) {
      this._drawn = this._samples;
      this._drawnAt = Date.now();
      return;
    }
    this._redrawTimer ??= setTimeout(() => {
      this._redrawTimer = null;
      this.requestUpdate();
    }, wait);
  }

  protected override updated(): void {
    const name = this._fleet.trucks.get(this.truckId)?.name ?? this.truckId;
    const alerts = [...this._fleet.activeAlerts.values()].filter((a) => a.truckId === this.truckId).length;
    const title = `${alerts ? `(${alerts}) ` : ''}${name} · fleetwire`;
    // Assigning the same title still replaces the <title> text: a DOM change on every event.
    if (document.title !== title) document.title = title;
  }

  private _loadHistory(): void {
    const truckId = this.truckId;
    this._historyFor = truckId;
    this._historyAbort = new AbortController();
    this._fleet.history(truckId, { signal: this._historyAbort.signal }).then(
      (samples) => {
        if (this.truckId !== truckId) return;
        this._samples = merge(samples, this._samples);
        this._historyError = null;
      },
      (err: unknown) => {
        if ((err as Error).name === 'AbortError') return;
        this._historyError = `History is not available: ${(err as Error).message}`;
      },
    );
  }

  /** Appends what arrived live since the last render. */
  private _mergeLive(): void {
    const truck = this._fleet.trucks.get(this.truckId);
    if (!truck) return;
    const lastTs = this._samples[this._samples.length - 1]?.ts ?? -Infinity;
    const fresh = truck.recent.filter((s) => s.ts > lastTs).sort((x, y) => x.ts - y.ts);
    // Newer than everything held: appending keeps the order without re-sorting the history.
    if (fresh.length) this._samples = [...this._samples, ...fresh].slice(-MAX_SAMPLES);
    for (const a of truck.alerts) if (!this._alertLog.has(a.id)) this._alertLog.set(a.id, a);
    for (const a of this._fleet.activeAlerts.values()) {
      if (a.truckId === this.truckId && !this._alertLog.has(a.id)) this._alertLog.set(a.id, a);
    }
  }

  private _onAlert(alert: Alert): void {
    if (alert.truckId !== this.truckId) return;
    const known = this._alertLog.get(alert.id);
    // Keep the start time of the occurrence; take the clear from the newer event.
    this._alertLog.set(alert.id, known ? { ...known, ...alert, startedAt: known.startedAt } : alert);
  }

  protected override render() {
    const truck = this._fleet.trucks.get(this.truckId);
    const view = this._fleet.view(this.truckId, this._clock.tick);
    const prefs = this._fleet.prefs;
    return html`
      <header class="top">
        <a href="/" class="back">← Fleet</a>
        <stream-indicator .status=${this._fleet.status} .now=${this._clock.now}></stream-indicator>
        <span class="spacer"></span>
        <units-switch .prefs=${prefs} @prefs-change=${this._onPrefs}></units-switch>
      </header>
      <main>
        ${!truck
          ? this._fleet.ready
            ? html`<p class="notice" role="alert">
                Truck “${this.truckId}” is not in your fleet. <a href="/">Back to the fleet</a>
              </p>`
            : html`<p class="muted">Loading ${this.truckId}…</p>`
          : html`
              <h1 class="visually-hidden">${truck.name}</h1>
              <truck-panel truck-id=${this.truckId} standalone .view=${view} .prefs=${prefs}></truck-panel>
              ${this._renderMap(truck.transfer)}
              ${this._renderCharts(prefs, truck.transfer?.cargo)}
              ${this._renderAlerts()} ${this._renderLog(prefs, truck.transfer?.cargo.kind === 'reefer')}
            `}
      </main>
      <alert-toasts .client=${this.client}></alert-toasts>
    `;
  }

  private _renderMap(transfer: Transfer | null) {
    if (!transfer) return nothing;
    const truck = this._fleet.trucks.get(this.truckId);
    const pct = Math.round((this._fleet.view(this.truckId, this._clock.tick)?.transfer?.fraction ?? 0) * 100);
    return html`<section aria-labelledby="map-h">
      <h2 id="map-h">Route</h2>
      ${this._extrasLoaded
        ? html`<route-map
            .transfer=${transfer}
            .position=${truck?.last ?? null}
            .track=${this._drawn}
            label="Route map from ${transfer.origin.name} to ${transfer.destination.name}; the truck is ${pct}% along."
          ></route-map>`
        : html`<p class="muted">Loading the map…</p>`}
    </section>`;
  }

  private _renderCharts(prefs: Prefs, cargo: Cargo | undefined) {
    const { speed, reefer: reeferPoints } = this._chartSeries(prefs);
    const reefer = cargo?.kind === 'reefer' ? reeferPoints : null;
    const band =
      cargo?.kind === 'reefer'
        ? { lo: tempValue(cargo.setpointC - cargo.toleranceC, prefs), hi: tempValue(cargo.setpointC + cargo.toleranceC, prefs) }
        : null;
    return html`<section aria-labelledby="charts-h">
      <h2 id="charts-h">History</h2>
      ${this._historyError ? html`<p class="notice">${this._historyError}</p>` : nothing}
      ${this._extrasLoaded
        ? html`<spark-chart .points=${speed} unit=${speedUnit(prefs)} label="Speed" zero min-span="20"></spark-chart>
            ${reefer
              ? html`<spark-chart
                  .points=${reefer}
                  .band=${band}
                  unit=${tempUnit(prefs)}
                  digits="1"
                  min-span="2"
                  label="Reefer temperature"
                ></spark-chart>`
              : nothing}`
        : html`<p class="muted">Loading the charts…</p>`}
    </section>`;
  }

  /** Speed and reefer series of the drawn samples: new arrays only when the samples or units changed. */
  private _chartSeries(prefs: Prefs): { speed: ChartPoint[]; reefer: ChartPoint[] } {
    const drawn = this._drawn;
    if (this._series?.drawn !== drawn || this._series.prefs !== prefs) {
      this._series = {
        drawn,
        prefs,
        speed: drawn.map((s) => ({ t: s.ts, v: speedValue(s.speedKph, prefs) })),
        reefer: drawn
          .filter((s) => typeof s.reeferTempC === 'number')
          .map((s) => ({ t: s.ts, v: tempValue(s.reeferTempC as number, prefs) })),
      };
    }
    return this._series;
  }

  private _renderAlerts() {
    const alerts = [...this._alertLog.values()].sort((a, b) => b.startedAt - a.startedAt);
    return html`<section aria-labelledby="alerts-h">
      <h2 id="alerts-h">Alerts</h2>
      ${alerts.length === 0
        ? html`<p class="muted">No alerts since this window opened.</p>`
        : html`<ul class="alert-log">
            ${alerts.map(
              (a) => html`<li>
                <span class="chip plain ${a.state === 'cleared' ? 'tone-info' : a.severity === 'critical' ? 'tone-bad' : 'tone-warn'}"
                  >${a.state === 'cleared' ? 'Cleared' : a.severity === 'critical' ? 'Critical' : 'Warning'}</span
                >
                <span class="msg">${a.message}</span>
                <span class="muted num" title=${formatFull(a.startedAt)}
                  >${formatClock(a.startedAt)}${a.clearedAt ? `–${formatClock(a.clearedAt)}` : ''}${this._fleet.isAcked(a.id)
                    ? ' · acknowledged'
                    : ''}</span
                >
              </li>`,
            )}
          </ul>`}
    </section>`;
  }

  private _renderLog(prefs: Prefs, reefer: boolean) {
    const rows = this._samples.slice(-LOG_ROWS).reverse();
    const now = this._clock.now;
    return html`<section aria-labelledby="log-h">
      <h2 id="log-h">Event log</h2>
      ${rows.length === 0
        ? html`<p class="muted">No telemetry stored for this truck yet.</p>`
        : html`<div class="log-wrap" tabindex="0" role="region" aria-label="Event log, newest first (scrollable)">
            <table>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Speed</th>
                  ${reefer ? html`<th scope="col">Reefer</th>` : nothing}
                  <th scope="col">Fuel</th>
                  <th scope="col">Position</th>
                </tr>
              </thead>
              <tbody>
                ${repeat(
                  rows,
                  (s) => s.ts,
                  (s) => html`<tr>
                    <td class="num" title=${formatRelative(s.ts, Math.max(now, s.ts))}>${formatClockSeconds(s.ts)}</td>
                    <td class="num">${formatSpeed(s.speedKph, prefs)}</td>
                    ${reefer ? html`<td class="num">${s.reeferTempC !== undefined ? formatTemp(s.reeferTempC, prefs) : '—'}</td>` : nothing}
                    <td class="num">${s.fuelPct !== undefined ? `${Math.round(s.fuelPct)}%` : '—'}</td>
                    <td class="num">${s.lat.toFixed(3)}, ${s.lon.toFixed(3)}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`}
    </section>`;
  }

  private _onPrefs(e: CustomEvent<Prefs>): void {
    this._fleet.setPrefs(e.detail);
  }

  static override styles = [
    baseStyles,
    pageStyles,
    css`
      /* A narrow window: a tighter header. */
      .top {
        gap: 6px 12px;
        padding: 6px 12px;
      }
      .back {
        font-weight: 600;
        text-decoration: none;
      }
      .spacer {
        flex: 1 1 auto;
      }
      main {
        max-width: 760px;
        margin: 0 auto;
        padding: 10px 12px 96px;
        display: flex;
        flex-direction: column;
        gap: 12px;
      }
      section {
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: var(--fw-radius);
        padding: 10px 12px;
        display: flex;
        flex-direction: column;
        gap: 8px;
        /* An event lays out and paints the sections it changed, not the page around them. */
        contain: content;
      }
      h2 {
        margin: 0;
        font-size: 13px;
        font-weight: 650;
        text-transform: uppercase;
        letter-spacing: 0.05em;
        color: var(--fw-muted);
      }
      .notice {
        padding: 8px 10px;
        background: var(--fw-warn-bg);
        border-radius: 6px;
        margin: 0;
      }
      .alert-log {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 6px;
        font-size: 13px;
      }
      .alert-log li {
        display: flex;
        flex-wrap: wrap;
        gap: 2px 8px;
        align-items: center;
      }
      .alert-log .msg {
        flex: 1 1 160px;
      }
      .log-wrap {
        max-height: 320px;
        overflow: auto;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 12.5px;
        /* Columns sized once from the header: a new row does not re-measure every cell. */
        table-layout: fixed;
      }
      /* Room for a 12-hour time with seconds ("01:39:51 PM") and a position. */
      th:first-child {
        width: 8.5em;
      }
      th:last-child {
        width: 34%;
      }
      th {
        position: sticky;
        top: 0;
        background: var(--fw-surface);
        text-align: left;
        font-weight: 600;
        color: var(--fw-muted);
        border-bottom: 1px solid var(--fw-border);
        padding: 3px 6px 3px 0;
      }
      td {
        padding: 2px 6px 2px 0;
        border-bottom: 1px solid var(--fw-border);
        white-space: nowrap;
      }
      p {
        margin: 0;
      }
    `,
  ];
}

/** Merges two time-ordered sample lists, dropping duplicates by timestamp, keeping the newest MAX_SAMPLES. */
function merge(a: Telemetry[], b: Telemetry[]): Telemetry[] {
  const byTs = new Map<number, Telemetry>();
  for (const s of a) byTs.set(s.ts, s);
  for (const s of b) byTs.set(s.ts, s);
  return [...byTs.values()].sort((x, y) => x.ts - y.ts).slice(-MAX_SAMPLES);
}

customElements.define('truck-page', TruckPage);

declare global {
  interface HTMLElementTagNameMap {
    'truck-page': TruckPage;
  }
}
