/**
 * `<admin-device-keys>`: the keys devices report with. Issue one (label, optionally the truck it
 * names), shown once with a copy button; list them (never the key itself); revoke one after a
 * confirmation.
 */
import { LitElement, css, html, nothing } from 'lit';
import { issueDeviceKey, revokeDeviceKey, type DeviceKeyRow } from '../client/admin';
import type { TruckInfo } from '../shared/fleet';
import {
  adminStyles,
  changed,
  faultMessage,
  faultOf,
  focusFault,
  formatWhen,
  handedToPage,
  invalid,
  type FormFault,
  type FormField,
} from './admin-form';
import type { ConfirmDialog } from './confirm-dialog';
import './confirm-dialog';
import { baseStyles } from './shared-styles';

const ISSUE_FIELDS: readonly FormField[] = [
  { name: 'label', label: 'Label' },
  { name: 'truckId', label: 'Truck', aliases: ['truck'] },
];
const ROW_FIELDS: readonly FormField[] = [{ name: 'prefix', label: 'Key' }];

/** How long "Copied" stays beside the copy button, ms. */
const COPIED_MS = 4_000;

/** The device keys section of /admin. */
export class AdminDeviceKeys extends LitElement {
  static override properties = {
    keys: { attribute: false },
    trucks: { attribute: false },
    _fault: { state: true },
    _busy: { state: true },
    _issued: { state: true },
    _copied: { state: true },
    _rowFault: { state: true },
    _rowStatus: { state: true },
  };

