/**
 * `<admin-page>`: `/admin`, where an admin manages the tenant: operators, device keys, trucks and
 * transfers, and reads the audit log. Loaded on demand (fleet-app imports it when the route is
 * opened), so the dashboard's script does not carry it. Operators and viewers get a clear "not
 * allowed" instead of forms; the API refuses them anyway.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { FleetClientApi } from '../client/api';
import {
  AdminApiError,
  listAudit,
  listDeviceKeys,
  listOperators,
  listTransfers,
  listTrucks,
  type AuditEntry,
  type DeviceKeyRow,
  type OperatorRow,
  type TransferRow,
} from '../client/admin';
import type { TruckInfo } from '../shared/fleet';
import { ADMIN_AUTH_EVENT, ADMIN_CHANGED_EVENT, type AdminChanged, type AdminList } from './admin-form';
import './admin-audit';
import './admin-device-keys';
import './admin-operators';
import './admin-transfers';
import './admin-trucks';
import { FleetController } from './fleet-controller';
import { baseStyles, pageStyles } from './shared-styles';

/** Fired when the server says the session is over (401): fleet-app goes to /login. */
export const SESSION_EXPIRED_EVENT = 'session-expired';

/** The page's sections, in order: the in-page navigation jumps to them. */
const SECTIONS = [
  { tag: 'admin-operators', label: 'Operators' },
  { tag: 'admin-device-keys', label: 'Device keys' },
  { tag: 'admin-trucks', label: 'Trucks' },
  { tag: 'admin-transfers', label: 'Transfers' },
  { tag: 'admin-audit', label: 'Audit log' },
] as const;

const ALL_LISTS: readonly AdminList[] = ['operators', 'keys', 'trucks', 'transfers'];

/** The admin page. */
export class AdminPage extends LitElement {
  static override properties = {
    client: { attribute: false },
    _operators: { state: true },
    _keys: { state: true },
    _trucks: { state: true },
    _transfers: { state: true },
    _audit: { state: true },
    _forbidden: { state: true },
    _loadError: { state: true },
    _error: { state: true },
  };

  /** The tab's hub client: who is logged in, and logging out. */
  declare client: FleetClientApi | null;
  declare _operators: OperatorRow[] | null;
  declare _keys: DeviceKeyRow[] | null;
  declare _trucks: TruckInfo[] | null;
  declare _transfers: TransferRow[] | null;
  declare _audit: AuditEntry[] | null;
  /** The server's refusal when the operator is not an admin (403). */
  declare _forbidden: string | null;
  /** Why lists could not be loaded (offline, server down). */
  declare _loadError: string | null;
  declare _error: string | null;
  private readonly _fleet = new FleetController(this, { watch: false });
  private _loaded = false;
  /** Loads in flight, by list: a newer load of a list wins over an older one. */
  private readonly _generation = new Map<AdminList | 'audit', number>();

  constructor() {
    super();
    this.client = null;
    this._operators = null;
    this._keys = null;
    this._trucks = null;
    this._transfers = null;
    this._audit = null;
    this._forbidden = null;
    this._loadError = null;
    this._error = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener(ADMIN_CHANGED_EVENT, this._onChanged as EventListener);
    this.addEventListener(ADMIN_AUTH_EVENT, this._onAuth as EventListener);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener(ADMIN_CHANGED_EVENT, this._onChanged as EventListener);
    this.removeEventListener(ADMIN_AUTH_EVENT, this._onAuth as EventListener);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this._fleet.client = this.client;
    const me = this.client?.me;
    // An operator or viewer gets no forms and sends no requests; without a role (an older server), the API decides.
    if (me && me.role !== undefined && me.role !== 'admin') {
      this._forbidden ??= `Only admins of ${me.tenant} can manage its operators, device keys, trucks and transfers. You are logged in as ${me.username} (${me.role}).`;
    } else if (me && !this._loaded) {
      this._loaded = true;
      void this._load([...ALL_LISTS], true);
    }
  }

  protected override updated(): void {
    const tenant = this.client?.me.tenant ?? '';
    const title = `Admin ${tenant} · fleetwire`;
    if (document.title !== title) document.title = title;
  }

  protected override render() {
    const me = this.client?.me;
    return html`
      <header class="top">
        <div class="brand">
          <img src="/icons/icon.svg" alt="" width="22" height="22" />
          <span class="name">fleetwire</span>
        </div>
        <div class="who">
          <span class="tenant" title="Fleet">${me?.tenant ?? ''}</span>
          <span class="muted user">${me?.username ?? ''}</span>
        </div>
        <a href="/" class="button">← Fleet</a>
        <span class="spacer"></span>
        <button type="button" @click=${this._onLogout}>Log out</button>
      </header>
      ${this._error ? html`<p class="banner error" role="alert">${this._error}</p>` : nothing}
      <main>${this._forbidden ? this._renderForbidden(this._forbidden) : this._renderAdmin()}</main>
    `;
  }

  private _renderForbidden(message: string) {
    return html`<h1>Admin</h1>
      <div class="notice" role="alert" data-not-allowed>
        <p><strong>You are not allowed to use the admin page.</strong></p>
        <p>${message} Ask an admin of your fleet if you need a change.</p>
        <p><a href="/">Back to the fleet</a></p>
      </div>`;
  }

