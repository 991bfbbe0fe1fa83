/** `<diagnostics-dialog>`: what support staff ask for, refreshed every second while open. */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import type { FleetClientApi } from '../client/api';
import type { Diagnostics } from '../shared/protocol';
import { FleetController } from './fleet-controller';
import { formatBytes, formatFull } from './format';
import { baseStyles } from './shared-styles';

/** Refresh period of the open dialog, ms: events/s and lag are per-second figures. */
const REFRESH_MS = 1000;

/** A modal dialog with the hub's view of itself; call `show()` to open it. */
export class DiagnosticsDialog extends LitElement {
  static override properties = {
    client: { attribute: false },
    _data: { state: true },
    _error: { state: true },
    _copied: { state: true },
  };

  declare client: FleetClientApi | null;
  declare _data: Diagnostics | null;
  declare _error: string | null;
  declare _copied: boolean;
  private readonly _fleet = new FleetController(this, { watch: false });
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _abort: AbortController | null = null;

  constructor() {
    super();
    this.client = null;
    this._data = null;
    this._error = null;
    this._copied = false;
  }

  /** Opens the dialog and starts refreshing. */
  show(): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (!dialog || dialog.open) return;
    dialog.showModal();
    this._copied = false;
    void this._refresh();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._stop();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client')) this._fleet.client = this.client;
  }

  protected override render() {
    const d = this._data;
    return html`<dialog aria-labelledby="title" @close=${this._onClose}>
      <header>
        <h2 id="title">Diagnostics</h2>
        <button type="button" @click=${this._onCloseClick}>Close</button>
      </header>
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : nothing}
      ${d
        ? html`<table>
            <caption class="visually-hidden">Hub and stream diagnostics</caption>
            <tbody>
              ${row('Tabs attached', String(d.tabs))}
              ${row('Hub', d.hubKind === 'shared-worker' ? 'Shared worker' : 'Leader tab')}
              ${row('Version', d.version)}
              ${row('Stream state', `${d.status.state} since ${formatFull(d.status.since)}`)}
              ${row('Last heard', d.status.lastHeardAt !== null ? formatFull(d.status.lastHeardAt) : 'never')}
              ${row('Epoch', d.epoch ?? '—')}
              ${row('Last event id', d.lastEventId ?? '—')}
              ${row('Events per second', d.eventsPerSec.toFixed(1))}
              ${row('Lag', d.lagMs !== null ? `${(d.lagMs / 1000).toFixed(1)} s` : '—')}
              ${row('Storage', d.status.storage === 'indexeddb' ? 'IndexedDB' : `Memory only${d.status.storageError ? ` (${d.status.storageError})` : ''}`)}
              ${row('Storage used', d.bytesStored !== null ? formatBytes(d.bytesStored) : 'unknown')}
              ${row('Events stored', d.eventsStored.toLocaleString())}
              ${row('Streams opened', String(d.streamsOpened))}
            </tbody>
          </table>`
        : this._error
          ? nothing
          : html`<p class="muted">Asking the hub…</p>`}
      <footer>
        <button type="button" @click=${this._onCopy} ?disabled=${!d}>Copy for support</button>
        <span class="muted" role="status">${this._copied ? 'Copied to the clipboard' : ''}</span>
      </footer>
    </dialog>`;
  }

  private async _refresh(): Promise<void> {
    this._timer = null;
    this._abort = new AbortController();
    try {
      this._data = await this._fleet.diagnostics({ signal: this._abort.signal });
      this._error = null;
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      this._error = `The hub did not answer: ${(err as Error).message}`;
    }
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog?.open) this._timer = setTimeout(() => void this._refresh(), REFRESH_MS);
  }

  private _stop(): void {
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
    this._abort?.abort();
    this._abort = null;
  }

  private _onClose(): void {
    this._stop();
  }

  private _onCloseClick(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  private async _onCopy(): Promise<void> {
    if (!this._data) return;
    try {
      await navigator.clipboard.writeText(JSON.stringify({ ...this._data, userAgent: navigator.userAgent }, null, 2));
      this._copied = true;
    } catch (err) {
      this._error = `Could not copy: ${(err as Error).message}`;
    }
  }

  static override styles = [
    baseStyles,
    css`
      dialog {
        border: 1px solid var(--fw-border);
        border-radius: var(--fw-radius);
        background: var(--fw-surface);
        color: var(--fw-text);
        padding: 14px 16px;
        width: min(560px, calc(100vw - 24px));
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.35);
      }
      header,
      footer {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 12px;
      }
      footer {
        justify-content: flex-start;
        margin-top: 12px;
      }
      h2 {
        margin: 0;
        font-size: 16px;
      }
      table {
        width: 100%;
        border-collapse: collapse;
        margin-top: 10px;
        font-size: 13px;
      }
      th {
        text-align: left;
        font-weight: normal;
        color: var(--fw-muted);
        padding: 4px 12px 4px 0;
        white-space: nowrap;
        vertical-align: top;
      }
      td {
        padding: 4px 0;
        font-family: var(--fw-mono);
        font-size: 12.5px;
        word-break: break-all;
      }
      tr + tr {
        border-top: 1px solid var(--fw-border);
      }
      .error {
        color: var(--fw-bad);
      }
    `,
  ];
}

function row(label: string, value: string) {
  return html`<tr>
    <th scope="row">${label}</th>
    <td>${value}</td>
  </tr>`;
}

customElements.define('diagnostics-dialog', DiagnosticsDialog);

declare global {
  interface HTMLElementTagNameMap {
    'diagnostics-dialog': DiagnosticsDialog;
  }
}
