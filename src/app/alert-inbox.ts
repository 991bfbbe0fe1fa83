/**
 * `<alert-inbox>`: the tenant's alerts on the dashboard, active first, then recent ones: truck,
 * kind, severity, since when, and who acknowledged and when. Each row carries `data-alert-id` and,
 * once anyone in the tenant acknowledged it, `data-acked-by`. Its height is fixed (rows scroll
 * inside), so alerts coming and going never move the panels below; it can be collapsed.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { FleetClientApi } from '../client/api';
import type { Alert } from '../shared/fleet';
import { AlertList } from './alert-list';
import { ClockController } from './clock-controller';
import { FleetController } from './fleet-controller';
import { ALERT_KIND_LABEL, formatClock, formatFull, formatRelative } from './format';
import { baseStyles } from './shared-styles';
import { openTruckWindow } from './truck-panel';

/** Whether the operator collapsed the inbox, kept for this browser. */
const COLLAPSED_KEY = 'fleetwire:inbox-collapsed';

/** The alert inbox. */
export class AlertInbox extends LitElement {
  static override properties = {
    client: { attribute: false },
    _collapsed: { state: true },
  };

  declare client: FleetClientApi | null;
  declare _collapsed: boolean;
  /** Truck names and the role; no repaint on every fleet change (the list repaints on alerts). */
  private readonly _fleet = new FleetController(this, { watch: false });
  private readonly _list = new AlertList(this);
  private readonly _clock = new ClockController(this);

