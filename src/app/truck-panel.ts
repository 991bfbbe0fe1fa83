/**
 * `<truck-panel truck-id>`: one truck at a glance. It renders a precomputed TruckView (see
 * truck-view.ts) and marks itself with `data-last-event`, the id of the newest event it painted.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { styleProps } from './style-props';
import type { Alert } from '../shared/fleet';
import { DEFAULT_PREFS, type Prefs } from '../shared/protocol';
import {
  formatClock,
  formatDistance,
  formatFull,
  formatMinutes,
  formatRelative,
  formatSpeed,
  formatTemp,
  formatTempDelta,
  tempDeltaValue,
  tempUnit,
  tempValue,
} from './format';
import { baseStyles } from './shared-styles';
import { STATUS_LABEL, type TruckView } from './truck-view';

/** Fuel below this share (%) is shown as a warning: time to plan a stop. */
const LOW_FUEL_PCT = 15;
/** Driving time below this (minutes) is shown as a warning: the driver must plan the rest stop. */
const LOW_HOS_MIN = 60;

/** Window features of a truck window: narrow, to sit beside others. */
const TRUCK_WINDOW_FEATURES = 'popup,width=480,height=900';

/** Truck windows this tab opened, by truck id, so a second click focuses instead of reloading. */
const openWindows = new Map<string, Window>();

/** Opens `/trucks/<id>` in its own named window, or focuses the one already open. */
export function openTruckWindow(truckId: string): void {
  const existing = openWindows.get(truckId);
  if (existing && !existing.closed) {
    existing.focus();
    return;
  }
  const handle = window.open(
    `/trucks/${encodeURIComponent(truckId)}`,
    `fleetwire-truck-${truckId}`,
    TRUCK_WINDOW_FEATURES,
  );
  if (handle) openWindows.set(truckId, handle);
}

const STATUS_TONE = { moving: 'tone-ok', idle: 'tone-warn', stopped: 'tone-info', stale: 'tone-stale' } as const;

const STATUS_HELP = {
  moving: 'Driving',
  idle: 'Standing with the engine on',
  stopped: 'Standing with the engine off',
  stale: 'No telemetry for a while: the values below are the last known',
} as const;

/** One truck's panel. */
export class TruckPanel extends LitElement {
  static override properties = {
    truckId: { type: String, attribute: 'truck-id', reflect: true },
    view: { attribute: false },
    prefs: { attribute: false },
    standalone: { type: Boolean, reflect: true },
    ack: { attribute: false },
    _acking: { state: true },
    _ackError: { state: true },
  };

  declare truckId: string;
  /** The truck to show; a new object whenever something on the panel changed. */
  declare view: TruckView | null;
  declare prefs: Prefs;
  /** On the truck's own page: no "open in new window". */
  declare standalone: boolean;
  /**
   * Acknowledges an alert for the tenant (rejects with the reason); null: no acknowledge button
   * (a viewer may not acknowledge).
   */
  declare ack: ((alertId: string) => Promise<unknown>) | null;
  declare _acking: string | null;
  declare _ackError: { alertId: string; message: string } | null;
  /** Not rendered yet on purpose (see hold). */
  private _held = false;

  constructor() {
    super();
    this.truckId = '';
    this.view = null;
    this.prefs = DEFAULT_PREFS;
    this.standalone = false;
    this.ack = null;
    this._acking = null;
    this._ackError = null;
  }

  /**
   * Holds back the panel's rendering: it keeps its latest properties and draws nothing (an empty
   * box of a panel's smallest height) until release(). The dashboard holds the first render of
   * panels far off screen, so a page load draws what is in view first.
   */
  hold(): void {
    this._held = true;
    this.toggleAttribute('held', true);
  }

  /** Renders a held panel now, synchronously (its DOM and `data-last-event` are current on return). */
  release(): void {
    if (!this._held) return;
    this._held = false;
    this.removeAttribute('held');
    this.requestUpdate();
    this.performUpdate();
  }

  /** Whether the panel is held (not rendered yet). */
  get held(): boolean {
    return this._held;
  }

  protected override shouldUpdate(changed: PropertyValues<this>): boolean {
    return !this._held && super.shouldUpdate(changed);
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    // After the DOM holds this view: acceptance tests and support read what was painted.
    const id = this.view?.lastEventId ?? null;
    if (id === null) this.removeAttribute('data-last-event');
    else if (this.getAttribute('data-last-event') !== id) this.setAttribute('data-last-event', id);
  }

