/** `<admin-trucks>`: the tenant's trucks. Add one (id, name, plate, reefer setpoint); edit one's name, plate and setpoint. */
import { LitElement, css, html, nothing } from 'lit';
import { addTruck, updateTruck } from '../client/admin';
import type { TruckInfo } from '../shared/fleet';
import {
  adminStyles,
  changed,
  faultMessage,
  faultOf,
  focusFault,
  handedToPage,
  invalid,
  type FormFault,
  type FormField,
} from './admin-form';
import { baseStyles } from './shared-styles';

const ID_FIELD: FormField = { name: 'id', label: 'Truck id' };
const NAME_FIELD: FormField = { name: 'name', label: 'Name' };
const PLATE_FIELD: FormField = { name: 'plate', label: 'Plate' };
const SETPOINT_FIELD: FormField = { name: 'reeferSetpointC', label: 'Reefer setpoint (°C)' };
const ADD_FIELDS: readonly FormField[] = [ID_FIELD, NAME_FIELD, PLATE_FIELD, SETPOINT_FIELD];
const EDIT_FIELDS: readonly FormField[] = [NAME_FIELD, PLATE_FIELD, SETPOINT_FIELD];

/** A setpoint input's value: a number, null when empty (dry cargo), or a fault when it is not a number. */
function readSetpoint(input: HTMLInputElement | null): number | null | FormFault {
  if (!input || (input.value === '' && !input.validity.badInput)) return null;
  const v = input.valueAsNumber;
  if (!Number.isFinite(v)) return { field: SETPOINT_FIELD, message: 'Enter a temperature in °C such as -18 or 4.5, or leave it empty for dry cargo.' };
  return v;
}

/** The trucks section of /admin. */
export class AdminTrucks extends LitElement {
  static override properties = {
    trucks: { attribute: false },
    _addFault: { state: true },
    _addStatus: { state: true },
    _busy: { state: true },
    _editing: { state: true },
    _editFault: { state: true },
  };

  /** The tenant's trucks, by id; null while loading. */
  declare trucks: TruckInfo[] | null;
  declare _addFault: FormFault | null;
  declare _addStatus: string;
  declare _busy: boolean;
  /** The truck in the edit dialog. */
  declare _editing: TruckInfo | null;
  declare _editFault: FormFault | null;

  constructor() {
    super();
    this.trucks = null;
    this._addFault = null;
    this._addStatus = '';
    this._busy = false;
    this._editing = null;
    this._editFault = null;
  }

  protected override render() {
    const f = this._addFault;
    return html`<section class="card" aria-labelledby="trucks-h">
      <h2 id="trucks-h" tabindex="-1">Trucks</h2>
      <p class="intro">
        The trucks of this fleet. A new truck appears on every operator’s dashboard at once; its devices can report it as soon as it is
        added.
      </p>

      <form class="inline" id="add-truck" aria-label="Add a truck" @submit=${this._onAdd} novalidate>
        <div class="field">
          <label for="truck-id">Truck id</label>
          <input
            id="truck-id"
            name="id"
            class="mono"
            size="14"
            required
            autocomplete="off"
            spellcheck="false"
            aria-invalid=${invalid(f, 'id')}
            aria-describedby="truck-id-hint truck-add-error"
          />
          <span class="hint" id="truck-id-hint">Letters, digits, . _ -; cannot change later.</span>
        </div>
        <div class="field grow">
          <label for="truck-name">Name</label>
          <input id="truck-name" name="name" required maxlength="200" aria-invalid=${invalid(f, 'name')} aria-describedby="truck-add-error" />
        </div>
        <div class="field">
          <label for="truck-plate">Plate <span class="optional">(optional)</span></label>
          <input id="truck-plate" name="plate" size="12" maxlength="200" aria-invalid=${invalid(f, 'plate')} aria-describedby="truck-add-error" />
        </div>
        <div class="field">
          <label for="truck-setpoint">Reefer setpoint (°C) <span class="optional">(optional)</span></label>
          <input
            id="truck-setpoint"
            name="reeferSetpointC"
            type="number"
            step="0.5"
            min="-60"
            max="60"
            inputmode="decimal"
            aria-invalid=${invalid(f, 'reeferSetpointC')}
            aria-describedby="truck-setpoint-hint truck-add-error"
          />
          <span class="hint" id="truck-setpoint-hint">Empty for dry cargo.</span>
        </div>
        <div class="submit">
          <button type="submit" class="primary" ?disabled=${this._busy}>Add truck</button>
        </div>
      </form>
      ${faultMessage('truck-add-error', f)}
      <p class="status" role="status">${this._addStatus}</p>
      ${this._renderTable()} ${this._renderEditDialog()}
    </section>`;
  }

