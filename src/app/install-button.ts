/** `<install-button>`: "Install app", shown only while the browser offers installation. */
import { LitElement, css, html, nothing } from 'lit';
import { installPrompt } from '../client/install';
import { ChangeController } from './change-controller';
import { baseStyles } from './shared-styles';

/** Installs fleetwire as a desktop app through the browser's own dialog. */
export class InstallButton extends LitElement {
  constructor() {
    super();
    new ChangeController(this, installPrompt);
  }

  protected override render() {
    if (!installPrompt.available) return nothing;
    return html`<button type="button" title="Install fleetwire as an app on this computer" @click=${this._onClick}>
      Install app
    </button>`;
  }

  private async _onClick(): Promise<void> {
    await installPrompt.prompt();
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: contents;
      }
    `,
  ];
}

customElements.define('install-button', InstallButton);

declare global {
  interface HTMLElementTagNameMap {
    'install-button': InstallButton;
  }
}
