/**
 * `<alert-toasts>`: every active alert of the tenant that nobody acknowledged yet, as a toast, in
 * every tab. Acknowledging goes to the server, which tells every stream of the tenant: each tab of
 * every browser drops the toast when the acknowledged alert arrives.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { FleetClientApi } from '../client/api';
import type { Alert } from '../shared/fleet';
import { Acknowledger } from './alert-list';
import { FleetController } from './fleet-controller';
import { formatClock, formatFull } from './format';
import { baseStyles } from './shared-styles';
import { openTruckWindow } from './truck-panel';

/** Toasts shown at once; the rest are counted, so a burst never covers the screen. */
const MAX_VISIBLE = 3;
/** In a narrow window (a truck window, a phone) one toast at a time leaves the truck readable. */
const NARROW = '(max-width: 560px)';

/** Alert toasts with an aria-live region. */
export class AlertToasts extends LitElement {
  static override properties = {
    client: { attribute: false },
  };

  declare client: FleetClientApi | null;
  private readonly _fleet = new FleetController(this);
  private readonly _acks = new Acknowledger(this, () => this._fleet.client);

  constructor() {
    super();
    this.client = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this._fleet.client = this.client;
  }

  /** Active alerts nobody acknowledged yet: critical first, then newest first. */
  private _pending(): Alert[] {
    const out: Alert[] = [];
    for (const a of this._fleet.activeAlerts.values()) {
      if (a.state === 'active' && !a.ackedBy) out.push(a);
    }
    return out.sort(
      (a, b) => (a.severity === 'critical' ? 0 : 1) - (b.severity === 'critical' ? 0 : 1) || b.startedAt - a.startedAt,
    );
  }

  protected override render() {
    const pending = this._pending();
    const shown = pending.slice(0, matchMedia(NARROW).matches ? 1 : MAX_VISIBLE);
    const more = pending.length - shown.length;
    return html`<section aria-label="Alert notifications" class="stack">
      <div aria-live="polite" aria-relevant="additions text" class="list">
        ${shown.map((a) => this._renderToast(a))}
      </div>
      ${more > 0 ? html`<p class="more">${more} more unacknowledged ${more === 1 ? 'alert' : 'alerts'}</p>` : nothing}
    </section>`;
  }

  private _renderToast(a: Alert) {
    const truck = this._fleet.trucks.get(a.truckId);
    const critical = a.severity === 'critical';
    return html`<div class="toast ${critical ? 'critical' : 'warning'}" data-alert-id=${a.id}>
      <div class="top">
        <span class="chip plain ${critical ? 'tone-bad' : 'tone-warn'}">${critical ? 'Critical' : 'Warning'}</span>
        <strong>${truck?.name ?? `Truck ${a.truckId}`}</strong>
        <time class="muted num" datetime=${new Date(a.startedAt).toISOString()} title=${formatFull(a.startedAt)}
          >${formatClock(a.startedAt)}</time
        >
      </div>
      <p class="msg">${a.message}</p>
      <div class="actions">
        ${this._fleet.canAck
          ? html`<button type="button" class="primary" ?disabled=${this._acks.pending.has(a.id)} @click=${() => this._onAck(a.id)}>
              ${this._acks.pending.has(a.id) ? 'Acknowledging…' : 'Acknowledge'}
            </button>`
          : nothing}
        <button type="button" @click=${() => this._onShow(a.truckId)}>Show truck</button>
      </div>
      ${this._acks.errors.has(a.id) ? html`<p class="error" role="alert">${this._acks.errors.get(a.id)}</p>` : nothing}
    </div>`;
  }

  private _onAck(alertId: string): void {
    void this._acks.ack(alertId);
  }

  private _onShow(truckId: string): void {
    openTruckWindow(truckId);
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        position: fixed;
        right: 12px;
        bottom: 12px;
        z-index: 10;
        width: min(360px, calc(100vw - 24px));
        pointer-events: none;
      }
      .stack,
      .list {
        display: flex;
        flex-direction: column;
        gap: 8px;
      }
      .toast,
      .more {
        pointer-events: auto;
      }
      .toast {
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-left: 5px solid var(--fw-warn);
        border-radius: var(--fw-radius);
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.18);
        padding: 8px 10px;
      }
      .toast.critical {
        border-left-color: var(--fw-bad);
      }
      .top {
        display: flex;
        align-items: center;
        gap: 8px;
      }
      .top time {
        margin-left: auto;
        font-size: 12px;
      }
      .msg {
        margin: 4px 0 8px;
        font-size: 13px;
      }
      .actions {
        display: flex;
        gap: 8px;
      }
      .error {
        margin: 6px 0 0;
        font-size: 12px;
        color: var(--fw-bad);
      }
      .more {
        margin: 0;
        align-self: flex-end;
        font-size: 12px;
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: 999px;
        padding: 2px 10px;
      }
    `,
  ];
}

customElements.define('alert-toasts', AlertToasts);

declare global {
  interface HTMLElementTagNameMap {
    'alert-toasts': AlertToasts;
  }
}
