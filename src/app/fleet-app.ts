/**
 * `<fleet-app>`: the root. Routes on location.pathname (`/login`, `/`, `/trucks/<id>`, `/admin`), checks
 * who is logged in, connects this tab to the fleet hub and goes back to /login when the session ends.
 * It carries the login view only: the hub client and the dashboard (logged-in.ts) are a chunk loaded
 * with import() when a route of the fleet opens or someone logs in.
 */
import { LitElement, css, html, type PropertyValues } from 'lit';
import type { FleetClientApi } from '../client/api';
import { alertNotifications } from '../client/notifications';
import { currentUser, forgetUser, rememberedUser } from '../client/session';
import { sameOperator, type Me } from '../shared/fleet';
import type { FleetController } from './fleet-controller';
import './login-view';
import { NAVIGATE_EVENT, isAppPath, navigate, parseRoute, safeNext, type Route } from './router';
import { baseStyles } from './shared-styles';

const LOGGED_OUT_MESSAGE = 'You have logged out.';
const EXPIRED_MESSAGE =
  'Your session has expired. Log in again to see live data; this device keeps the last known state until someone else logs in.';

/** What a logged-in tab runs: the hub client, FleetController and `<fleet-dashboard>` (logged-in.ts). */
type LoggedIn = typeof import('./logged-in');
let loggedIn: Promise<LoggedIn> | null = null;
/** Loads the logged-in part once; after a failure (offline before the service worker had it) the next call tries again. */
function loadLoggedIn(): Promise<LoggedIn> {
  loggedIn ??= import('./logged-in').catch((error: unknown) => {
    loggedIn = null;
    throw error;
  });
  return loggedIn;
}
/** Starts loading the logged-in part ahead of need; whoever needs it then reports a failure. */
function preloadLoggedIn(): void {
  loadLoggedIn().catch(() => {
    // Reported by the view that needs it (a visitor sent to /login never does).
  });
}

/** The application shell. */
export class FleetApp extends LitElement {
  static override properties = {
    _route: { state: true },
    _me: { state: true },
    _checking: { state: true },
    _client: { state: true },
    _message: { state: true },
    _fatal: { state: true },
    _truckPageLoaded: { state: true },
    _adminPageLoaded: { state: true },
  };

  declare _route: Route;
  declare _me: Me | null;
  declare _checking: boolean;
  declare _client: FleetClientApi | null;
  declare _message: string;
  declare _fatal: string | null;
  declare _truckPageLoaded: boolean;
  declare _adminPageLoaded: boolean;
  /** The logged-in part, once loaded. */
  private _loggedIn: LoggedIn | null = null;
  private _loadingLoggedIn = false;
  /** Hears the end of the session (the views below do their own rendering); made with the logged-in part. */
  private _fleet: FleetController | null = null;

  constructor() {
    super();
    this._route = parseRoute(location.pathname);
    this._me = null;
    this._checking = true;
    this._client = null;
    this._message = '';
    this._fatal = null;
    this._truckPageLoaded = false;
    this._adminPageLoaded = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    addEventListener('popstate', this._onLocation);
    addEventListener(NAVIGATE_EVENT, this._onLocation);
    this.addEventListener('click', this._onClick);
    void this._start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    removeEventListener('popstate', this._onLocation);
    removeEventListener(NAVIGATE_EVENT, this._onLocation);
    this.removeEventListener('click', this._onClick);
    this._disconnectFleet();
  }

  private async _start(): Promise<void> {
    const route = parseRoute(location.pathname);
    // The fleet's routes need the logged-in part: it loads beside the session check.
    if (route.name !== 'login' && route.name !== 'not-found') preloadLoggedIn();
    try {
      // On /login the server is asked only when this browser remembers an operator (kept at each
      // login, dropped at logout): a first visit is nobody's, and the 401 that answers it would show
      // in the console as a failed resource. A session whose operator is remembered still goes on.
      const user = route.name === 'login' && !rememberedUser() ? null : await currentUser();
      this._me = user?.me ?? null;
    } catch (err) {
      this._fatal = `fleetwire could not start: ${(err as Error).message}`;
    } finally {
      this._checking = false;
    }
    this._applyRoute();
  }

  /** Makes what is shown match the URL and who is logged in. */
  private _applyRoute(): void {
    const route = parseRoute(location.pathname);
    this._route = route;
    if (this._checking) return;
    if (route.name === 'login') {
      if (this._me && !this._message) navigate(safeNext(new URLSearchParams(location.search).get('next')), { replace: true });
      return;
    }
    if (route.name === 'not-found') return;
    if (!this._me) {
      const here = location.pathname + location.search;
      navigate(here === '/' ? '/login' : `/login?next=${encodeURIComponent(here)}`, { replace: true });
      return;
    }
    if (route.name === 'truck' && !this._truckPageLoaded) {
      import('./truck-page').then(
        () => (this._truckPageLoaded = true),
        (err: unknown) => (this._fatal = `The truck page could not load: ${(err as Error).message}. Reload to try again.`),
      );
    }
    if (route.name === 'admin' && !this._adminPageLoaded) {
      import('./admin-page').then(
        () => (this._adminPageLoaded = true),
        (err: unknown) => (this._fatal = `The admin page could not load: ${(err as Error).message}. Reload to try again.`),
      );
    }
    if (!this._loggedIn) {
      // Applied again once the logged-in part is here.
      this._loadLoggedIn();
      return;
    }
    // The admin page shows no truck: its tab still hears the session end, but takes no fleet state.
    const trucks = route.name === 'truck' ? [route.truckId] : route.name === 'admin' ? [] : null;
    if (!this._client) {
      this._client = this._loggedIn.connectFleet(this._me, { trucks });
    } else {
      this._client.subscribe(trucks);
    }
  }

