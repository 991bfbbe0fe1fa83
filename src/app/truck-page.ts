/**
 * `<truck-page>`: one truck on its own, sized for a narrow window beside others: its panel, a
 * route map, speed and reefer charts over a chosen range of its history (the last hour, day or
 * week), the event log and the truck's alerts. The history comes from the server when it can
 * (stored by the hub for offline use), else from what this browser stored, and stays live from the
 * hub. The page is a chunk of its own, loaded on its route, so the dashboard never pays for its map
 * and charts; they are part of it (a few KB), so their room is laid out from the first render.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { FleetClientApi } from '../client/api';
import type { Alert, Cargo, Telemetry, Transfer } from '../shared/fleet';
import type { Prefs } from '../shared/protocol';
import { HISTORY_RANGES_MS, addSamples, firstAtOrAfter, mergeOrdered, type HistoryRange } from '../shared/samples';
import { AlertList } from './alert-list';
import './alert-toasts';
import { ClockController } from './clock-controller';
import { FleetController } from './fleet-controller';
import {
  ALERT_KIND_LABEL,
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
import './route-map';
import { baseStyles, pageStyles } from './shared-styles';
import './spark-chart';
import type { ChartPoint } from './spark-chart';
import { CHART_MAX_POINTS, thin } from './thin';
import './stream-indicator';
import './truck-panel';
import './units-switch';

/** Rows in the event log: the recent past; the charts show the rest. */
const LOG_ROWS = 40;
/**
 * The charts and the driven track span hours: redrawing them at most once a second shows every
 * trend, and spares a window beside many others the work of redrawing them on every event.
 */
const HISTORY_REDRAW_MS = 1000;
/** How often the count of history samples loaded so far is repainted, ms. */
const PROGRESS_MS = 250;
/** The range a truck window opens on: the contract's default, the last 24 hours. */
const DEFAULT_RANGE: HistoryRange = '24h';
/** The ranges offered, in words an operator reads at a glance. */
const RANGE_LABEL: Record<HistoryRange, { short: string; long: string }> = {
  '1h': { short: '1 h', long: 'the last hour' },
  '24h': { short: '24 h', long: 'the last 24 hours' },
  '7d': { short: '7 days', long: 'the last 7 days' },
};
const count = new Intl.NumberFormat();

/** Where the shown history came from. */
type HistorySource = 'none' | 'stored' | 'loading' | 'server' | 'failed';

function rangeFromUrl(): HistoryRange {
  const raw = new URLSearchParams(location.search).get('range');
  return raw && raw in HISTORY_RANGES_MS ? (raw as HistoryRange) : DEFAULT_RANGE;
}

/** The page of `/trucks/<id>`. */
export class TruckPage extends LitElement {
  static override properties = {
    client: { attribute: false },
    truckId: { type: String, attribute: 'truck-id' },
    _samples: { state: true },
    _range: { state: true },
    _source: { state: true },
    _historyError: { state: true },
  };

  declare client: FleetClientApi | null;
  declare truckId: string;
  /** The truck's telemetry in the shown range, oldest first, one sample per `ts`. */
  declare _samples: readonly Telemetry[];
  declare _range: HistoryRange;
  declare _source: HistorySource;
  /** Samples of the server's history received so far, while it loads (shown at most every PROGRESS_MS). */
  private _loaded = 0;
  private _progressTimer: ReturnType<typeof setTimeout> | null = null;
  declare _historyError: string | null;
  private readonly _fleet = new FleetController(this);
  private readonly _clock = new ClockController(this);
  private readonly _alerts = new AlertList(this, { truckId: () => this.truckId || null });
  /** `<truckId>|<range>` whose history is loaded or loading. */
  private _historyFor: string | null = null;
  private _historyAbort: AbortController | null = null;
  /** The samples the map track and the charts show, and when they were taken from `_samples`. */
  private _drawn: readonly Telemetry[] = [];
  private _drawnAt = 0;
  private _redrawTimer: ReturnType<typeof setTimeout> | null = null;
  /** The redraw timer fired: the next update draws. */
  private _redrawDue = false;
  /** Chart series of `_drawn` in the units they were made for: the same arrays until either changes. */
  private _series: { drawn: readonly Telemetry[]; prefs: Prefs; speed: ChartPoint[]; reefer: ChartPoint[] } | null = null;
  /** The one function every acknowledge button of the panel calls: the same object on every render. */
  private readonly _ack = (alertId: string) => this._alerts.ack(alertId);