  /** The tenant's keys, newest first; null while loading. */
  declare keys: DeviceKeyRow[] | null;
  /** The tenant's trucks, for the truck picker. */
  declare trucks: TruckInfo[] | null;
  declare _fault: FormFault | null;
  declare _busy: boolean;
  /** The key just issued, shown until the admin hides it; never stored anywhere else. */
  declare _issued: { key: string; prefix: string; label: string; truckId: string | null } | null;
  declare _copied: string;
  declare _rowFault: FormFault | null;
  declare _rowStatus: string;
  private _copiedTimer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    super();
    this.keys = null;
    this.trucks = null;
    this._fault = null;
    this._busy = false;
    this._issued = null;
    this._copied = '';
    this._rowFault = null;
    this._rowStatus = '';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    // The key must not outlive the page showing it.
    this._issued = null;
    if (this._copiedTimer !== null) clearTimeout(this._copiedTimer);
  }

  protected override render() {
    const f = this._fault;
    const trucks = this.trucks ?? [];
    return html`<section class="card" aria-labelledby="keys-h">
      <h2 id="keys-h" tabindex="-1">Device keys</h2>
      <p class="intro">
        A device (a tracker, a phone with Traccar Client) sends its positions with a key. A key bound to a truck may only report that
        truck, and is what OsmAnd-protocol devices need. Revoke a key when a device is lost or replaced.
      </p>

      <form class="inline" id="issue-key" aria-label="Issue a device key" @submit=${this._onIssue} novalidate>
        <div class="field grow">
          <label for="key-label">Label <span class="optional">(optional)</span></label>
          <input
            id="key-label"
            name="label"
            maxlength="200"
            placeholder="e.g. Tracker in cab, Jan’s phone"
            aria-invalid=${invalid(f, 'label')}
            aria-describedby="key-error"
          />
        </div>
        <div class="field">
          <label for="key-truck">Truck <span class="optional">(optional)</span></label>
          <select id="key-truck" name="truckId" aria-invalid=${invalid(f, 'truckId')} aria-describedby="key-error">
            <option value="">Any truck of the fleet</option>
            ${trucks.map((t) => html`<option value=${t.id}>${t.id} · ${t.name}</option>`)}
          </select>
        </div>
        <div class="submit">
          <button type="submit" class="primary" ?disabled=${this._busy}>Issue key</button>
        </div>
      </form>
      ${faultMessage('key-error', f)} ${this._renderIssued()} ${this._renderTable()}
      <confirm-dialog></confirm-dialog>
    </section>`;
  }

  private _renderIssued() {
    const k = this._issued;
    if (!k) return nothing;
    return html`<div class="issued" role="region" aria-labelledby="issued-h">
      <h3 id="issued-h">New device key${k.truckId ? html` for ${k.truckId}` : nothing}${k.label ? html` · ${k.label}` : nothing}</h3>
      <p class="warning" id="issued-warning">
        <strong>Copy this key now and put it into the device. You will not see it again:</strong> fleetwire keeps only a fingerprint of it.
        Treat it like a password.
      </p>
      <div class="key-row">
        <label for="issued-key" class="visually-hidden">Device key</label>
        <input id="issued-key" class="mono" readonly .value=${k.key} aria-describedby="issued-warning" @focus=${this._onKeyFocus} />
        <button type="button" class="primary" @click=${this._onCopy}>Copy key</button>
        <span class="copied" role="status">${this._copied}</span>
      </div>
      <p class="hint">
        ${k.truckId
          ? html`Traccar Client / OsmAnd: server URL <code>${location.origin}/api/osmand</code>, device identifier: this key.`
          : html`Devices send JSON to <code>${location.origin}/api/ingest</code> with the header
              <code>Authorization: Bearer</code> and this key.`}
      </p>
      <button type="button" @click=${this._onHide}>I have copied it: hide the key</button>
    </div>`;
  }

  private _renderTable() {
    const list = this.keys;
    if (list === null) return html`<p class="empty" role="status">Loading device keys…</p>`;
    if (list.length === 0) return html`<p class="empty">No device keys yet.</p>`;
    const names = new Map((this.trucks ?? []).map((t) => [t.id, t.name]));
    return html`<div class="table-wrap">
        <table>
          <caption class="visually-hidden">Device keys of this fleet</caption>
          <thead>
            <tr>
              <th scope="col">Key</th>
              <th scope="col">Label</th>
              <th scope="col">Truck</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            ${list.map(
              (k) => html`<tr data-prefix=${k.prefix} class=${k.revokedAt !== null ? 'inactive' : ''}>
                <th scope="row"><code>${k.prefix}…</code></th>
                <td>${k.label || html`<span class="muted">—</span>`}</td>
                <td>
                  ${k.truckId
                    ? html`<span title=${names.get(k.truckId) ?? ''}>${k.truckId}</span>`
                    : html`<span class="muted">any truck</span>`}
                </td>
                <td>${formatWhen(k.createdAt)} <span class="muted">by ${k.createdBy.replace(/^operator:/, '')}</span></td>
                <td>${k.lastUsedAt !== null ? formatWhen(k.lastUsedAt) : html`<span class="muted">never</span>`}</td>
                <td>
                  ${k.revokedAt !== null
                    ? html`<span class="chip tone-bad">Revoked ${formatWhen(k.revokedAt)}</span>`
                    : html`<span class="chip tone-ok">Active</span>`}
                </td>
                <td class="actions">
                  ${k.revokedAt === null
                    ? html`<button type="button" class="danger" @click=${() => this._onRevoke(k)}>
                        Revoke<span class="visually-hidden"> key ${k.prefix}</span>
                      </button>`
                    : nothing}
                </td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${faultMessage('key-row-error', this._rowFault)}
      <p class="status" role="status">${this._rowStatus}</p>`;
  }

  private async _onIssue(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const label = String(data.get('label') ?? '').trim();
    const truckId = String(data.get('truckId') ?? '');
    this._busy = true;
    this._fault = null;
    this._rowStatus = '';
    try {
      const issued = await issueDeviceKey({ ...(label ? { label } : {}), ...(truckId ? { truckId } : {}) });
      form.reset();
      this._issued = { ...issued, label, truckId: truckId || null };
      this._copied = '';
      changed(this, 'keys');
      await this.updateComplete;
      // The key is what the admin came for: put the focus on it (a screen reader reads its warning too).
      const input = this.renderRoot.querySelector<HTMLInputElement>('#issued-key');
      input?.focus();
      input?.scrollIntoView({ block: 'center' });
    } catch (err) {
      if (handedToPage(this, err)) return;
      this._fault = faultOf(err, ISSUE_FIELDS);
      await this.updateComplete;
      focusFault(this.renderRoot, '#issue-key', this._fault);
    } finally {
      this._busy = false;
    }
  }

  private _onKeyFocus(e: FocusEvent): void {
    (e.target as HTMLInputElement).select();
  }

  private async _onCopy(): Promise<void> {
    const key = this._issued?.key;
    if (!key) return;
    try {
      await navigator.clipboard.writeText(key);
      this._copied = 'Copied to the clipboard.';
    } catch {
      // No clipboard access (permission, an old browser): the key is selected for Ctrl+C instead.
      const input = this.renderRoot.querySelector<HTMLInputElement>('#issued-key');
      input?.focus();
      input?.select();
      this._copied = 'Selected: press Ctrl+C (⌘C on a Mac) to copy it.';
    }
    if (this._copiedTimer !== null) clearTimeout(this._copiedTimer);
    this._copiedTimer = setTimeout(() => (this._copied = ''), COPIED_MS);
  }

  private _onHide(): void {
    this._issued = null;
    this._copied = '';
    this.renderRoot.querySelector<HTMLElement>('#key-label')?.focus();
  }

  private async _onRevoke(k: DeviceKeyRow): Promise<void> {
    this._rowFault = null;
    this._rowStatus = '';
    const what = `${k.prefix}…${k.label ? ` (${k.label})` : ''}`;
    const ok = await this.renderRoot.querySelector<ConfirmDialog>('confirm-dialog')?.ask({
      title: `Revoke key ${what}?`,
      message: `Devices using this key are refused from now on${k.truckId ? `, and ${k.truckId} stops reporting until its device gets a new key` : ''}. This cannot be undone.`,
      confirm: 'Revoke key',
    });
    if (!ok) return;
    try {
      await revokeDeviceKey(k.prefix);
      this._rowStatus = `Revoked key ${what}.`;
      changed(this, 'keys');
      this.renderRoot.querySelector<HTMLElement>('#keys-h')?.focus();
    } catch (err) {
      if (handedToPage(this, err)) return;
      this._rowFault = faultOf(err, ROW_FIELDS);
    }
  }

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      .grow {
        flex: 1 1 220px;
        max-width: 360px;
      }
      #key-truck {
        max-width: 320px;
      }
      .issued {
        margin-top: 12px;
        padding: 12px 14px;
        border: 2px solid var(--fw-warn);
        background: var(--fw-warn-bg);
        border-radius: 8px;
      }
      .issued h3 {
        margin-top: 0;
      }
      .warning {
        margin: 0 0 8px;
      }
      .key-row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px;
      }
      #issued-key {
        flex: 1 1 320px;
        max-width: 460px;
        font-size: 14px;
        padding: 7px 9px;
      }
      .copied {
        font-size: 13px;
        font-weight: 600;
      }
      .issued .hint {
        margin: 8px 0;
        font-size: 13px;
        color: var(--fw-text);
      }
    `,
  ];
}

customElements.define('admin-device-keys', AdminDeviceKeys);

declare global {
  interface HTMLElementTagNameMap {
    'admin-device-keys': AdminDeviceKeys;
  }
}