  protected override render() {
    const v = this.view;
    if (!v) {
      return html`<article class="card empty" aria-busy="true">
        <p class="muted">Waiting for ${this.truckId || 'truck'}…</p>
      </article>`;
    }
    const p = this.prefs;
    const now = v.computedAt;
    return html`
      <article class="card ${v.stale ? 'is-stale' : ''} ${v.alerts.length ? 'has-alerts' : ''}" aria-labelledby="name">
        <header class="head">
          <h2 id="name">${v.name}</h2>
          <span class="chip ${STATUS_TONE[v.status]}" title=${STATUS_HELP[v.status]}>${STATUS_LABEL[v.status]}</span>
        </header>
        <div class="driver">
          ${v.plate ? html`<span class="plate" title="Licence plate">${v.plate}</span>` : nothing}
          <span><span class="muted">Driver</span> ${v.driver ?? html`<em class="muted">none assigned</em>`}</span>
        </div>
        ${this._renderTransfer(v)}
        <dl class="metrics">
          <div>
            <dt>Speed</dt>
            <dd class="num">${v.last ? formatSpeed(v.last.speedKph, p) : '—'}</dd>
          </div>
          <div>
            <dt>Fuel</dt>
            <dd class="num ${v.last?.fuelPct !== undefined && v.last.fuelPct < LOW_FUEL_PCT ? 'warn-text' : ''}">
              ${v.last?.fuelPct !== undefined ? `${Math.round(v.last.fuelPct)}%` : '—'}
            </dd>
          </div>
          <div>
            <dt title="Hours of service: driving time left">Driving left</dt>
            <dd class="num ${v.hosMin !== null && v.hosMin < LOW_HOS_MIN ? 'warn-text' : ''}">
              ${v.hosMin !== null ? formatMinutes(v.hosMin) : '—'}
            </dd>
          </div>
        </dl>
        ${this._renderReefer(v)}
        ${this._renderAlerts(v)}
        <footer class="foot">
          <div class="seen-wrap">
            <div class="seen ${v.stale ? 'stale-text' : ''}">
              <span class="muted">Last seen</span>
              ${v.lastSeenAt !== null
                ? html`<time datetime=${new Date(v.lastSeenAt).toISOString()} title=${formatFull(v.lastSeenAt)}
                      >${formatRelative(v.lastSeenAt, now)}</time
                    ><span class="muted num"> · ${formatClock(v.lastSeenAt, now)}</span>`
                : html`<span>never</span>`}
              ${v.stale ? html`<span class="chip plain tone-stale">stale</span>` : nothing}
            </div>
            ${v.last ? html`<div class="pos muted num" title="Last known position">${formatPosition(v.last.lat, v.last.lon)}</div>` : nothing}
          </div>
          ${this.standalone
            ? nothing
            : html`<button type="button" aria-describedby="name" @click=${this._onOpenWindow}>Open in new window</button>`}
        </footer>
      </article>
    `;
  }

  private _renderTransfer(v: TruckView) {
    const t = v.transfer;
    if (!t) return html`<p class="route muted">No transfer assigned</p>`;
    const p = this.prefs;
    const pct = Math.round(t.fraction * 100);
    const tone =
      t.verdict === 'late' ? 'tone-bad' : t.verdict === 'unknown' ? 'tone-info' : t.verdict === 'early' ? 'tone-info' : 'tone-ok';
    return html`
      <div class="route">
        <span class="place">${t.origin.name}</span>
        <span class="arrow" aria-label="to">→</span>
        <span class="place">${t.destination.name}</span>
        ${t.cargo.kind === 'reefer' ? html`<span class="chip plain tone-info" title=${t.cargo.description}>reefer</span>` : nothing}
      </div>
      <div
        class="progress"
        role="progressbar"
        aria-label="Route progress, ${t.origin.name} to ${t.destination.name}"
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${pct}
      >
        <div class="bar" style=${styleProps({ width: `${pct}%` })}></div>
      </div>
      <div class="route-meta num">
        <span>${pct}% done</span>
        <span>${t.verdict === 'arrived' ? 'at destination' : `${formatDistance(t.remainingKm, p)} to go`}</span>
      </div>
      <div class="eta">
        <span
          ><span class="muted">${t.verdict === 'arrived' ? 'Arrived' : 'ETA'}</span>
          <strong class="num">${t.etaMs !== null ? formatClock(t.etaMs, v.computedAt) : '—'}</strong></span
        >
        <span class="muted num">plan ${formatClock(t.plannedArrival, v.computedAt)}</span>
        <span class="chip plain ${tone}">${t.lateness}</span>
      </div>
    `;
  }