  private _renderTable() {
    const list = this.trucks;
    if (list === null) return html`<p class="empty" role="status">Loading trucks…</p>`;
    if (list.length === 0) return html`<p class="empty">No trucks yet: add the first one above.</p>`;
    return html`<div class="table-wrap">
      <table>
        <caption class="visually-hidden">Trucks of this fleet</caption>
        <thead>
          <tr>
            <th scope="col">Truck id</th>
            <th scope="col">Name</th>
            <th scope="col">Plate</th>
            <th scope="col">Reefer setpoint</th>
            <th scope="col">Current transfer</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${list.map(
            (t) => html`<tr data-truck-id=${t.id}>
              <th scope="row"><code>${t.id}</code></th>
              <td>${t.name}</td>
              <td>${t.plate || html`<span class="muted">—</span>`}</td>
              <td class="num">${t.reeferSetpointC != null ? `${t.reeferSetpointC} °C` : html`<span class="muted">dry</span>`}</td>
              <td>
                ${t.transfer
                  ? html`${t.transfer.origin.name} → ${t.transfer.destination.name}`
                  : html`<span class="muted">none</span>`}
              </td>
              <td class="actions">
                <button type="button" @click=${(e: Event) => this._onOpenEdit(t, e)}>
                  Edit<span class="visually-hidden"> ${t.id}</span>
                </button>
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  }

  private _renderEditDialog() {
    const t = this._editing;
    const f = this._editFault;
    return html`<dialog id="edit-dialog" aria-labelledby="edit-h" @close=${this._onEditClosed}>
      <h2 id="edit-h">Edit truck ${t?.id ?? ''}</h2>
      ${t
        ? html`<form id="edit-truck" @submit=${this._onSave} novalidate>
            <label for="edit-name">Name</label>
            <input id="edit-name" name="name" required maxlength="200" .value=${t.name} aria-invalid=${invalid(f, 'name')} aria-describedby="edit-error" />
            <label for="edit-plate">Plate <span class="optional">(optional)</span></label>
            <input id="edit-plate" name="plate" maxlength="200" .value=${t.plate} aria-invalid=${invalid(f, 'plate')} aria-describedby="edit-error" />
            <label for="edit-setpoint">Reefer setpoint (°C) <span class="optional">(optional)</span></label>
            <input
              id="edit-setpoint"
              name="reeferSetpointC"
              type="number"
              step="0.5"
              min="-60"
              max="60"
              inputmode="decimal"
              .value=${t.reeferSetpointC != null ? String(t.reeferSetpointC) : ''}
              aria-invalid=${invalid(f, 'reeferSetpointC')}
              aria-describedby="edit-setpoint-hint edit-error"
            />
            <span class="hint" id="edit-setpoint-hint">Empty for dry cargo. A transfer with reefer cargo brings its own setpoint.</span>
            ${faultMessage('edit-error', f)}
            <footer>
              <button type="button" @click=${this._onEditCancel}>Cancel</button>
              <button type="submit" class="primary" ?disabled=${this._busy}>Save</button>
            </footer>
          </form>`
        : nothing}
    </dialog>`;
  }

