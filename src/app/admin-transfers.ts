/**
 * `<admin-transfers>`: the tenant's transfers (plans). Choosing a CSV or JSON file checks it on the
 * server without storing anything (`?dryRun=1`) and lists every row's problems; the import button
 * is enabled only for a file without any. Below, the transfers already imported.
 */
import { LitElement, css, html, nothing } from 'lit';
import { AdminApiError, importTransfers, previewTransfers, type TransferFileFormat, type TransferProblem, type TransferRow } from '../client/admin';
import { adminStyles, changed, faultMessage, faultOf, formatWhen, handedToPage, type FormFault, type FormField } from './admin-form';
import { formatBytes } from './format';
import { baseStyles } from './shared-styles';

const FILE_FIELD: FormField = { name: 'file', label: 'Transfer file' };
/** Transfers listed before "Show all": a screenful, newest departure first. */
const LIST_ROWS = 50;
/** The CSV columns, as the server reads them (server/transfer-file.ts). */
const CSV_HEADER =
  'id,truckId,originName,originLat,originLon,destinationName,destinationLat,destinationLon,plannedDeparture,plannedArrival,cargo,reeferSetpointC';
const CSV_EXAMPLE = 'T-1001,acme-01,Rotterdam,51.9244,4.4777,Munich,48.1351,11.582,2030-03-01T06:00:00Z,2030-03-01T18:30:00Z,Chilled food,4';
const TEMPLATE_URL = `data:text/csv;charset=utf-8,${encodeURIComponent(`${CSV_HEADER}\n${CSV_EXAMPLE}\n`)}`;

/** A file checked by the server, waiting for the admin's go. */
interface Preview {
  name: string;
  size: number;
  format: TransferFileFormat;
  text: string;
  transfers: number;
  problems: TransferProblem[];
}

/** The format of a chosen file, from its name and type; null when it is neither CSV nor JSON. */
function formatOf(file: File): TransferFileFormat | null {
  const name = file.name.toLowerCase();
  if (name.endsWith('.csv') || file.type === 'text/csv') return 'csv';
  if (name.endsWith('.json') || file.type === 'application/json') return 'json';
  return null;
}

/** The transfers section of /admin. */
export class AdminTransfers extends LitElement {
  static override properties = {
    transfers: { attribute: false },
    _preview: { state: true },
    _checking: { state: true },
    _importing: { state: true },
    _fault: { state: true },
    _status: { state: true },
    _showAll: { state: true },
  };

  /** The tenant's transfers; null while loading. */
  declare transfers: TransferRow[] | null;
  declare _preview: Preview | null;
  declare _checking: boolean;
  declare _importing: boolean;
  declare _fault: FormFault | null;
  declare _status: string;
  declare _showAll: boolean;
  private _abort: AbortController | null = null;

  constructor() {
    super();
    this.transfers = null;
    this._preview = null;
    this._checking = false;
    this._importing = false;
    this._fault = null;
    this._status = '';
    this._showAll = false;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this._abort?.abort();
  }