  private _renderReefer(v: TruckView) {
    const r = v.reefer;
    if (!r) return nothing;
    const p = this.prefs;
    const state = r.excursion.active ? 'excursion' : r.inBand === false ? 'out of band' : r.inBand ? 'in band' : 'no reading';
    const tone = r.excursion.active ? 'tone-bad' : r.inBand === false ? 'tone-warn' : r.inBand ? 'tone-ok' : 'tone-info';
    // A gauge spanning three tolerances either side of the setpoint, with the band in the middle.
    const span = Math.max(r.toleranceC * 3, 1);
    const pos = r.tempC === null ? null : Math.min(100, Math.max(0, ((r.tempC - r.setpointC + span) / (2 * span)) * 100));
    const bandLeft = ((span - r.toleranceC) / (2 * span)) * 100;
    const bandWidth = ((2 * r.toleranceC) / (2 * span)) * 100;
    return html`
      <div class="reefer">
        <div class="reefer-line">
          <span class="muted">Reefer</span>
          <strong class="num">${r.tempC !== null ? formatTemp(r.tempC, p) : '—'}</strong>
          <span class="muted num">set ${tempValue(r.setpointC, p).toFixed(1)} ${formatTempDelta(r.toleranceC, p)}</span>
          <span class="chip plain ${tone}">${state}</span>
        </div>
        <div class="gauge" aria-hidden="true">
          <div class="band" style=${styleProps({ left: `${bandLeft}%`, width: `${bandWidth}%` })}></div>
          ${pos !== null ? html`<div class="marker ${tone}" style=${styleProps({ left: `${pos}%` })}></div>` : nothing}
        </div>
        ${r.excursion.since !== null
          ? html`<div class="excursion num">
              Out of band since ${formatClock(r.excursion.since, v.computedAt)}, worst
              ${r.excursion.worstDeltaC > 0 ? '+' : ''}${tempDeltaValue(r.excursion.worstDeltaC, p).toFixed(1)}
              ${tempUnit(p)} from setpoint
            </div>`
          : nothing}
      </div>
    `;
  }

  private _renderAlerts(v: TruckView) {
    if (v.alerts.length === 0) return nothing;
    return html`
      <ul class="alerts" aria-label="Active alerts">
        ${v.alerts.map((a) => this._renderAlert(a, v))}
      </ul>
    `;
  }

  private _renderAlert(a: Alert, v: TruckView) {
    const error = this._ackError?.alertId === a.id ? this._ackError.message : null;
    return html`<li class="alert ${a.severity === 'critical' ? 'tone-bad' : 'tone-warn'}" data-alert-id=${a.id}>
      <span class="sev">${a.severity === 'critical' ? 'Critical' : 'Warning'}</span>
      <span class="msg">${a.message}</span>
      <span class="when num"
        >since ${formatClock(a.startedAt, v.computedAt)}${a.ackedBy
          ? html` · <span class="acked" title=${a.ackedAt ? formatFull(a.ackedAt) : ''}>acknowledged by ${a.ackedBy}</span>`
          : nothing}</span
      >
      ${!a.ackedBy && this.ack
        ? html`<button type="button" class="ack" ?disabled=${this._acking === a.id} @click=${() => this._onAck(a.id)}>
            ${this._acking === a.id ? 'Acknowledging…' : 'Acknowledge'}
          </button>`
        : nothing}
      ${error ? html`<span class="ack-error" role="alert">${error}</span>` : nothing}
    </li>`;
  }

  private async _onAck(alertId: string): Promise<void> {
    if (!this.ack || this._acking) return;
    this._acking = alertId;
    this._ackError = null;
    try {
      await this.ack(alertId);
    } catch (error) {
      this._ackError = { alertId, message: `Could not acknowledge: ${(error as Error).message}` };
    } finally {
      this._acking = null;
    }
  }