  private async _onAdd(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const id = String(data.get('id') ?? '').trim();
    const name = String(data.get('name') ?? '').trim();
    const plate = String(data.get('plate') ?? '').trim();
    const setpoint = readSetpoint(form.querySelector<HTMLInputElement>('[name="reeferSetpointC"]'));
    this._addStatus = '';
    let fault: FormFault | null = null;
    if (!id) fault = { field: ID_FIELD, message: 'Enter the truck’s id, e.g. acme-21.' };
    else if (!name) fault = { field: NAME_FIELD, message: 'Enter a name operators recognise, e.g. “Acme 21 · Volvo FH”.' };
    else if (setpoint !== null && typeof setpoint === 'object') fault = setpoint;
    if (fault) {
      this._addFault = fault;
      await this.updateComplete;
      focusFault(this.renderRoot, '#add-truck', fault);
      return;
    }
    this._busy = true;
    this._addFault = null;
    try {
      await addTruck({ id, name, ...(plate ? { plate } : {}), ...(typeof setpoint === 'number' ? { reeferSetpointC: setpoint } : {}) });
      form.reset();
      this._addStatus = `Added truck ${id} (${name}). It is on every operator’s dashboard now.`;
      changed(this, 'trucks');
    } catch (err) {
      if (handedToPage(this, err)) return;
      this._addFault = faultOf(err, ADD_FIELDS, 'id');
      await this.updateComplete;
      focusFault(this.renderRoot, '#add-truck', this._addFault);
    } finally {
      this._busy = false;
    }
  }

  private async _onOpenEdit(t: TruckInfo, e: Event): Promise<void> {
    this._editing = t;
    this._editFault = null;
    this._addStatus = '';
    // The form is rendered afresh for each truck (it goes when the dialog closes): no values linger.
    await this.updateComplete;
    this._opener = e.currentTarget as HTMLElement;
    this.renderRoot.querySelector<HTMLDialogElement>('#edit-dialog')?.showModal();
  }

  /** The Edit button that opened the dialog: the focus goes back there (its row may be re-rendered). */
  private _opener: HTMLElement | null = null;

  private async _onSave(e: SubmitEvent): Promise<void> {
    e.preventDefault();
    const t = this._editing;
    if (!t) return;
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('name') ?? '').trim();
    const plate = String(data.get('plate') ?? '').trim();
    const setpoint = readSetpoint(form.querySelector<HTMLInputElement>('[name="reeferSetpointC"]'));
    let fault: FormFault | null = null;
    if (!name) fault = { field: NAME_FIELD, message: 'A truck needs a name.' };
    else if (setpoint !== null && typeof setpoint === 'object') fault = setpoint;
    if (fault) {
      this._editFault = fault;
      await this.updateComplete;
      focusFault(this.renderRoot, '#edit-truck', fault);
      return;
    }
    this._busy = true;
    this._editFault = null;
    try {
      await updateTruck(t.id, { name, plate, reeferSetpointC: setpoint as number | null });
      this.renderRoot.querySelector<HTMLDialogElement>('#edit-dialog')?.close();
      this._addStatus = `Saved truck ${t.id}.`;
      changed(this, 'trucks');
    } catch (err) {
      if (handedToPage(this, err)) return;
      this._editFault = faultOf(err, EDIT_FIELDS);
      await this.updateComplete;
      focusFault(this.renderRoot, '#edit-truck', this._editFault);
    } finally {
      this._busy = false;
    }
  }

  private _onEditCancel(): void {
    this.renderRoot.querySelector<HTMLDialogElement>('#edit-dialog')?.close();
  }

  private _onEditClosed(): void {
    const id = this._editing?.id;
    this._editing = null;
    this._editFault = null;
    const opener = this._opener?.isConnected
      ? this._opener
      : this.renderRoot.querySelector<HTMLElement>(`tr[data-truck-id="${CSS.escape(id ?? '')}"] button`);
    opener?.focus();
    this._opener = null;
  }

  static override styles = [
    baseStyles,
    adminStyles,
    css`
      .grow {
        flex: 1 1 200px;
        max-width: 320px;
      }
      #truck-setpoint {
        width: 9em;
      }
    `,
  ];
}

customElements.define('admin-trucks', AdminTrucks);

declare global {
  interface HTMLElementTagNameMap {
    'admin-trucks': AdminTrucks;
  }
}
