/**
 * `<admin-operators>`: who can log in to the tenant's fleet. Add an operator (username, password,
 * role), change a role, reset a password, remove one (after a confirmation).
 */
import { LitElement, css, html, nothing } from 'lit';
import { ROLES, addOperator, removeOperator, updateOperator, type OperatorRow, type Role } from '../client/admin';
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

/** What each role may do, in the words the role picker shows. */
export const ROLE_WORDS: Record<Role, string> = {
  viewer: 'Viewer: watches the fleet',
  operator: 'Operator: watches, acknowledges alerts',
  admin: 'Admin: also manages operators, keys, trucks, transfers',
};

const ADD_FIELDS: readonly FormField[] = [
  { name: 'username', label: 'Username' },
  { name: 'password', label: 'Password' },
  { name: 'role', label: 'Role' },
];
const RESET_FIELDS: readonly FormField[] = [{ name: 'password', label: 'New password' }];
const ROW_FIELDS: readonly FormField[] = [{ name: 'role', label: 'Role' }];

/** The operators section of /admin. */
export class AdminOperators extends LitElement {
  static override properties = {
    operators: { attribute: false },
    me: { type: String },
    _addFault: { state: true },
    _addStatus: { state: true },
    _busy: { state: true },
    _rowFault: { state: true },
    _rowStatus: { state: true },
    _resetFor: { state: true },
    _resetFault: { state: true },
    _roleDraft: { state: true },
  };

  /** The tenant's operators; null while loading. */
  declare operators: OperatorRow[] | null;
  /** The admin using the page: they cannot remove themselves or give up their own admin role. */
  declare me: string;
  declare _addFault: FormFault | null;
  declare _addStatus: string;
  declare _busy: boolean;
  /** A refusal about one operator's row (role change, removal). */
  declare _rowFault: { username: string; fault: FormFault } | null;
  declare _rowStatus: string;
  declare _resetFor: string | null;
  declare _resetFault: FormFault | null;
  /** Roles picked in the table but not saved yet, by username. */
  declare _roleDraft: ReadonlyMap<string, Role>;

  constructor() {
    super();
    this.operators = null;
    this.me = '';
    this._addFault = null;
    this._addStatus = '';
    this._busy = false;
    this._rowFault = null;
    this._rowStatus = '';
    this._resetFor = null;
    this._resetFault = null;
    this._roleDraft = new Map();
  }

  protected override render() {
    const f = this._addFault;
    return html`<section class="card" aria-labelledby="operators-h">
      <h2 id="operators-h" tabindex="-1">Operators</h2>
      <p class="intro">Who can log in to this fleet, and what they may do. Usernames are unique across the whole fleetwire deployment.</p>

      <form class="inline" id="add-operator" aria-label="Add an operator" @submit=${this._onAdd} novalidate>
        <div class="field">
          <label for="op-username">Username</label>
          <input
            id="op-username"
            name="username"
            autocomplete="off"
            autocapitalize="none"
            spellcheck="false"
            required
            aria-invalid=${invalid(f, 'username')}
            aria-describedby="op-add-error"
          />
        </div>
        <div class="field">
          <label for="op-password">Password</label>
          <input
            id="op-password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            aria-invalid=${invalid(f, 'password')}
            aria-describedby="op-password-hint op-add-error"
          />
          <span class="hint" id="op-password-hint">At least 8 characters.</span>
        </div>
        <div class="field">
          <label for="op-role">Role</label>
          <select id="op-role" name="role" aria-invalid=${invalid(f, 'role')} aria-describedby="op-add-error">
            ${ROLES.map((r) => html`<option value=${r} ?selected=${r === 'operator'}>${ROLE_WORDS[r]}</option>`)}
          </select>
        </div>
        <div class="submit">
          <button type="submit" class="primary" ?disabled=${this._busy}>Add operator</button>
        </div>
      </form>
      ${faultMessage('op-add-error', f)}
      <p class="status" role="status">${this._addStatus}</p>

      ${this._renderTable()} ${this._renderResetDialog()}
      <confirm-dialog></confirm-dialog>
    </section>`;
  }

