/**
 * `<fleet-dashboard>`: the operator's home. A header with the tenant, the stream, alerts, units,
 * diagnostics and log out; the alert inbox; then every truck as a `<truck-panel>` in a grid that
 * reflows from one column to many, sorted and filtered.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { FleetClientApi } from '../client/api';
import type { Prefs } from '../shared/protocol';
import './alert-inbox';
import './alert-toasts';
import { ClockController } from './clock-controller';
import './diagnostics-dialog';
import type { DiagnosticsDialog } from './diagnostics-dialog';
import { FleetController } from './fleet-controller';
import './fleet-map';
import { PanelGrid } from './panel-grid';
import { baseStyles, pageStyles } from './shared-styles';
import './install-button';
import './notify-button';
import './stream-indicator';
import './truck-panel';
import { compareViews, matchesQuery, type SortKey, type TruckView } from './truck-view';
import './units-switch';

const SORT_KEYS: readonly SortKey[] = ['status', 'lateness', 'name'];

/** The fleet dashboard. */
export class FleetDashboard extends LitElement {
  static override properties = {
    client: { attribute: false },
    _sort: { state: true },
    _query: { state: true },
    _error: { state: true },
  };

  declare client: FleetClientApi | null;
  declare _sort: SortKey;
  declare _query: string;
  declare _error: string | null;
  private readonly _fleet = new FleetController(this, { inView: (truckId) => this._grid?.inView(truckId) ?? true });
  private readonly _clock = new ClockController(this);
  /** Every truck's view and the ones the filter shows, in sort order: computed once per update. */
  private _all: TruckView[] = [];
  private _shown: TruckView[] = [];
  private _grid: PanelGrid | null = null;
  /**
   * Truck ids in the order the grid shows them. It changes when the operator asks (a sort, a
   * filter, "Sort again"), never by itself: live data re-sorting the grid moves the panels under the
   * operator's eyes (and the pointer).
   */
  private _order: string[] | null = null;
  /** The sort and filter `_order` was made for. */
  private _orderFor = '';
  /** Shown trucks whose place differs from where the sort would put them now. */
  private _outOfOrder = 0;
  /** One function for every panel's acknowledge button: the same object on every update. */
  private readonly _ack = (alertId: string) => this._fleet.ackAlert(alertId);

  constructor() {
    super();
    this.client = null;
    const params = new URLSearchParams(location.search);
    const sort = params.get('sort') as SortKey | null;
    this._sort = sort && SORT_KEYS.includes(sort) ? sort : 'status';
    this._query = params.get('q') ?? '';
    this._error = null;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this._fleet.client = this.client;
    this._all = this._views();
    this._shown = this._keepOrder(this._all.filter((v) => matchesQuery(v, this._query)).sort((a, b) => compareViews(a, b, this._sort)));
  }

  /** `sorted` in the order the grid shows: trucks keep their places, trucks new to it go last. */
  private _keepOrder(sorted: TruckView[]): TruckView[] {
    const orderFor = `${this._sort}\n${this._query}`;
    if (this._order === null || this._orderFor !== orderFor) {
      this._order = sorted.map((v) => v.id);
      this._orderFor = orderFor;
      this._outOfOrder = 0;
      return sorted;
    }
    const rest = new Map(sorted.map((v) => [v.id, v]));
    const shown: TruckView[] = [];
    for (const id of this._order) {
      const v = rest.get(id);
      if (!v) continue;
      shown.push(v);
      rest.delete(id);
    }
    shown.push(...rest.values());
    this._order = shown.map((v) => v.id);
    this._outOfOrder = shown.filter((v, i) => v !== sorted[i]).length;
    return shown;
  }
  protected override updated(changed: PropertyValues<this>): void {
    this._grid ??= new PanelGrid(this.renderRoot.querySelector<HTMLElement>('.grid')!, (ids) => this._fleet.cameIntoView(ids));
    this._grid.update(this._shown, this._fleet.prefs, this._fleet.canAck ? this._ack : null);
    if (changed.has('_sort') || changed.has('_query')) this._saveQuery();
    const alerts = this._alertCount();
    const tenant = this._fleet.client?.me.tenant ?? '';
    const title = `${alerts.total ? `(${alerts.total}) ` : ''}Fleet ${tenant} · fleetwire`;
    // Assigning the same title still replaces the <title> text: a DOM change on every frame.
    if (document.title !== title) document.title = title;
  }

  private _views(): TruckView[] {
    const out: TruckView[] = [];
    for (const id of this._fleet.trucks.keys()) {
      const v = this._fleet.view(id, this._clock.tick);
      if (v) out.push(v);
    }
    return out;
  }

