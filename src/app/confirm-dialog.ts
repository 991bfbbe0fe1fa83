/** `<confirm-dialog>`: asks the admin to confirm a change that cannot be undone (remove, revoke). */
import { LitElement, css, html } from 'lit';
import { adminStyles } from './admin-form';
import { baseStyles } from './shared-styles';

/** What to ask. */
export interface ConfirmRequest {
  title: string;
  message: string;
  /** The confirming button's text, a verb: "Remove bo". */
  confirm: string;
}

/** A modal question; `ask()` resolves true when the admin confirms, false on Cancel or Escape. */
export class ConfirmDialog extends LitElement {
  static override properties = {
    _request: { state: true },
  };

  declare _request: ConfirmRequest | null;
  private _resolve: ((ok: boolean) => void) | null = null;

  constructor() {
    super();
    this._request = null;
  }

  /** Opens the dialog; Cancel has the focus, so a stray Enter does not confirm. */
  async ask(request: ConfirmRequest): Promise<boolean> {
    this._resolve?.(false);
    this._request = request;
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector('dialog');
    if (!dialog) return false;
    const answer = new Promise<boolean>((resolve) => (this._resolve = resolve));
    dialog.showModal();
    this.renderRoot.querySelector<HTMLButtonElement>('button.cancel')?.focus();
    return answer;
  }

  protected override render() {
    const r = this._request;
    return html`<dialog aria-labelledby="confirm-title" aria-describedby="confirm-message" @close=${this._onClose}>
      <h2 id="confirm-title">${r?.title ?? ''}</h2>
      <p id="confirm-message">${r?.message ?? ''}</p>
      <footer>
        <button type="button" class="cancel" @click=${() => this._answer(false)}>Cancel</button>
        <button type="button" class="danger solid" @click=${() => this._answer(true)}>${r?.confirm ?? 'Confirm'}</button>
      </footer>
    </dialog>`;
  }

  private _answer(ok: boolean): void {
    this._resolve?.(ok);
    this._resolve = null;
    this.renderRoot.querySelector('dialog')?.close();
  }

  /** Escape closes the dialog without an answer: that is a no. */
  private _onClose(): void {
    this._resolve?.(false);
    this._resolve = null;
  }

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      p {
        margin: 0;
      }
    `,
  ];
}

customElements.define('confirm-dialog', ConfirmDialog);

declare global {
  interface HTMLElementTagNameMap {
    'confirm-dialog': ConfirmDialog;
  }
}
