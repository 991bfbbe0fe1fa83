/**
 * `<update-banner>`: tells the operator a new version of fleetwire is ready, in every window, and
 * reloads every window onto it when accepted in one (src/client/updates.ts).
 */
import { LitElement, css, html, nothing } from 'lit';
import { updates } from '../client/updates';
import { ChangeController } from './change-controller';
import { baseStyles } from './shared-styles';

/** The "new version" banner, fixed at the bottom of the window. */
export class UpdateBanner extends LitElement {
  constructor() {
    super();
    new ChangeController(this, updates);
  }

  protected override render() {
    const state = updates.state;
    if (state === 'none') return nothing;
    return html`<div class="banner" role="status">
      <span>${state === 'waiting' ? 'A new version of fleetwire is ready.' : 'Updating fleetwire…'}</span>
      ${state === 'waiting'
        ? html`<button type="button" class="primary" @click=${this._onAccept}>Update now</button>`
        : nothing}
    </div>`;
  }

  private _onAccept(): void {
    updates.acceptUpdate();
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        position: fixed;
        left: 50%;
        bottom: 16px;
        transform: translateX(-50%);
        z-index: 20;
        max-width: calc(100vw - 24px);
      }
      .banner {
        display: flex;
        align-items: center;
        gap: 12px;
        padding: 8px 10px 8px 14px;
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-left: 4px solid var(--fw-accent);
        border-radius: var(--fw-radius);
        box-shadow: 0 4px 16px rgb(16 24 40 / 0.18);
        font-size: 14px;
      }
    `,
  ];
}

customElements.define('update-banner', UpdateBanner);

declare global {
  interface HTMLElementTagNameMap {
    'update-banner': UpdateBanner;
  }
}
