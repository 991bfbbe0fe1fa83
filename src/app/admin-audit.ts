/** `<admin-audit>`: the tenant's recent admin actions, newest first, in words. */
import { LitElement, css, html, nothing } from 'lit';
import type { AuditEntry } from '../client/admin';
import { adminStyles, formatWhen } from './admin-form';
import { baseStyles } from './shared-styles';

/** Entries listed before "Show all" (the server sends the latest 200). */
const LIST_ROWS = 25;

/** What each action is called in the log. */
const ACTION_WORDS: Record<string, string> = {
  'tenant.add': 'Created the fleet',
  'operator.add': 'Added operator',
  'operator.update': 'Changed operator',
  'operator.remove': 'Removed operator',
  'device-key.issue': 'Issued device key',
  'device-key.revoke': 'Revoked device key',
  'truck.add': 'Added truck',
  'truck.update': 'Changed truck',
  'transfer.import': 'Imported transfers',
  'alert.ack': 'Acknowledged alert',
  'demo.seed': 'Loaded the demo data',
};

/** The details of an entry as a short phrase. */
function detailsOf(e: AuditEntry): string {
  const d = (typeof e.details === 'object' && e.details !== null ? e.details : {}) as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof d.role === 'string') parts.push(`role ${d.role}`);
  if (Array.isArray(d.changed)) parts.push(`changed ${d.changed.join(', ')}`);
  if (typeof d.name === 'string' && d.name) parts.push(`“${d.name}”`);
  if (typeof d.label === 'string' && d.label) parts.push(`“${d.label}”`);
  if (typeof d.truckId === 'string') parts.push(`truck ${d.truckId}`);
  if (Array.isArray(d.ids)) parts.push(d.ids.length <= 3 ? d.ids.join(', ') : `${d.ids.slice(0, 3).join(', ')}, …`);
  return parts.join(' · ');
}

/** The audit section of /admin. */
export class AdminAudit extends LitElement {
  static override properties = {
    entries: { attribute: false },
    _showAll: { state: true },
  };

  /** The latest entries, newest first; null while loading. */
  declare entries: AuditEntry[] | null;
  declare _showAll: boolean;

  constructor() {
    super();
    this.entries = null;
    this._showAll = false;
  }

  protected override render() {
    return html`<section class="card" aria-labelledby="audit-h">
      <h2 id="audit-h" tabindex="-1">Audit log</h2>
      <p class="intro">Every change made here or with the admin command, newest first.</p>
      ${this._renderList()}
    </section>`;
  }

  private _renderList() {
    const list = this.entries;
    if (list === null) return html`<p class="empty" role="status">Loading the audit log…</p>`;
    if (list.length === 0) return html`<p class="empty">Nothing has been changed yet.</p>`;
    const shown = this._showAll ? list : list.slice(0, LIST_ROWS);
    return html`<div class="table-wrap">
        <table>
          <caption class="visually-hidden">Recent admin actions</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            ${shown.map(
              (e) => html`<tr data-action=${e.action}>
                <td class="when">${formatWhen(e.at)}</td>
                <td>${e.actor.replace(/^operator:/, '')}</td>
                <td>${ACTION_WORDS[e.action] ?? e.action} <strong>${e.target}</strong></td>
                <td class="muted">${detailsOf(e)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${list.length > shown.length
        ? html`<p class="more">
            <span class="muted">Showing the ${shown.length} latest of ${list.length}.</span>
            <button type="button" @click=${() => (this._showAll = true)}>Show all ${list.length} entries</button>
          </p>`
        : nothing}`;
  }

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      .when {
        white-space: nowrap;
      }
    `,
  ];
}

customElements.define('admin-audit', AdminAudit);

declare global {
  interface HTMLElementTagNameMap {
    'admin-audit': AdminAudit;
  }
}