  private _alertCount(): { total: number; critical: number } {
    let total = 0;
    let critical = 0;
    for (const a of this._fleet.activeAlerts.values()) {
      if (a.state !== 'active') continue;
      total++;
      if (a.severity === 'critical') critical++;
    }
    return { total, critical };
  }

  protected override render() {
    const me = this._fleet.client?.me;
    const status = this._fleet.status;
    const all = this._all;
    const shown = this._shown;
    const alerts = this._alertCount();
    const prefs = this._fleet.prefs;
    return html`
      <header class="top">
        <div class="identity">
          <div class="brand">
            <img src="/icons/icon.svg" alt="" width="22" height="22" />
            <span class="name">fleetwire</span>
          </div>
          <div class="who">
            <span class="tenant" title="Fleet">${me?.tenant ?? ''}</span>
            <span class="muted user">${me?.username ?? ''}</span>
          </div>
          <stream-indicator .status=${status} .now=${this._clock.now}></stream-indicator>
        </div>
        <div class="controls">
          <button
            type="button"
            class="alerts ${alerts.critical ? 'critical' : alerts.total ? 'warning' : ''}"
            title="Sort by status: trucks with alerts first"
            @click=${this._onAlertsClick}
          >
            <span class="count num">${alerts.total}</span> active ${alerts.total === 1 ? 'alert' : 'alerts'}
          </button>
          <units-switch .prefs=${prefs} @prefs-change=${this._onPrefs}></units-switch>
          <notify-button></notify-button>
          <install-button></install-button>
          <button type="button" @click=${this._onDiagnostics}>Diagnostics</button>
          ${me?.role === 'admin' ? html`<a href="/admin" class="button">Admin</a>` : nothing}
          <button type="button" @click=${this._onLogout}>Log out</button>
        </div>
      </header>
      ${status?.state === 'offline'
        ? html`<p class="banner" role="note">
            Offline: showing the last known state of every truck. Each panel says when its truck was last heard from.
          </p>`
        : nothing}
      ${status?.storage === 'memory'
        ? html`<p class="banner" role="note">
            This browser is not keeping the fleet for offline use${status.storageError ? `: ${status.storageError}` : ''}.
          </p>`
        : nothing}
      ${this._error ? html`<p class="banner error" role="alert">${this._error}</p>` : nothing}
      <div class="toolbar" role="search">
        <div class="search">
          <label for="filter" class="visually-hidden">Filter trucks</label>
          <input
            id="filter"
            type="search"
            placeholder="Filter: truck, plate, driver, place, status…"
            .value=${this._query}
            @input=${this._onQuery}
          />
        </div>
        <div class="sort">
          <label for="sort">Sort by</label>
          <select id="sort" @change=${this._onSort} .value=${this._sort}>
            <option value="status" ?selected=${this._sort === 'status'}>Status (alerts first)</option>
            <option value="lateness" ?selected=${this._sort === 'lateness'}>Lateness</option>
            <option value="name" ?selected=${this._sort === 'name'}>Name</option>
          </select>
        </div>
        <span class="count muted" role="status">
          ${shown.length === all.length ? `${all.length} trucks` : `${shown.length} of ${all.length} trucks`}
        </span>
        <!-- Always laid out, shown only when needed: appearing must not move the page. -->
        <span class="resort ${this._outOfOrder ? '' : 'in-order'}">
          <span class="muted">Order changed</span>
          <button type="button" @click=${this._onResort}>Sort again</button>
        </span>
      </div>
      <main>
        <h1 class="visually-hidden">Fleet ${me?.tenant ?? ''}</h1>
        <alert-inbox class="inbox" .client=${this.client}></alert-inbox>
        ${!this._fleet.ready && all.length === 0
          ? html`<p class="empty muted">Loading the fleet…</p>`
          : all.length === 0
            ? html`<p class="empty muted">No trucks in this fleet yet.</p>`
            : shown.length === 0
              ? html`<p class="empty">
                  No truck matches “${this._query}”. <button type="button" @click=${this._onClearQuery}>Clear filter</button>
                </p>`
              : nothing}
        ${all.length ? html`<fleet-map .views=${shown} .prefs=${prefs}></fleet-map>` : nothing}
        <!-- Panels are placed by PanelGrid after each render. -->
        <div class="grid"></div>
      </main>
      <alert-toasts .client=${this.client}></alert-toasts>
      <diagnostics-dialog .client=${this.client}></diagnostics-dialog>
    `;
  }