  protected override render() {
    const p = this._preview;
    const ready = !!p && p.problems.length === 0 && p.transfers > 0;
    return html`<section class="card" aria-labelledby="transfers-h">
      <h2 id="transfers-h" tabindex="-1">Transfers</h2>
      <p class="intro">
        Plans for the trucks: origin, destination and planned times, which the dashboard uses for progress and ETA. Import them from a
        CSV or JSON file; fleetwire checks the whole file first and imports it only when every row is right (a transfer with an id
        that exists already is replaced).
      </p>

      <div class="inline upload">
        <div class="field">
          <label for="transfer-file">Transfer file (CSV or JSON)</label>
          <input
            id="transfer-file"
            name="file"
            type="file"
            accept=".csv,.json,text/csv,application/json"
            aria-invalid=${this._fault?.field ? 'true' : 'false'}
            aria-describedby="transfer-file-hint transfer-error"
            @change=${this._onFile}
          />
          <span class="hint" id="transfer-file-hint">Nothing is imported until you press Import.</span>
        </div>
        <div class="submit">
          <button type="button" class="primary" id="import" ?disabled=${!ready || this._importing} @click=${this._onImport}>
            ${this._importing ? 'Importing…' : ready ? `Import ${p.transfers} transfer${p.transfers === 1 ? '' : 's'}` : 'Import'}
          </button>
        </div>
        <details>
          <summary>What a transfer file holds</summary>
          <p>
            <strong>CSV:</strong> a header line, then one transfer per line, with the columns <code>${CSV_HEADER.replaceAll(',', ', ')}</code>.
            <code>id</code>, <code>cargo</code> and <code>reeferSetpointC</code> may be empty. Times are ISO 8601 with a zone, e.g.
            <code>2030-03-01T06:00:00Z</code>. <a href=${TEMPLATE_URL} download="transfers-template.csv">Download a CSV template</a>.
          </p>
          <p>
            <strong>JSON:</strong> an array of
            <code>{"truckId", "origin": {"name", "lat", "lon"}, "destination": {…}, "plannedDeparture", "plannedArrival"}</code>, with
            <code>id</code>, <code>waypoints</code>, <code>cargo</code> and <code>reeferSetpointC</code> optional.
          </p>
        </details>
      </div>
      ${faultMessage('transfer-error', this._fault)}
      <p class="status" role="status">${this._checking ? 'Checking the file…' : this._status}</p>
      ${p ? this._renderPreview(p) : nothing}

      <h3 id="imported-h">Imported transfers</h3>
      ${this._renderList()}
    </section>`;
  }