  private _renderAdmin() {
    const me = this.client?.me;
    return html`<div class="title">
        <h1>Admin <span class="muted">· ${me?.tenant ?? ''}</span></h1>
        <p class="muted lead">
          Who can log in, the keys devices report with, the trucks and their transfers. Every change here is in force at once and recorded
          in the audit log.
        </p>
        <nav aria-label="Admin sections">
          <ul>
            ${SECTIONS.map((s) => html`<li><a href="#${s.tag}" @click=${(e: Event) => this._onJump(e, s.tag)}>${s.label}</a></li>`)}
          </ul>
        </nav>
      </div>
      ${this._loadError
        ? html`<p class="banner error" role="alert">
            ${this._loadError} <button type="button" @click=${() => this._load([...ALL_LISTS], true)}>Try again</button>
          </p>`
        : nothing}
      <admin-operators id="admin-operators" .operators=${this._operators} me=${me?.username ?? ''}></admin-operators>
      <admin-device-keys id="admin-device-keys" .keys=${this._keys} .trucks=${this._trucks}></admin-device-keys>
      <admin-trucks id="admin-trucks" .trucks=${this._trucks}></admin-trucks>
      <admin-transfers id="admin-transfers" .transfers=${this._transfers}></admin-transfers>
      <admin-audit id="admin-audit" .entries=${this._audit}></admin-audit>`;
  }

  /** Reloads lists (and the audit log, which every change writes to). */
  private async _load(lists: readonly AdminList[], audit: boolean): Promise<void> {
    this._loadError = null;
    const loads: Promise<void>[] = lists.map((list) => this._loadOne(list));
    if (audit) loads.push(this._loadOne('audit'));
    await Promise.all(loads);
  }

  private async _loadOne(list: AdminList | 'audit'): Promise<void> {
    const generation = (this._generation.get(list) ?? 0) + 1;
    this._generation.set(list, generation);
    const current = () => this._generation.get(list) === generation;
    try {
      switch (list) {
        case 'operators': {
          const rows = await listOperators();
          if (current()) this._operators = rows;
          break;
        }
        case 'keys': {
          const rows = await listDeviceKeys();
          if (current()) this._keys = rows;
          break;
        }
        case 'trucks': {
          const rows = await listTrucks();
          if (current()) this._trucks = rows;
          break;
        }
        case 'transfers': {
          const rows = await listTransfers();
          if (current()) this._transfers = rows;
          break;
        }
        case 'audit': {
          const rows = await listAudit();
          if (current()) this._audit = rows;
          break;
        }
      }
    } catch (err) {
      if (!current()) return;
      if (err instanceof AdminApiError && (err.status === 401 || err.status === 403)) {
        this._onAuthError(err);
        return;
      }
      this._loadError = `Could not load the ${list === 'keys' ? 'device keys' : list === 'audit' ? 'audit log' : list}: ${(err as Error).message}`;
    }
  }

  private readonly _onChanged = (e: CustomEvent<AdminChanged>): void => {
    void this._load(e.detail.lists, true);
  };

  private readonly _onAuth = (e: CustomEvent<AdminApiError>): void => {
    this._onAuthError(e.detail);
  };

  private _onAuthError(err: AdminApiError): void {
    if (err.status === 401) {
      this.dispatchEvent(new Event(SESSION_EXPIRED_EVENT, { bubbles: true, composed: true }));
    } else {
      // The role was taken away since the page opened: the server's message says so.
      this._forbidden = err.message;
    }
  }

  /** In-page links: the sections live in shadow roots, out of reach of a URL's fragment. */
  private _onJump(e: Event, tag: string): void {
    e.preventDefault();
    const section = this.renderRoot.querySelector<LitElement>(`#${tag}`);
    if (!section) return;
    section.scrollIntoView({ block: 'start' });
    section.renderRoot.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
  }

  private async _onLogout(): Promise<void> {
    this._error = null;
    try {
      await this._fleet.logout();
    } catch (err) {
      this._error = `Could not log out: ${(err as Error).message}`;
    }
  }

  static override styles = [
    baseStyles,
    pageStyles,
    css`
      .brand {
        display: flex;
        align-items: center;
        gap: 6px;
        font-weight: 700;
        font-size: 15px;
      }
      .who {
        display: flex;
        align-items: baseline;
        gap: 6px;
      }
      .tenant {
        font-weight: 650;
        text-transform: uppercase;
        letter-spacing: 0.05em;
        font-size: 13px;
      }
      .user {
        font-size: 13px;
      }
      .spacer {
        flex: 1 1 auto;
      }
      main {
        max-width: 1200px;
        margin: 0 auto;
        padding: 16px 16px 64px;
        display: flex;
        flex-direction: column;
        gap: 16px;
      }
      h1 {
        margin: 0;
        font-size: 22px;
      }
      .lead {
        margin: 4px 0 10px;
        max-width: 80ch;
      }
      nav ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
      }
      nav a {
        display: inline-block;
        padding: 4px 10px;
        border: 1px solid var(--fw-border);
        border-radius: 999px;
        background: var(--fw-surface);
        text-decoration: none;
        font-size: 13px;
        font-weight: 600;
      }
      nav a:hover {
        background: var(--fw-surface-2);
      }
      /* Below the sticky header when jumped to. */
      main > [id] {
        scroll-margin-top: 64px;
      }
      .banner {
        margin: 0;
        padding: 8px 12px;
        border-radius: 6px;
        background: var(--fw-bad-bg);
      }
      header + .banner {
        border-radius: 0;
        padding: 6px 16px;
      }
      .notice {
        max-width: 640px;
        padding: 14px 16px;
        border: 1px solid var(--fw-border);
        border-left: 4px solid var(--fw-warn);
        border-radius: 8px;
        background: var(--fw-surface);
      }
      .notice p {
        margin: 0 0 8px;
      }
      .notice p:last-child {
        margin: 0;
      }
      @media (max-width: 560px) {
        .top {
          padding: 8px 10px;
          gap: 6px 10px;
        }
        main {
          padding: 10px 10px 48px;
        }
      }
    `,
  ];
}

customElements.define('admin-page', AdminPage);

declare global {
  interface HTMLElementTagNameMap {
    'admin-page': AdminPage;
  }
}