  private _saveQuery(): void {
    const url = new URL(location.href);
    if (this._sort === 'status') url.searchParams.delete('sort');
    else url.searchParams.set('sort', this._sort);
    if (this._query) url.searchParams.set('q', this._query);
    else url.searchParams.delete('q');
    if (url.href !== location.href) history.replaceState(history.state, '', url);
  }

  private _onQuery(e: Event): void {
    this._query = (e.target as HTMLInputElement).value;
  }

  private _onClearQuery(): void {
    this._query = '';
    this.renderRoot.querySelector<HTMLInputElement>('input[type=search]')?.focus();
  }

  private _onSort(e: Event): void {
    this._sort = (e.target as HTMLSelectElement).value as SortKey;
  }

  private _onAlertsClick(): void {
    this._sort = 'status';
    this._query = '';
    this._onResort();
    window.scrollTo({ top: 0 });
  }

  private _onResort(): void {
    this._order = null;
    this.requestUpdate();
  }

  private _onPrefs(e: CustomEvent<Prefs>): void {
    this._fleet.setPrefs(e.detail);
  }

  private _onDiagnostics(): void {
    this.renderRoot.querySelector<DiagnosticsDialog>('diagnostics-dialog')?.show();
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
      /* The header's two groups, each one line whatever it holds, so that the stream's state
         changing or a button appearing (Install app) never rewraps the header and moves the page
         below it. A wide window has them side by side: who and the stream on the left (cut short
         if need be), the controls on the right. */
      .top {
        flex-wrap: nowrap;
      }
      .identity,
      .controls {
        display: flex;
        align-items: center;
        gap: 14px;
        white-space: nowrap;
      }
      .identity {
        flex: 1 1 auto;
        min-width: 0;
        overflow: hidden;
      }
      .controls {
        flex: none;
      }
      /* Narrower, where the controls do not fit beside: a row each, and the controls scroll
         sideways, without a scrollbar (one coming and going would change the row's height). */
      @media (max-width: 1199px) {
        .top {
          flex-wrap: wrap;
        }
        .identity,
        .controls {
          flex: 1 1 100%;
        }
        .controls {
          margin: -4px -16px;
          padding: 4px 16px;
          overflow-x: auto;
          scrollbar-width: none;
        }
      }
      .alerts .count {
        font-weight: 700;
      }
      .alerts.warning {
        border-color: var(--fw-warn);
        color: var(--fw-warn);
        background: var(--fw-warn-bg);
      }
      .alerts.critical {
        border-color: var(--fw-bad);
        color: var(--fw-bad);
        background: var(--fw-bad-bg);
      }
      .banner {
        margin: 0;
        padding: 6px 16px;
        background: var(--fw-warn-bg);
        color: var(--fw-text);
        border-bottom: 1px solid var(--fw-border);
        font-size: 13px;
      }
      .banner.error {
        background: var(--fw-bad-bg);
      }
      .toolbar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 16px;
        padding: 10px 16px 0;
      }
      .search {
        flex: 1 1 260px;
        max-width: 480px;
      }
      input[type='search'],
      select {
        font: inherit;
        font-size: 13px;
        color: var(--fw-text);
        background: var(--fw-surface);
        border: 1px solid var(--fw-border);
        border-radius: 6px;
        padding: 5px 8px;
      }
      input[type='search'] {
        width: 100%;
      }
      .sort {
        display: flex;
        align-items: center;
        gap: 6px;
        font-size: 13px;
      }
      .count {
        font-size: 13px;
      }
      .resort {
        display: flex;
        align-items: center;
        gap: 6px;
        font-size: 13px;
      }
      .resort.in-order {
        visibility: hidden;
      }
      main {
        padding: 10px 16px 96px;
      }
      .inbox {
        margin-bottom: 10px;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(min(100%, 310px), 1fr));
        gap: 10px;
        align-items: start;
      }
      /* A panel's update lays out and paints that panel alone, not the whole grid of a large fleet.
         (Not content-visibility: skipped panels would have no innerText for tools reading the page.) */
      .grid > truck-panel {
        contain: content;
      }
      .empty {
        padding: 24px 0;
      }
      @media (max-width: 560px) {
        .top {
          padding: 8px 10px;
          gap: 6px 10px;
        }
        .identity,
        .controls {
          gap: 10px;
        }
        .controls {
          margin: -4px -10px;
          padding: 4px 10px;
        }
        .toolbar {
          padding: 8px 10px 0;
        }
        main {
          padding: 8px 10px 96px;
        }
      }
    `,
  ];
}

customElements.define('fleet-dashboard', FleetDashboard);

declare global {
  interface HTMLElementTagNameMap {
    'fleet-dashboard': FleetDashboard;
  }
}