  private _renderPreview(p: Preview) {
    const rows = new Set(p.problems.map((x) => x.row)).size;
    return html`<div class="preview ${p.problems.length ? 'bad' : 'good'}" role="region" aria-labelledby="preview-h" data-problems=${p.problems.length}>
      <h3 id="preview-h">Preview of ${p.name} <span class="muted">(${p.format.toUpperCase()}, ${formatBytes(p.size)})</span></h3>
      ${p.problems.length === 0
        ? html`<p class="verdict">
            ${p.transfers > 0
              ? html`<strong>${p.transfers} transfer${p.transfers === 1 ? '' : 's'} ready to import.</strong> No problems found; press Import to
                  store them.`
              : html`<strong>The file holds no transfers.</strong>`}
          </p>`
        : html`<p class="verdict">
              <strong>${p.problems.length} problem${p.problems.length === 1 ? '' : 's'}${rows > 1 ? ` in ${rows} rows` : ''}: nothing can be imported
                yet.</strong>
              Fix the file and choose it again.
            </p>
            <div class="table-wrap">
              <table class="problems">
                <caption class="visually-hidden">Problems in ${p.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Row</th>
                    <th scope="col">Field</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  ${p.problems.map(
                    (x) => html`<tr data-row=${x.row}>
                      <td class="num">${x.row === 0 ? (x.field === 'file' ? 'File' : 'Header') : x.row}</td>
                      <td><code>${x.field}</code></td>
                      <td>${x.message}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </div>
            <p class="hint">Rows count the transfers from 1${p.format === 'csv' ? ', after the header line' : ' in the array'}.</p>`}
    </div>`;
  }

  private _renderList() {
    const list = this.transfers;
    if (list === null) return html`<p class="empty" role="status">Loading transfers…</p>`;
    if (list.length === 0) return html`<p class="empty">No transfers yet: import a file above.</p>`;
    const sorted = [...list].sort((a, b) => b.plannedDeparture - a.plannedDeparture);
    const shown = this._showAll ? sorted : sorted.slice(0, LIST_ROWS);
    return html`<div class="table-wrap">
        <table aria-labelledby="imported-h">
          <thead>
            <tr>
              <th scope="col">Transfer</th>
              <th scope="col">Truck</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Planned departure</th>
              <th scope="col">Planned arrival</th>
              <th scope="col">Cargo</th>
            </tr>
          </thead>
          <tbody>
            ${shown.map(
              (t) => html`<tr data-transfer-id=${t.id}>
                <th scope="row"><code>${t.id}</code></th>
                <td><code>${t.truckId}</code></td>
                <td>${t.origin.name}</td>
                <td>${t.destination.name}</td>
                <td>${formatWhen(t.plannedDeparture)}</td>
                <td>${formatWhen(t.plannedArrival)}</td>
                <td>
                  ${t.cargo || html`<span class="muted">—</span>`}${t.reeferSetpointC != null
                    ? html` <span class="chip plain tone-info">${t.reeferSetpointC} °C</span>`
                    : nothing}
                </td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${sorted.length > shown.length
        ? html`<p class="more">
            <span class="muted">Showing the ${shown.length} latest of ${sorted.length}.</span>
            <button type="button" @click=${() => (this._showAll = true)}>Show all ${sorted.length} transfers</button>
          </p>`
        : nothing}`;
  }

  private async _onFile(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    this._abort?.abort();
    this._preview = null;
    this._fault = null;
    this._status = '';
    if (!file) return;
    const format = formatOf(file);
    if (!format) {
      this._fault = { field: FILE_FIELD, message: `“${file.name}” is neither CSV nor JSON: choose a .csv or .json file.` };
      return;
    }
    const abort = new AbortController();
    this._abort = abort;
    this._checking = true;
    try {
      const text = await file.text();
      const result = await previewTransfers(text, format, abort.signal);
      if (abort.signal.aborted) return;
      this._preview = { name: file.name, size: file.size, format, text, transfers: result.transfers, problems: result.problems };
    } catch (err) {
      if ((err as Error).name === 'AbortError' || handedToPage(this, err)) return;
      this._fault = { ...faultOf(err, [FILE_FIELD]), field: FILE_FIELD };
    } finally {
      if (this._abort === abort) {
        this._checking = false;
        this._abort = null;
      }
    }
  }

  private async _onImport(): Promise<void> {
    const p = this._preview;
    if (!p || p.problems.length > 0) return;
    this._importing = true;
    this._fault = null;
    try {
      const { imported } = await importTransfers(p.text, p.format);
      this._preview = null;
      const input = this.renderRoot.querySelector<HTMLInputElement>('#transfer-file');
      if (input) {
        input.value = '';
        input.focus();
      }
      this._status = `Imported ${imported} transfer${imported === 1 ? '' : 's'} from ${p.name}.`;
      changed(this, 'transfers', 'trucks');
    } catch (err) {
      if (handedToPage(this, err)) return;
      // The fleet changed since the preview (a truck was removed elsewhere): show the new problems.
      if (err instanceof AdminApiError && err.problems.length > 0) this._preview = { ...p, problems: err.problems };
      else this._fault = { ...faultOf(err, [FILE_FIELD]), field: FILE_FIELD };
    } finally {
      this._importing = false;
    }
  }

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      .upload {
        display: flex;
        flex-wrap: wrap;
        align-items: flex-start;
        gap: 10px 16px;
        padding: 12px;
        background: var(--fw-surface-2);
        border: 1px solid var(--fw-border);
        border-radius: 6px;
      }
      details {
        flex: 1 1 100%;
        font-size: 13px;
      }
      summary {
        cursor: pointer;
        color: var(--fw-accent);
        width: max-content;
      }
      details p {
        margin: 6px 0 0;
        max-width: 90ch;
      }
      .preview {
        margin-top: 12px;
        padding: 10px 14px 12px;
        border-radius: 8px;
        border: 2px solid var(--fw-border);
      }
      .preview.good {
        border-color: var(--fw-ok);
        background: var(--fw-ok-bg);
      }
      .preview.bad {
        border-color: var(--fw-bad);
        background: var(--fw-bad-bg);
      }
      .preview h3 {
        margin-top: 0;
      }
      .verdict {
        margin: 0;
      }
      .problems {
        background: var(--fw-surface);
      }
      .problems td:first-child {
        width: 4em;
      }
      .preview .hint {
        display: block;
        margin: 6px 0 0;
      }
      h3#imported-h {
        margin-top: 20px;
      }
    `,
  ];
}

customElements.define('admin-transfers', AdminTransfers);

declare global {
  interface HTMLElementTagNameMap {
    'admin-transfers': AdminTransfers;
  }
}
