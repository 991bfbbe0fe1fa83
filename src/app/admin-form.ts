/**
 * What the /admin page's sections share: the styles of their cards, forms and tables, the place an
 * API refusal goes (the field its message names), and the events a section sends to the page.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import { AdminApiError } from '../client/admin';
import { OfflineError } from '../client/session';

/** A section changed something: the page reloads these lists (and the audit log). */
export const ADMIN_CHANGED_EVENT = 'admin-changed';
/** The server refused the session (401) or the role (403): the page, not the section, handles it. */
export const ADMIN_AUTH_EVENT = 'admin-auth';

/** The lists the page holds. */
export type AdminList = 'operators' | 'keys' | 'trucks' | 'transfers';

/** Detail of ADMIN_CHANGED_EVENT. */
export interface AdminChanged {
  lists: AdminList[];
}

/** Tells the page that lists changed. */
export function changed(host: HTMLElement, ...lists: AdminList[]): void {
  host.dispatchEvent(new CustomEvent<AdminChanged>(ADMIN_CHANGED_EVENT, { detail: { lists }, bubbles: true, composed: true }));
}

/** Hands a 401 or 403 to the page (true), or leaves the error to the form that caused it (false). */
export function handedToPage(host: HTMLElement, err: unknown): boolean {
  if (!(err instanceof AdminApiError) || (err.status !== 401 && err.status !== 403)) return false;
  host.dispatchEvent(new CustomEvent<AdminApiError>(ADMIN_AUTH_EVENT, { detail: err, bubbles: true, composed: true }));
  return true;
}

/** An input of a form as the server names it, and as the admin reads it. */
export interface FormField {
  /** The body field, e.g. `reeferSetpointC`. */
  name: string;
  /** The input's label, e.g. "Reefer setpoint (°C)". */
  label: string;
  /** Other words the server's messages use for this field (e.g. `truck` for `truckId`). */
  aliases?: string[];
}

/** A refusal shown beside a form: the message, and the field it is about (null: the form as a whole). */
export interface FormFault {
  message: string;
  field: FormField | null;
}

/**
 * The fault an error means for a form: the field the server's message names first (its messages
 * start with or quote the field: `password must have 8 to 1000 characters.`), else `fallback` (the
 * field a conflict is about, such as a taken username), else the whole form.
 */
export function faultOf(err: unknown, fields: readonly FormField[], fallback?: string): FormFault {
  const message =
    err instanceof AdminApiError || err instanceof OfflineError
      ? err.message
      : `Something went wrong in this page: ${(err as Error).message ?? String(err)}. Reload and try again.`;
  let best: { field: FormField; at: number } | null = null;
  if (err instanceof AdminApiError) {
    for (const field of fields) {
      for (const word of [field.name, ...(field.aliases ?? [])]) {
        const at = new RegExp(`(^|[^A-Za-z])${word}([^A-Za-z]|$)`).exec(message)?.index;
        if (at !== undefined && (!best || at < best.at)) best = { field, at };
      }
    }
  }
  const field = best?.field ?? (err instanceof AdminApiError && err.status === 409 ? fields.find((f) => f.name === fallback) : undefined) ?? null;
  return { message, field };
}

/** The paragraph a form's fault goes in: always present, so a screen reader hears it when it fills. */
export function faultMessage(id: string, fault: FormFault | null): TemplateResult {
  return html`<p class="form-error" id=${id} role="alert">
    ${fault ? html`${fault.field ? html`<strong>${fault.field.label}:</strong> ` : nothing}${fault.message}` : nothing}
  </p>`;
}

/** `aria-invalid` of an input: "true" when the fault is about it. */
export function invalid(fault: FormFault | null, name: string): 'true' | 'false' {
  return fault?.field?.name === name ? 'true' : 'false';
}

