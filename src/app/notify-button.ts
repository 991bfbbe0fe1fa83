/**
 * `<notify-button>`: asks for permission to show alerts as system notifications. Alerts are only
 * ever notified after the operator allowed it here (src/client/notifications.ts).
 */
import { LitElement, css, html, nothing } from 'lit';
import { alertNotifications } from '../client/notifications';
import { ChangeController } from './change-controller';
import { baseStyles } from './shared-styles';

/** The "Notify me of alerts" button; says so when the browser blocks notifications. */
export class NotifyButton extends LitElement {
  constructor() {
    super();
    new ChangeController(this, alertNotifications);
  }

  protected override render() {
    switch (alertNotifications.permission) {
      case 'default':
        return html`<button type="button" title="Show new alerts as system notifications, even when this window is in the background" @click=${this._onClick}>
          Notify me of alerts
        </button>`;
      case 'denied':
        return html`<span class="muted hint" title="Allow notifications for this site in the browser's site settings to get them"
          >Alert notifications blocked</span
        >`;
      default:
        return nothing;
    }
  }

  private async _onClick(): Promise<void> {
    await alertNotifications.request();
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: contents;
      }
      .hint {
        font-size: 12px;
        white-space: nowrap;
      }
    `,
  ];
}

customElements.define('notify-button', NotifyButton);

declare global {
  interface HTMLElementTagNameMap {
    'notify-button': NotifyButton;
  }
}