  private _loadLoggedIn(): void {
    if (this._loadingLoggedIn) return;
    this._loadingLoggedIn = true;
    loadLoggedIn()
      .then(
        (part) => {
          this._loggedIn = part;
          this._fleet = new part.FleetController(this, { watch: false, onLoggedOut: (reason) => this._onLoggedOut(reason) });
          this._applyRoute();
        },
        (err: unknown) => (this._fatal = `fleetwire could not load the fleet: ${(err as Error).message}. Reload to try again.`),
      )
      .finally(() => (this._loadingLoggedIn = false));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('_client') && this._fleet) this._fleet.client = this._client;
  }

  protected override render() {
    if (this._fatal) return html`<p class="fatal" role="alert">${this._fatal}</p>`;
    if (this._checking) return html`<p class="loading muted" role="status">Loading fleetwire…</p>`;
    const route = this._route;
    switch (route.name) {
      case 'login':
        return html`<login-view .message=${this._message} @logging-in=${this._onLoggingIn} @logged-in=${this._onLoggedIn}></login-view>`;
      case 'dashboard':
        return this._client ? html`<fleet-dashboard .client=${this._client}></fleet-dashboard>` : html``;
      case 'truck':
        return this._client && this._truckPageLoaded
          ? html`<truck-page .client=${this._client} truck-id=${route.truckId}></truck-page>`
          : html`<p class="loading muted" role="status">Loading ${route.truckId}…</p>`;
      case 'admin':
        return this._client && this._adminPageLoaded
          ? html`<admin-page .client=${this._client} @session-expired=${this._onSessionExpired}></admin-page>`
          : html`<p class="loading muted" role="status">Loading the admin page…</p>`;
      case 'not-found':
        return html`<main class="not-found">
          <h1>Page not found</h1>
          <p>fleetwire has no page at <code>${route.path}</code>.</p>
          <p><a href="/">Go to the fleet</a></p>
        </main>`;
    }
  }

  private _disconnectFleet(): void {
    this._client?.close();
    this._client = null;
  }

  /** The form was sent: the dashboard's code loads while the server checks the password. */
  private _onLoggingIn(): void {
    preloadLoggedIn();
  }

  private _onLoggedIn(e: CustomEvent<Me>): void {
    const me = e.detail;
    if (this._me && !sameOperator(this._me, me)) this._disconnectFleet();
    this._me = me;
    this._message = '';
    navigate(safeNext(new URLSearchParams(location.search).get('next')), { replace: true });
  }

  private _onLoggedOut(reason: 'logout' | 'expired'): void {
    this._disconnectFleet();
    // Alert notifications go with the session (also when the admin page found it expired first).
    void alertNotifications.closeAll();
    this._me = null;
    if (reason === 'logout') forgetUser();
    this._message = reason === 'logout' ? LOGGED_OUT_MESSAGE : EXPIRED_MESSAGE;
    const here = location.pathname + location.search;
    const next = reason === 'expired' && here !== '/' && isAppPath(location.pathname) ? `?next=${encodeURIComponent(here)}` : '';
    navigate(`/login${next}`);
  }

  private _onSessionExpired(): void {
    this._onLoggedOut('expired');
  }

  private readonly _onLocation = (): void => {
    this._applyRoute();
  };

  /** Keeps clicks on links to app routes inside the page (pushState), like any single-page app. */
  private readonly _onClick = (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const anchor = e.composedPath().find((n): n is HTMLAnchorElement => n instanceof HTMLAnchorElement);
    if (!anchor || anchor.target || anchor.hasAttribute('download') || anchor.origin !== location.origin) return;
    if (!isAppPath(anchor.pathname)) return;
    e.preventDefault();
    if (anchor.pathname + anchor.search !== location.pathname + location.search) navigate(anchor.pathname + anchor.search);
  };

  static override styles = [
    baseStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
      }
      .loading,
      .fatal {
        margin: 0;
        padding: 24px;
      }
      .fatal {
        color: var(--fw-bad);
        font-weight: 600;
      }
      .not-found {
        padding: 24px;
      }
    `,
  ];
}

customElements.define('fleet-app', FleetApp);

declare global {
  interface HTMLElementTagNameMap {
    'fleet-app': FleetApp;
  }
}