/** Moves focus to the input a fault is about, so the admin can fix it at once. */
export function focusFault(root: ParentNode, formSelector: string, fault: FormFault): void {
  if (!fault.field) return;
  root.querySelector<HTMLElement>(`${formSelector} [name="${fault.field.name}"]`)?.focus();
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** "2 Dec 2026, 14:05": when something happened, for lists an admin scans. */
export function formatWhen(atMs: number): string {
  return dateTime.format(new Date(atMs));
}

/** Cards, forms, tables and dialogs of the admin sections (after baseStyles). */
export const adminStyles = css`
  :host {
    display: block;
  }
  section.card {
    background: var(--fw-surface);
    border: 1px solid var(--fw-border);
    border-radius: var(--fw-radius);
    box-shadow: var(--fw-shadow);
    padding: 16px 18px 18px;
  }
  h2 {
    margin: 0;
    font-size: 18px;
  }
  h3 {
    margin: 16px 0 8px;
    font-size: 14px;
  }
  .intro {
    margin: 4px 0 12px;
    color: var(--fw-muted);
    max-width: 75ch;
  }
  form.inline {
    display: flex;
    flex-wrap: wrap;
    align-items: flex-start;
    gap: 10px 12px;
    padding: 12px;
    background: var(--fw-surface-2);
    border: 1px solid var(--fw-border);
    border-radius: 6px;
  }
  /* A form's button, level with the inputs beside it (below their labels: 13px × 1.4 + the 3px gap). */
  .submit {
    padding-top: 21px;
  }
  .field {
    display: flex;
    flex-direction: column;
    gap: 3px;
    min-width: 0;
  }
  label,
  .label {
    font-weight: 600;
    font-size: 13px;
  }
  .optional {
    font-weight: 400;
    color: var(--fw-muted);
  }
  .hint {
    font-size: 12px;
    color: var(--fw-muted);
  }
  input,
  select {
    font: inherit;
    font-size: 13px;
    color: var(--fw-text);
    background: var(--fw-surface);
    border: 1px solid var(--fw-border);
    border-radius: 6px;
    padding: 6px 8px;
    min-width: 0;
  }
  input[aria-invalid='true'],
  select[aria-invalid='true'] {
    border-color: var(--fw-bad);
    box-shadow: 0 0 0 1px var(--fw-bad);
  }
  input[type='file'] {
    padding: 4px;
  }
  .form-error {
    margin: 6px 0 0;
    color: var(--fw-bad);
    font-size: 13px;
  }
  .form-error:empty {
    display: none;
  }
  .status {
    margin: 6px 0 0;
    color: var(--fw-ok);
    font-size: 13px;
    font-weight: 600;
  }
  .status:empty {
    display: none;
  }
  .table-wrap {
    margin-top: 12px;
    overflow-x: auto;
  }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: 13px;
  }
  caption {
    text-align: left;
    font-weight: 600;
    padding: 0 0 6px;
  }
  th,
  td {
    text-align: left;
    padding: 6px 8px;
    border-bottom: 1px solid var(--fw-border);
    vertical-align: middle;
  }
  thead th {
    font-size: 12px;
    font-weight: 600;
    color: var(--fw-muted);
    background: var(--fw-surface-2);
    white-space: nowrap;
  }
  tbody th {
    font-weight: 600;
  }
  tr.inactive td {
    color: var(--fw-muted);
  }
  td.actions {
    white-space: nowrap;
    text-align: right;
  }
  td.actions > * + * {
    margin-left: 6px;
  }
  code,
  .mono {
    font-family: var(--fw-mono);
    font-size: 12.5px;
  }
  button.danger {
    color: var(--fw-bad);
    border-color: var(--fw-bad);
  }
  button.danger:hover {
    background: var(--fw-bad-bg);
  }
  button.danger.solid {
    background: var(--fw-bad);
    /* The surface colour: white on the dark red of the light theme, near-black on the light red of the dark one. */
    color: var(--fw-surface);
  }
  .empty {
    padding: 10px 0;
    color: var(--fw-muted);
  }
  .more {
    margin-top: 8px;
  }
  dialog {
    border: 1px solid var(--fw-border);
    border-radius: 10px;
    background: var(--fw-surface);
    color: var(--fw-text);
    padding: 18px 20px;
    width: min(480px, calc(100vw - 32px));
    box-shadow: 0 10px 30px rgb(0 0 0 / 0.25);
  }
  dialog::backdrop {
    background: rgb(10 16 24 / 0.45);
  }
  dialog h2 {
    font-size: 17px;
    margin-bottom: 8px;
  }
  dialog form,
  dialog .body {
    display: flex;
    flex-direction: column;
    gap: 6px;
  }
  dialog footer {
    display: flex;
    justify-content: flex-end;
    gap: 8px;
    margin-top: 14px;
  }
`;