  private _onOpenWindow(): void {
    openTruckWindow(this.truckId || this.view?.id || '');
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        min-width: 0;
      }
      /* Held (not rendered yet): an empty card no taller than the smallest panel, so the panels
         below it only ever move down, never into view, when it renders. */
      :host([held]) {
        min-height: 180px;
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: var(--fw-radius);
      }
      .card {
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: var(--fw-radius);
        box-shadow: var(--fw-shadow);
        padding: 10px 12px 10px;
        display: flex;
        flex-direction: column;
        gap: 6px;
        height: 100%;
      }
      .card.has-alerts {
        border-left: 4px solid var(--fw-bad);
        padding-left: 9px;
      }
      .card.is-stale {
        background: repeating-linear-gradient(
          135deg,
          var(--fw-surface),
          var(--fw-surface) 12px,
          var(--fw-surface-2) 12px,
          var(--fw-surface-2) 24px
        );
      }
      .card.empty {
        min-height: 120px;
        justify-content: center;
        align-items: center;
      }
      .head {
        display: flex;
        align-items: flex-start;
        justify-content: space-between;
        gap: 8px;
      }
      h2 {
        margin: 0;
        font-size: 15px;
        font-weight: 650;
        letter-spacing: 0.01em;
      }
      .plate {
        font-family: var(--fw-mono);
        font-size: 12px;
        padding: 0 5px;
        border: 1px solid var(--fw-border);
        border-radius: 4px;
        color: var(--fw-muted);
      }
      .driver,
      .seen {
        font-size: 13px;
      }
      .driver {
        display: flex;
        align-items: center;
        gap: 8px;
        flex-wrap: wrap;
      }
      .route {
        display: flex;
        align-items: center;
        gap: 6px;
        font-weight: 600;
        font-size: 13px;
        margin: 2px 0 0;
        flex-wrap: wrap;
      }
      .route.muted {
        font-weight: normal;
      }
      .arrow {
        color: var(--fw-muted);
      }
      .progress {
        height: 6px;
        border-radius: 3px;
        background: var(--fw-track);
        overflow: hidden;
      }
      .bar {
        height: 100%;
        background: var(--fw-accent);
        border-radius: 3px;
      }
      .route-meta {
        display: flex;
        justify-content: space-between;
        font-size: 12px;
        color: var(--fw-muted);
      }
      .eta {
        display: flex;
        align-items: center;
        gap: 4px 8px;
        flex-wrap: wrap;
        font-size: 13px;
      }
      .eta .chip {
        margin-left: auto;
      }
      .metrics {
        display: grid;
        grid-template-columns: repeat(3, minmax(0, 1fr));
        gap: 8px;
        margin: 2px 0 0;
        padding: 5px 0;
        border-top: 1px solid var(--fw-border);
        border-bottom: 1px solid var(--fw-border);
      }
      dt {
        color: var(--fw-muted);
        font-size: 11.5px;
      }
      dd {
        margin: 0;
        font-weight: 650;
        font-size: 14px;
        white-space: nowrap;
      }
      .pos {
        font-size: 12px;
      }
      .warn-text {
        color: var(--fw-warn);
      }
      .stale-text time {
        color: var(--fw-stale);
        font-weight: 600;
      }
      .reefer {
        font-size: 13px;
        display: flex;
        flex-direction: column;
        gap: 3px;
      }
      .reefer-line {
        display: flex;
        align-items: center;
        gap: 8px;
        flex-wrap: wrap;
      }
      .gauge {
        position: relative;
        height: 6px;
        border-radius: 3px;
        background: var(--fw-track);
      }
      .band {
        position: absolute;
        top: 0;
        bottom: 0;
        background: var(--fw-ok-bg);
        border-left: 1px solid var(--fw-ok);
        border-right: 1px solid var(--fw-ok);
      }
      .marker {
        position: absolute;
        top: -3px;
        width: 4px;
        height: 12px;
        margin-left: -2px;
        border-radius: 2px;
        background: currentColor;
      }
      .excursion {
        font-size: 12px;
        color: var(--fw-bad);
      }
      .alerts {
        list-style: none;
        margin: 2px 0 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      .alert {
        border-radius: 6px;
        padding: 4px 8px;
        font-size: 12.5px;
        display: flex;
        flex-wrap: wrap;
        gap: 2px 8px;
      }
      .alert .sev {
        font-weight: 700;
        text-transform: uppercase;
        font-size: 11px;
        letter-spacing: 0.04em;
        align-self: center;
      }
      .alert .msg {
        color: var(--fw-text);
        flex: 1 1 auto;
      }
      .alert .when {
        color: var(--fw-muted);
        font-size: 12px;
      }
      .alert .acked {
        color: var(--fw-text);
      }
      .alert .ack {
        margin-left: auto;
        padding: 1px 8px;
        font-size: 12px;
      }
      .ack-error {
        flex-basis: 100%;
        color: var(--fw-bad);
        font-size: 12px;
      }
      .foot {
        margin-top: auto;
        display: flex;
        align-items: flex-end;
        justify-content: space-between;
        flex-wrap: wrap;
        gap: 6px;
      }
      :host([standalone]) .card {
        border-radius: var(--fw-radius);
      }
    `,
  ];
}

function formatPosition(lat: number, lon: number): string {
  return `${Math.abs(lat).toFixed(3)}°${lat >= 0 ? 'N' : 'S'} ${Math.abs(lon).toFixed(3)}°${lon >= 0 ? 'E' : 'W'}`;
}

customElements.define('truck-panel', TruckPanel);

declare global {
  interface HTMLElementTagNameMap {
    'truck-panel': TruckPanel;
  }
}