  private _renderTable() {
    const list = this.operators;
    if (list === null) return html`<p class="empty" role="status">Loading operators…</p>`;
    if (list.length === 0) return html`<p class="empty">No operators yet.</p>`;
    const rowFault = this._rowFault;
    return html`<div class="table-wrap">
        <table>
          <caption class="visually-hidden">Operators of this fleet</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Role</th>
              <th scope="col">Added</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            ${list.map((op) => {
              const self = op.username === this.me;
              const draft = this._roleDraft.get(op.username) ?? op.role;
              const id = `role-${cssId(op.username)}`;
              return html`<tr data-username=${op.username}>
                <th scope="row">${op.username}${self ? html` <span class="muted">(you)</span>` : nothing}</th>
                <td>
                  <label for=${id} class="visually-hidden">Role of ${op.username}</label>
                  <select
                    id=${id}
                    name="role"
                    .value=${draft}
                    ?disabled=${self}
                    title=${self ? 'Another admin must change your role' : ''}
                    aria-invalid=${rowFault?.username === op.username ? invalid(rowFault.fault, 'role') : 'false'}
                    @change=${(e: Event) => this._onRolePick(op, (e.target as HTMLSelectElement).value as Role)}
                  >
                    ${ROLES.map((r) => html`<option value=${r} ?selected=${r === draft}>${r}</option>`)}
                  </select>
                  ${draft !== op.role
                    ? html`<button type="button" class="primary" @click=${() => this._onSaveRole(op, draft)}>
                        Save role<span class="visually-hidden"> of ${op.username}</span>
                      </button>`
                    : nothing}
                </td>
                <td>${formatWhen(op.createdAt)}</td>
                <td class="actions">
                  <button type="button" @click=${() => this._onOpenReset(op.username)}>
                    Reset password<span class="visually-hidden"> of ${op.username}</span>
                  </button>
                  <button
                    type="button"
                    class="danger"
                    ?disabled=${self}
                    title=${self ? 'You cannot remove yourself' : ''}
                    @click=${() => this._onRemove(op.username)}
                  >
                    Remove<span class="visually-hidden"> ${op.username}</span>
                  </button>
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
      ${faultMessage('op-row-error', rowFault?.fault ?? null)}
      <p class="status" role="status">${this._rowStatus}</p>`;
  }

  private _renderResetDialog() {
    const who = this._resetFor ?? '';
    const f = this._resetFault;
    return html`<dialog id="reset-dialog" aria-labelledby="reset-h" @close=${this._onResetClosed}>
      <h2 id="reset-h">Reset the password of ${who}</h2>
      <form id="reset-form" @submit=${this._onReset} novalidate>
        <p class="hint">${who} logs in with this password from now on; their other sessions stay logged in.</p>
        <label for="reset-password">New password</label>
        <input
          id="reset-password"
          name="password"
          type="password"
          autocomplete="new-password"
          required
          aria-invalid=${invalid(f, 'password')}
          aria-describedby="reset-hint reset-error"
        />
        <span class="hint" id="reset-hint">At least 8 characters.</span>
        ${faultMessage('reset-error', f)}
        <footer>
          <button type="button" @click=${this._onResetCancel}>Cancel</button>
          <button type="submit" class="primary" ?disabled=${this._busy}>Set password</button>
        </footer>
      </form>
    </dialog>`;
  }

  private async _onAdd(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const username = String(data.get('username') ?? '').trim();
    const password = String(data.get('password') ?? '');
    const role = String(data.get('role') ?? 'operator') as Role;
    this._addStatus = '';
    if (!username || !password) {
      const field = ADD_FIELDS[username ? 1 : 0] as FormField;
      this._addFault = { field, message: username ? 'Enter a password for the new operator.' : 'Enter a username.' };
      await this.updateComplete;
      focusFault(this.renderRoot, '#add-operator', this._addFault);
      return;
    }
    this._busy = true;
    this._addFault = null;
    try {
      await addOperator({ username, password, role });
      form.reset();
      this._addStatus = `Added ${username} as ${role}. They can log in now.`;
      changed(this, 'operators');
    } catch (err) {
      if (handedToPage(this, err)) return;
      this._addFault = faultOf(err, ADD_FIELDS, 'username');
      await this.updateComplete;
      focusFault(this.renderRoot, '#add-operator', this._addFault);
    } finally {
      this._busy = false;
    }
  }

  private _onRolePick(op: OperatorRow, role: Role): void {
    const drafts = new Map(this._roleDraft);
    if (role === op.role) drafts.delete(op.username);
    else drafts.set(op.username, role);
    this._roleDraft = drafts;
  }

  private async _onSaveRole(op: OperatorRow, role: Role): Promise<void> {
    this._rowFault = null;
    this._rowStatus = '';
    try {
      await updateOperator(op.username, { role });
      const drafts = new Map(this._roleDraft);
      drafts.delete(op.username);
      this._roleDraft = drafts;
      this._rowStatus = `${op.username} is now ${role}.`;
      changed(this, 'operators');
      // The Save button goes away: keep the focus in the row.
      this.renderRoot.querySelector<HTMLSelectElement>(`#role-${cssId(op.username)}`)?.focus();
    } catch (err) {
      if (handedToPage(this, err)) return;
      this._rowFault = { username: op.username, fault: faultOf(err, ROW_FIELDS) };
    }
  }

  private async _onOpenReset(username: string): Promise<void> {
    this._resetFor = username;
    this._resetFault = null;
    await this.updateComplete;
    const dialog = this.renderRoot.querySelector<HTMLDialogElement>('#reset-dialog');
    this.renderRoot.querySelector<HTMLFormElement>('#reset-form')?.reset();
    dialog?.showModal();
  }

  private async _onReset(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const who = this._resetFor;
    if (!who) return;
    const password = String(new FormData(e.target as HTMLFormElement).get('password') ?? '');
    if (!password) {
      this._resetFault = { field: RESET_FIELDS[0] as FormField, message: 'Enter the new password.' };
      return;
    }
    this._busy = true;
    this._resetFault = null;
    try {
      await updateOperator(who, { password });
      this.renderRoot.querySelector<HTMLDialogElement>('#reset-dialog')?.close();
      this._rowFault = null;
      this._rowStatus = `The password of ${who} is reset.`;
      changed(this);
    } catch (err) {
      if (handedToPage(this, err)) return;
      this._resetFault = faultOf(err, RESET_FIELDS);
      await this.updateComplete;
      focusFault(this.renderRoot, '#reset-form', this._resetFault);
    } finally {
      this._busy = false;
    }
  }

  private _onResetCancel(): void {
    this.renderRoot.querySelector<HTMLDialogElement>('#reset-dialog')?.close();
  }

  private _onResetClosed(): void {
    // The password must not stay in the page once the dialog is gone.
    this.renderRoot.querySelector<HTMLFormElement>('#reset-form')?.reset();
    this._resetFault = null;
  }

  private async _onRemove(username: string): Promise<void> {
    this._rowFault = null;
    this._rowStatus = '';
    const ok = await this.renderRoot.querySelector<ConfirmDialog>('confirm-dialog')?.ask({
      title: `Remove ${username}?`,
      message: `${username} can no longer log in to this fleet. To let them back in, add them again with a new password.`,
      confirm: `Remove ${username}`,
    });
    if (!ok) return;
    try {
      await removeOperator(username);
      this._rowStatus = `Removed ${username}.`;
      changed(this, 'operators');
      // Their row, and the button that had the focus, are gone.
      this.renderRoot.querySelector<HTMLElement>('#operators-h')?.focus();
    } catch (err) {
      if (handedToPage(this, err)) return;
      this._rowFault = { username, fault: faultOf(err, ROW_FIELDS) };
    }
  }

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      td select {
        margin-right: 6px;
      }
    `,
  ];
}

/** A username as an id attribute's part (usernames may hold `.` and `@`). */
function cssId(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

customElements.define('admin-operators', AdminOperators);

declare global {
  interface HTMLElementTagNameMap {
    'admin-operators': AdminOperators;
  }
}
