/** `<login-view>`: username and password, a clear error, demo accounts when the server has them. */
import { LitElement, css, html, nothing } from 'lit';
import { OfflineError, demoAccounts, login, type DemoAccount } from '../client/session';
import type { Me } from '../shared/fleet';
import { baseStyles } from './shared-styles';

/** The login screen; dispatches `logging-in` when the form is sent and `logged-in` (detail: Me) on success. */
export class LoginView extends LitElement {
  static override properties = {
    message: { type: String },
    _error: { state: true },
    _busy: { state: true },
    _offline: { state: true },
    _demo: { state: true },
  };

  /** Why the user is here (logged out, session expired), shown above the form. */
  declare message: string;
  declare _error: string | null;
  declare _busy: boolean;
  declare _offline: boolean;
  declare _demo: DemoAccount[] | null;

  constructor() {
    super();
    this.message = '';
    this._error = null;
    this._busy = false;
    this._offline = !navigator.onLine;
    this._demo = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('online', this._onOnline);
    addEventListener('offline', this._onOffline);
    this._loadDemo();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('online', this._onOnline);
    removeEventListener('offline', this._onOffline);
  }

  protected override firstUpdated(): void {
    this.renderRoot.querySelector<HTMLInputElement>('#username')?.focus();
  }

  private _loadDemo(): void {
    demoAccounts().then(
      (accounts) => {
        this._demo = accounts;
        this._offline = false;
      },
      (err: unknown) => {
        if (err instanceof OfflineError) this._offline = true;
        // Anything else: the list is a convenience, the form works without it.
      },
    );
  }

  protected override render() {
    return html`<main>
      <div class="card">
        <div class="brand">
          <img src="/icons/icon.svg" alt="" width="36" height="36" />
          <div>
            <h1>fleetwire</h1>
            <p class="muted tagline">Live fleet dashboard</p>
          </div>
        </div>
        ${this.message ? html`<p class="message" role="status">${this.message}</p>` : nothing}
        ${this._offline
          ? html`<p class="offline" role="status">
              <strong>Offline.</strong> fleetwire cannot reach its server, so you cannot log in right now. Once logged in on
              this device, the last known state of your fleet stays readable offline.
            </p>`
          : nothing}
        <form @submit=${this._onSubmit} novalidate>
          <label for="username">Username</label>
          <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <p id="error" class="error" role="alert">${this._error ?? ''}</p>
          <button type="submit" class="primary" ?disabled=${this._busy}>${this._busy ? 'Logging in…' : 'Log in'}</button>
        </form>
        ${this._demo && this._demo.length
          ? html`<section class="demo" aria-labelledby="demo-h">
              <h2 id="demo-h">Demo accounts</h2>
              <ul>
                ${this._demo.map(
                  (a) => html`<li>
                    <span><strong>${a.username}</strong> / <code>${a.password}</code> <span class="muted">· ${a.tenant}</span></span>
                    <button type="button" @click=${() => this._onUseDemo(a)}>Use ${a.username}</button>
                  </li>`,
                )}
              </ul>
            </section>`
          : nothing}
      </div>
    </main>`;
  }

  private async _onSubmit(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const username = String(data.get('username') ?? '').trim();
    const password = String(data.get('password') ?? '');
    if (!username || !password) {
      this._error = !username ? 'Enter your username.' : 'Enter your password.';
      this.renderRoot.querySelector<HTMLInputElement>(!username ? '#username' : '#password')?.focus();
      return;
    }
    this._busy = true;
    this._error = null;
    // The app loads what comes after the login meanwhile.
    this.dispatchEvent(new Event('logging-in', { bubbles: true, composed: true }));
    try {
      const me: Me = await login(username, password);
      this._offline = false;
      this.dispatchEvent(new CustomEvent<Me>('logged-in', { detail: me, bubbles: true, composed: true }));
    } catch (err) {
      this._offline = err instanceof OfflineError;
      this._error = (err as Error).message;
      const pw = this.renderRoot.querySelector<HTMLInputElement>('#password');
      if (pw && !this._offline) {
        pw.value = '';
        pw.focus();
      }
    } finally {
      this._busy = false;
    }
  }

  private _onUseDemo(a: DemoAccount): void {
    const u = this.renderRoot.querySelector<HTMLInputElement>('#username');
    const p = this.renderRoot.querySelector<HTMLInputElement>('#password');
    if (u) u.value = a.username;
    if (p) p.value = a.password;
    this.renderRoot.querySelector<HTMLButtonElement>('button[type=submit]')?.focus();
  }

  private readonly _onOnline = (): void => {
    this._offline = false;
    this._loadDemo();
  };

  private readonly _onOffline = (): void => {
    this._offline = true;
  };

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
      }
      main {
        min-height: 100vh;
        display: grid;
        /* Hung from the top, not centred: the demo accounts arriving grow the card downwards
           instead of moving the form the operator is about to type into. */
        place-items: start center;
        padding: max(16px, 10vh) 16px 16px;
      }
      .card {
        width: min(380px, 100%);
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: 10px;
        box-shadow: var(--fw-shadow);
        padding: 22px 22px 18px;
      }
      .brand {
        display: flex;
        align-items: center;
        gap: 10px;
        margin-bottom: 14px;
      }
      h1 {
        margin: 0;
        font-size: 20px;
      }
      .tagline {
        margin: 0;
        font-size: 13px;
      }
      form {
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      label {
        font-weight: 600;
        font-size: 13px;
        margin-top: 6px;
      }
      input {
        font: inherit;
        color: var(--fw-text);
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: 6px;
        padding: 7px 9px;
      }
      .error {
        min-height: 1.4em;
        margin: 6px 0 4px;
        color: var(--fw-bad);
        font-size: 13px;
        font-weight: 600;
      }
      button[type='submit'] {
        justify-content: center;
        padding: 8px 12px;
        font-size: 14px;
      }
      .message,
      .offline {
        margin: 0 0 10px;
        padding: 8px 10px;
        border-radius: 6px;
        font-size: 13px;
        background: var(--fw-info-bg);
      }
      .offline {
        background: var(--fw-warn-bg);
      }
      .demo {
        margin-top: 16px;
        border-top: 1px solid var(--fw-border);
        padding-top: 10px;
      }
      h2 {
        font-size: 13px;
        margin: 0 0 6px;
        color: var(--fw-muted);
        font-weight: 600;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-direction: column;
        gap: 6px;
        font-size: 13px;
      }
      li {
        display: flex;
        justify-content: space-between;
        align-items: center;
        gap: 8px;
      }
      code {
        font-family: var(--fw-mono);
      }
    `,
  ];
}

customElements.define('login-view', LoginView);

declare global {
  interface HTMLElementTagNameMap {
    'login-view': LoginView;
  }
}