  constructor() {
    super();
    this.client = null;
    this._collapsed = readCollapsed();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) {
      this._fleet.client = this.client;
      this._list.client = this.client;
    }
  }

  protected override render() {
    const alerts = this._list.alerts;
    let active = 0;
    let open = 0;
    for (const a of alerts) {
      if (a.state !== 'active') continue;
      active++;
      if (!a.ackedBy) open++;
    }
    const summary = `${active} active${open ? `, ${open} not acknowledged` : ''} · ${alerts.length - active} cleared`;
    return html`<section aria-labelledby="inbox-h">
      <header>
        <h2 id="inbox-h">Alerts</h2>
        <span class="summary num ${open ? 'open' : ''}">${summary}</span>
        ${this._list.source === 'stored'
          ? html`<span class="muted note" title=${this._list.loadError ?? ''}>offline: the active alerts this browser knows of</span>`
          : nothing}
        <button type="button" class="toggle" aria-expanded=${this._collapsed ? 'false' : 'true'} aria-controls="inbox-list" @click=${this._onToggle}>
          ${this._collapsed ? 'Show' : 'Hide'}
        </button>
      </header>
      <div id="inbox-list" class="list" ?hidden=${this._collapsed} tabindex="0" role="region" aria-label="Alerts, active first (scrollable)">
        ${alerts.length === 0
          ? html`<p class="empty muted">${this._list.source === 'loading' ? 'Loading alerts…' : 'No alerts in this fleet.'}</p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col" class="c-sev">Severity</th>
                  <th scope="col" class="c-truck">Truck</th>
                  <th scope="col">Alert</th>
                  <th scope="col" class="c-when">Since</th>
                  <th scope="col" class="c-ack">Acknowledged</th>
                </tr>
              </thead>
              <tbody>
                ${repeat(
                  alerts,
                  (a) => a.id,
                  (a) => this._renderRow(a),
                )}
              </tbody>
            </table>`}
      </div>
    </section>`;
  }

  private _renderRow(a: Alert) {
    const now = this._clock.now;
    const cleared = a.state === 'cleared';
    const name = this._fleet.trucks.get(a.truckId)?.name ?? a.truckId;
    const error = this._list.acknowledger.errors.get(a.id);
    const pending = this._list.acknowledger.pending.has(a.id);
    return html`<tr class=${cleared ? 'cleared' : ''} data-alert-id=${a.id} data-acked-by=${a.ackedBy ?? nothing}>
      <td class="c-sev">
        <span class="chip plain ${cleared ? 'tone-info' : a.severity === 'critical' ? 'tone-bad' : 'tone-warn'}"
          >${cleared ? 'Cleared' : a.severity === 'critical' ? 'Critical' : 'Warning'}</span
        >
      </td>
      <td class="c-truck">
        <button type="button" class="link" title="Open ${name} in its own window" @click=${() => openTruckWindow(a.truckId)}>${name}</button>
      </td>
      <td class="c-what"><strong>${ALERT_KIND_LABEL[a.kind] ?? a.kind}</strong> <span class="muted">${a.message}</span></td>
      <td class="c-when num" title=${formatFull(a.startedAt)}>
        ${formatClock(a.startedAt, now)}${cleared && a.clearedAt
          ? html`–${formatClock(a.clearedAt, now)}`
          : html` <span class="muted">· ${formatRelative(a.startedAt, Math.max(now, a.startedAt))}</span>`}
      </td>
      <td class="c-ack">
        ${a.ackedBy
          ? html`<span class="acked" title=${a.ackedAt ? formatFull(a.ackedAt) : ''}
              ><span class="visually-hidden">acknowledged </span>by <strong>${a.ackedBy}</strong>${a.ackedAt ? html` <span class="muted num">${formatClock(a.ackedAt, now)}</span>` : nothing}</span
            >`
          : cleared || !this._fleet.canAck
            ? html`<span class="muted">—</span>`
            : html`<button type="button" class="primary" ?disabled=${pending} @click=${() => void this._list.ack(a.id)}>
                ${pending ? 'Acknowledging…' : 'Acknowledge'}
              </button>`}
        ${error ? html`<div class="error" role="alert">${error}</div>` : nothing}
      </td>
    </tr>`;
  }

  private _onToggle(): void {
    this._collapsed = !this._collapsed;
    try {
      localStorage.setItem(COLLAPSED_KEY, this._collapsed ? '1' : '0');
    } catch {
      // Storage disabled: the choice lasts for this page only.
    }
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
      }
      section {
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: var(--fw-radius);
        /* Alerts change inside the inbox only: they never lay out the dashboard around it. */
        contain: content;
      }
      header {
        display: flex;
        align-items: center;
        gap: 6px 12px;
        padding: 6px 10px;
        min-height: 38px;
      }
      h2 {
        margin: 0;
        font-size: 13px;
        font-weight: 650;
        text-transform: uppercase;
        letter-spacing: 0.05em;
        color: var(--fw-muted);
      }
      .summary {
        font-size: 13px;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .summary.open {
        color: var(--fw-bad);
        font-weight: 600;
      }
      .note {
        font-size: 12px;
      }
      .toggle {
        margin-left: auto;
        padding: 2px 10px;
      }
      /* A fixed height, whatever the number of alerts: about five rows, the rest scroll. */
      .list {
        height: 176px;
        overflow: auto;
        border-top: 1px solid var(--fw-border);
      }
      .list[hidden] {
        display: none;
      }
      .empty {
        margin: 0;
        padding: 12px 10px;
        font-size: 13px;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        font-size: 13px;
        table-layout: fixed;
      }
      th {
        position: sticky;
        top: 0;
        z-index: 1;
        background: var(--fw-surface);
        text-align: left;
        font-weight: 600;
        font-size: 12px;
        color: var(--fw-muted);
        border-bottom: 1px solid var(--fw-border);
        padding: 4px 8px;
      }
      td {
        padding: 3px 8px;
        border-bottom: 1px solid var(--fw-border);
        vertical-align: middle;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .c-sev {
        width: 92px;
      }
      .c-truck {
        width: 22%;
      }
      .c-when {
        width: 150px;
      }
      .c-ack {
        width: 190px;
      }
      tr.cleared td {
        color: var(--fw-muted);
      }
      tr.cleared .c-what strong {
        font-weight: 600;
      }
      .link {
        border: 0;
        background: none;
        padding: 0;
        color: var(--fw-accent);
        font-weight: 600;
        text-decoration: underline;
        text-underline-offset: 2px;
        max-width: 100%;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .c-ack button {
        padding: 2px 10px;
        font-size: 12px;
      }
      .acked strong {
        color: var(--fw-text);
      }
      .error {
        color: var(--fw-bad);
        font-size: 12px;
        white-space: normal;
      }
      @media (max-width: 700px) {
        .c-when {
          width: 96px;
        }
        .c-ack {
          width: 120px;
        }
        .c-what .muted {
          display: none;
        }
      }
    `,
  ];
}

function readCollapsed(): boolean {
  try {
    return localStorage.getItem(COLLAPSED_KEY) === '1';
  } catch {
    return false;
  }
}

customElements.define('alert-inbox', AlertInbox);

declare global {
  interface HTMLElementTagNameMap {
    'alert-inbox': AlertInbox;
  }
}