  constructor() {
    super();
    this.client = null;
    this.truckId = '';
    this._samples = [];
    this._range = rangeFromUrl();
    this._source = 'none';
    this._historyError = null;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._historyAbort?.abort();
    this._historyAbort = null;
    this._historyFor = null;
    if (this._redrawTimer !== null) clearTimeout(this._redrawTimer);
    this._redrawTimer = null;
    if (this._progressTimer !== null) clearTimeout(this._progressTimer);
    this._progressTimer = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) {
      this._fleet.client = this.client;
      this._alerts.client = this.client;
    }
    const wanted = `${this.truckId}|${this._range}`;
    if (this._historyFor !== null && this._historyFor !== wanted) this._resetHistory();
    if (changed.has('client')) this._resetHistory();
    if (this._fleet.ready && this._historyFor !== wanted && this.truckId) this._loadHistory();
    this._mergeLive();
    this._takeDrawn();
  }

  /** Forgets the history shown: another truck, range or client. */
  private _resetHistory(): void {
    this._historyAbort?.abort();
    this._historyAbort = null;
    this._historyFor = null;
    this._samples = [];
    this._source = 'none';
    this._loaded = 0;
    this._historyError = null;
  }

  /**
   * Moves the samples on to the map track and charts when the last redraw is a second old, in a
   * task of its own: the update that merged a week of samples does not also thin and draw them.
   */
  private _takeDrawn(): void {
    if (this._drawn === this._samples) return;
    if (this._samples.length === 0) {
      // Emptied (another truck or range): at once.
      this._drawn = this._samples;
      return;
    }
    if (this._redrawDue) {
      this._redrawDue = false;
      this._drawn = this._samples;
      this._drawnAt = Date.now();
      return;
    }
    const wait = Math.max(0, this._drawnAt + HISTORY_REDRAW_MS - Date.now());
    this._redrawTimer ??= setTimeout(() => {
      this._redrawTimer = null;
      this._redrawDue = true;
      this.requestUpdate();
    }, wait);
  }

  protected override updated(): void {
    const name = this._fleet.trucks.get(this.truckId)?.name ?? this.truckId;
    const alerts = [...this._fleet.activeAlerts.values()].filter((a) => a.truckId === this.truckId).length;
    const title = `${alerts ? `(${alerts}) ` : ''}${name} · fleetwire`;
    // Assigning the same title still replaces the <title> text: a DOM change on every event.
    if (document.title !== title) document.title = title;
    // For support and acceptance tests: how many samples the page holds for the shown range, how
    // many of them the charts and track draw (they catch up at most once a second), and where they
    // came from.
    const samples = String(this._samples.length);
    if (this.dataset.historySamples !== samples) this.dataset.historySamples = samples;
    const drawn = String(this._drawn.length);
    if (this.dataset.historyDrawn !== drawn) this.dataset.historyDrawn = drawn;
    if (this.dataset.historySource !== this._source) this.dataset.historySource = this._source;
    if (this.dataset.historyRange !== this._range) this.dataset.historyRange = this._range;
  }

  /**
   * What this browser stored first (shown at once, and all there is offline), then the server's
   * history of the range, merged with what arrived live meanwhile. Every step works in pages of a
   * few thousand samples (src/client/history.ts), so the page stays responsive over a week of data.
   */
  private async _loadHistory(): Promise<void> {
    const truckId = this.truckId;
    const range = this._range;
    const key = `${truckId}|${range}`;
    this._historyFor = key;
    this._historyAbort?.abort();
    const abort = new AbortController();
    this._historyAbort = abort;
    const { signal } = abort;
    const until = Date.now();
    const since = until - HISTORY_RANGES_MS[range];
    const current = () => !signal.aborted && this._historyFor === key;
    this._source = 'loading';
    this._loaded = 0;
    this._historyError = null;
    let stored: readonly Telemetry[] = [];
    try {
      stored = await this._fleet.storedHistory(truckId, { since }, { signal });
      if (!current()) return;
      this._samples = this._inRange(mergeOrdered(stored, this._samples));
      if (stored.length) this._drawSoon();
    } catch (err) {
      if (!current()) return;
      // The server's history below does not need what is stored.
      console.error('fleetwire: could not read the stored history of', truckId, err);
    }
    try {
      const server = await this._fleet.serverHistory(truckId, { since, until }, { signal, stored, onProgress: (n) => this._onProgress(n) });
      if (!current()) return;
      // The server's rows first: they are the record where both hold a time.
      this._samples = this._inRange(mergeOrdered(server, this._samples));
      this._source = 'server';
      this._drawSoon();
    } catch (err) {
      if (!current()) return;
      this._source = this._samples.length ? 'stored' : 'failed';
      this._historyError = (err as Error).message;
    }
  }

  /** A loaded range is drawn in the next task, not up to a second later: the once-a-second pace is for live samples. */
  private _drawSoon(): void {
    if (this._redrawTimer !== null) clearTimeout(this._redrawTimer);
    this._redrawTimer = null;
    this._drawnAt = 0;
  }

  /**
   * Counts what arrived, and repaints the count at most every PROGRESS_MS: a week comes in 56 pages,
   * and repainting the whole page for each would cost more than reading them.
   */
  private _onProgress(loaded: number): void {
    this._loaded = loaded;
    this._progressTimer ??= setTimeout(() => {
      this._progressTimer = null;
      this.requestUpdate();
    }, PROGRESS_MS);
  }

  /** The part of a series inside the shown range (its start moves on with the clock). */
  private _inRange(list: readonly Telemetry[]): readonly Telemetry[] {
    const from = firstAtOrAfter(list, Date.now() - HISTORY_RANGES_MS[this._range]);
    return from === 0 ? list : list.slice(from);
  }

  /** Adds what arrived live since the last render; drops what the range's start has passed. */
  private _mergeLive(): void {
    const truck = this._fleet.trucks.get(this.truckId);
    if (!truck || this._historyFor === null) return;
    const next = this._inRange(addSamples(this._samples, truck.recent));
    if (next !== this._samples) this._samples = next;
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
              <truck-panel
                truck-id=${this.truckId}
                standalone
                .view=${view}
                .prefs=${prefs}
                .ack=${this._fleet.canAck ? this._ack : null}
              ></truck-panel>
              ${this._renderRange()} ${this._renderMap(truck.transfer)}
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
      <route-map
        .transfer=${transfer}
        .position=${truck?.last ?? null}
        .track=${this._drawn}
        label="Route map from ${transfer.origin.name} to ${transfer.destination.name}; the truck is ${pct}% along."
      ></route-map>
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
      <h2 id="charts-h">History · ${RANGE_LABEL[this._range].long}</h2>
      <spark-chart .points=${speed} unit=${speedUnit(prefs)} label="Speed" zero min-span="20"></spark-chart>
      ${reefer
        ? html`<spark-chart
            .points=${reefer}
            .band=${band}
            unit=${tempUnit(prefs)}
            digits="1"
            min-span="2"
            label="Reefer temperature"
          ></spark-chart>`
        : nothing}
    </section>`;
  }

  /**
   * Speed and reefer series of the drawn samples, thinned to what a chart draws (the extremes of
   * each unit kept) before anything is converted: a week is 120,000 samples, a chart 820 points.
   * New arrays only when the samples or the units changed.
   */
  private _chartSeries(prefs: Prefs): { speed: ChartPoint[]; reefer: ChartPoint[] } {
    const drawn = this._drawn;
    if (this._series?.drawn !== drawn || this._series.prefs !== prefs) {
      this._series = {
        drawn,
        prefs,
        speed: thin(drawn, CHART_MAX_POINTS, (s) => s.speedKph).map((s) => ({ t: s.ts, v: speedValue(s.speedKph, prefs) })),
        reefer: thin(drawn, CHART_MAX_POINTS, (s) => s.reeferTempC).map((s) => ({ t: s.ts, v: tempValue(s.reeferTempC as number, prefs) })),
      };
    }
    return this._series;
  }

  /** The range picker and where the history shown comes from, in a line. */
  private _renderRange() {
    const n = count.format(this._samples.length);
    const label = RANGE_LABEL[this._range].long;
    let status;
    switch (this._source) {
      case 'loading':
        status = html`<span class="muted">Loading ${label} from the server…${this._loaded ? ` ${count.format(this._loaded)} samples` : ''}</span>`;
        break;
      case 'server':
        status = html`<span><strong class="num">${n}</strong> samples</span>`;
        break;
      case 'stored':
        status = html`<span class="warn-text" title=${this._historyError ?? ''}
          ><strong class="num">${n}</strong> samples stored in this browser (server not reachable)</span
        >`;
        break;
      case 'failed':
        status = html`<span class="warn-text" title=${this._historyError ?? ''}
          >No history: ${this._historyError ?? 'the server cannot be reached'}, and none is stored here.</span
        >`;
        break;
      default:
        status = nothing;
    }
    return html`<div class="range-bar">
      <fieldset class="range">
        <legend>History</legend>
        ${(Object.keys(RANGE_LABEL) as HistoryRange[]).map(
          (r) => html`<label title="Show ${RANGE_LABEL[r].long}"
            ><input type="radio" name="range" value=${r} .checked=${this._range === r} @change=${this._onRange} /><span
              >${RANGE_LABEL[r].short}</span
            ></label
          >`,
        )}
      </fieldset>
      <span class="range-status num" role="status">${status}</span>
    </div>`;
  }

  private _onRange(e: Event): void {
    const range = (e.target as HTMLInputElement).value as HistoryRange;
    if (range === this._range) return;
    this._range = range;
    // Kept in the address: a reload (offline too) shows the same range.
    const url = new URL(location.href);
    if (range === DEFAULT_RANGE) url.searchParams.delete('range');
    else url.searchParams.set('range', range);
    if (url.href !== location.href) history.replaceState(history.state, '', url);
  }

  private _renderAlerts() {
    const alerts = this._alerts.alerts;
    const acks = this._alerts.acknowledger;
    const canAck = this._fleet.canAck;
    return html`<section aria-labelledby="alerts-h">
      <h2 id="alerts-h">Alerts</h2>
      ${this._alerts.source === 'stored'
        ? html`<p class="muted small">Offline: the active alerts this browser stored; earlier ones show once the server can be reached.</p>`
        : nothing}
      <!-- A fixed height, rows scrolling inside: alerts coming and going never move the log below. -->
      <div class="alert-box" tabindex="0" role="region" aria-label="Alerts of this truck, newest first (scrollable)">
        ${alerts.length === 0
          ? html`<p class="muted">${this._alerts.source === 'loading' ? 'Loading alerts…' : 'No alerts for this truck.'}</p>`
          : html`<ul class="alert-log">
              ${repeat(
                alerts,
                (a) => a.id,
                (a) => this._renderAlert(a, canAck && !acks.pending.has(a.id), acks.pending.has(a.id), acks.errors.get(a.id)),
              )}
            </ul>`}
      </div>
    </section>`;
  }

  private _renderAlert(a: Alert, canAck: boolean, pending: boolean, error: string | undefined) {
    const now = this._clock.now;
    const cleared = a.state === 'cleared';
    return html`<li data-alert-id=${a.id} data-acked-by=${a.ackedBy ?? nothing}>
      <span class="chip plain ${cleared ? 'tone-info' : a.severity === 'critical' ? 'tone-bad' : 'tone-warn'}"
        >${cleared ? 'Cleared' : a.severity === 'critical' ? 'Critical' : 'Warning'}</span
      >
      <span class="msg"><strong>${ALERT_KIND_LABEL[a.kind] ?? a.kind}</strong> ${a.message}</span>
      <span class="muted num" title=${formatFull(a.startedAt)}
        >${formatClock(a.startedAt, now)}${a.clearedAt ? `–${formatClock(a.clearedAt, now)}` : ''}</span
      >
      ${a.ackedBy
        ? html`<span class="acked" title=${a.ackedAt ? formatFull(a.ackedAt) : ''}
            >acknowledged by <strong>${a.ackedBy}</strong>${a.ackedAt ? html` <span class="muted num">${formatClock(a.ackedAt, now)}</span>` : nothing}</span
          >`
        : !cleared && (canAck || pending)
          ? html`<button type="button" class="primary ack" ?disabled=${pending} @click=${() => void this._alerts.ack(a.id)}>
              ${pending ? 'Acknowledging…' : 'Acknowledge'}
            </button>`
          : nothing}
      ${error ? html`<span class="error" role="alert">${error}</span>` : nothing}
    </li>`;
  }

  private _renderLog(prefs: Prefs, reefer: boolean) {
    const rows = this._samples.slice(-LOG_ROWS).reverse();
    const now = this._clock.now;
    return html`<section aria-labelledby="log-h">
      <h2 id="log-h">Event log</h2>
      <!-- Its full height from the start: the history arriving fills it instead of growing the page. -->
      <div class="log-wrap" tabindex="0" role="region" aria-label="Event log, newest first (scrollable)">
        ${rows.length === 0
          ? html`<p class="muted">No telemetry stored for this truck yet.</p>`
          : html`<table>
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
            </table>`}
      </div>
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
      .alert-log .ack {
        padding: 2px 10px;
        font-size: 12px;
      }
      .alert-log .acked strong {
        font-weight: 600;
      }
      .alert-log .error {
        flex-basis: 100%;
        color: var(--fw-bad);
        font-size: 12px;
      }
      .small {
        font-size: 12px;
      }
      .range-bar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px 12px;
        font-size: 13px;
        /* One line reserved: the status text changing never moves the sections below. */
        min-height: 30px;
      }
      /* One line whatever it says: its basis, not its text, decides whether it shares the picker's
         line (a window's width) or has its own (a phone), so the loading text and the count that
         follows it take the same room. */
      .range-status {
        flex: 1 1 14em;
        min-width: 0;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .range {
        display: inline-flex;
        align-items: center;
        margin: 0;
        padding: 0;
        border: 0;
      }
      .range legend {
        float: left;
        margin-right: 8px;
        font-size: 13px;
        font-weight: 650;
        text-transform: uppercase;
        letter-spacing: 0.05em;
        color: var(--fw-muted);
      }
      .range label {
        position: relative;
        display: inline-flex;
      }
      .range input {
        position: absolute;
        opacity: 0;
        inset: 0;
        margin: 0;
        cursor: pointer;
      }
      .range span {
        padding: 4px 12px;
        border: 1px solid var(--fw-border);
        margin-left: -1px;
        background: var(--fw-surface);
        font-weight: 600;
      }
      .range label:first-of-type span {
        border-radius: 6px 0 0 6px;
        margin-left: 0;
      }
      .range label:last-of-type span {
        border-radius: 0 6px 6px 0;
      }
      .range input:checked + span {
        background: var(--fw-accent);
        border-color: var(--fw-accent);
        color: var(--fw-accent-text);
      }
      .range input:focus-visible + span {
        outline: 2px solid var(--fw-focus);
        outline-offset: 2px;
      }
      .warn-text {
        color: var(--fw-warn);
      }
      .log-wrap {
        height: 320px;
        overflow: auto;
      }
      .alert-box {
        height: 124px;
        overflow-y: auto;
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

customElements.define('truck-page', TruckPage);

declare global {
  interface HTMLElementTagNameMap {
    'truck-page': TruckPage;
  }
}
