/**
 * `<alert-toasts>`: every active alert of the tenant that nobody acknowledged yet, as a toast, in
 * every tab. Acknowledging goes to the server, which tells every stream of the tenant: each tab of
 * every browser drops the toast when the acknowledged alert arrives.
 *
 * Toasts sit in fixed slots of a fixed height, stacked from the bottom: a toast keeps its slot
 * while it is shown, and a new one takes a free slot. A stack that re-sorted itself, or toasts
 * that grew with their text, moved every toast above the one that changed.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
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
  /** The slot (0: the bottom one) of each alert shown. */
  private readonly _slots = new Map<string, number>();
  /** What the next render shows: alerts in their slots, and how many more wait. */
  private _shown: { alert: Alert; slot: number }[] = [];
  private _more = 0;

  constructor() {
    super();
    this.client = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this._fleet.client = this.client;
    const pending = this._pending();
    const slots = matchMedia(NARROW).matches ? 1 : MAX_VISIBLE;
    // The most urgent alerts are shown; those already shown keep their slots, new ones take the free ones.
    const shown = pending.slice(0, slots);
    const ids = new Set(shown.map((a) => a.id));
    for (const [id, slot] of this._slots) if (!ids.has(id) || slot >= slots) this._slots.delete(id);
    const taken = new Set(this._slots.values());
    for (const a of shown) {
      if (this._slots.has(a.id)) continue;
      let slot = 0;
      while (taken.has(slot)) slot++;
      this._slots.set(a.id, slot);
      taken.add(slot);
    }
    // In slot order, so the DOM reads bottom to top and a new toast is one insertion.
    this._shown = shown.map((alert) => ({ alert, slot: this._slots.get(alert.id)! })).sort((a, b) => a.slot - b.slot);
    this._more = pending.length - shown.length;
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
    const more = this._more;
    // Every slot is taken whenever more wait: the count sits above the top slot.
    return html`<section aria-label="Alert notifications">
      <div aria-live="polite" aria-relevant="additions text">
        ${repeat(
          this._shown,
          ({ alert }) => alert.id,
          ({ alert, slot }) => this._renderToast(alert, slot),
        )}
      </div>
      ${more > 0 ? html`<p class="more">${more} more unacknowledged ${more === 1 ? 'alert' : 'alerts'}</p>` : nothing}
    </section>`;
  }

  private _renderToast(a: Alert, slot: number) {
    const truck = this._fleet.trucks.get(a.truckId);
    const critical = a.severity === 'critical';
    const error = this._acks.errors.get(a.id);
    return html`<div class="toast slot-${slot} ${critical ? 'critical' : 'warning'}" data-alert-id=${a.id}>
      <div class="top">
        <span class="chip plain ${critical ? 'tone-bad' : 'tone-warn'}">${critical ? 'Critical' : 'Warning'}</span>
        <strong class="name">${truck?.name ?? `Truck ${a.truckId}`}</strong>
        <time class="muted num" datetime=${new Date(a.startedAt).toISOString()} title=${formatFull(a.startedAt)}
          >${formatClock(a.startedAt)}</time
        >
      </div>
      <p class="msg ${error ? 'short' : ''}" title=${a.message}>${a.message}</p>
      ${error ? html`<p class="error" role="alert" title=${error}>${error}</p>` : nothing}
      <div class="actions">
        ${this._fleet.canAck
          ? html`<button type="button" class="primary" ?disabled=${this._acks.pending.has(a.id)} @click=${() => this._onAck(a.id)}>
              ${this._acks.pending.has(a.id) ? 'Acknowledging…' : 'Acknowledge'}
            </button>`
          : nothing}
        <button type="button" @click=${() => this._onShow(a.truckId)}>Show truck</button>
      </div>
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
        /* A toast's height (two lines of message) and the space between slots. */
        --toast-h: 116px;
        --toast-gap: 8px;
        position: fixed;
        right: 12px;
        bottom: 12px;
        z-index: 10;
        width: min(360px, calc(100vw - 24px));
        /* The slots hang above this line; the element itself takes no room and no pointer. */
        height: 0;
        pointer-events: none;
      }
      .toast,
      .more {
        position: absolute;
        pointer-events: auto;
      }
      .toast {
        left: 0;
        right: 0;
        height: var(--toast-h);
        display: flex;
        flex-direction: column;
        overflow: hidden;
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-left: 5px solid var(--fw-warn);
        border-radius: var(--fw-radius);
        box-shadow: 0 6px 24px rgb(0 0 0 / 0.18);
        padding: 8px 10px;
      }
      .slot-0 {
        bottom: 0;
      }
      .slot-1 {
        bottom: calc(var(--toast-h) + var(--toast-gap));
      }
      .slot-2 {
        bottom: calc(2 * (var(--toast-h) + var(--toast-gap)));
      }
      .toast.critical {
        border-left-color: var(--fw-bad);
      }
      .top {
        display: flex;
        align-items: center;
        gap: 8px;
        min-width: 0;
      }
      .name {
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .top time {
        margin-left: auto;
        font-size: 12px;
      }
      /* The message takes what is left between the title and the buttons, two lines at most. */
      .msg {
        flex: 1 1 auto;
        min-height: 0;
        margin: 4px 0 6px;
        font-size: 13px;
        display: -webkit-box;
        -webkit-box-orient: vertical;
        -webkit-line-clamp: 2;
        line-clamp: 2;
        overflow: hidden;
      }
      .msg.short {
        -webkit-line-clamp: 1;
        line-clamp: 1;
        margin-bottom: 0;
      }
      .actions {
        display: flex;
        gap: 8px;
      }
      .error {
        margin: 0 0 6px;
        font-size: 12px;
        color: var(--fw-bad);
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      /* Above the top slot (MAX_VISIBLE of them; in a narrow window, one). */
      .more {
        right: 0;
        bottom: calc(3 * (var(--toast-h) + var(--toast-gap)));
        margin: 0;
        font-size: 12px;
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: 999px;
        padding: 2px 10px;
      }
      /* NARROW */
      @media (max-width: 560px) {
        .more {
          bottom: calc(var(--toast-h) + var(--toast-gap));
        }
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
