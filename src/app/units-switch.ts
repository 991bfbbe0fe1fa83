/** `<units-switch>`: km/mi and °C/°F; emits `prefs-change` and lets the hub share it with every tab. */
import { LitElement, css, html } from 'lit';
import { DEFAULT_PREFS, type Prefs } from '../shared/protocol';
import { baseStyles } from './shared-styles';

/** Two segmented radio groups for the display units. */
export class UnitsSwitch extends LitElement {
  static override properties = {
    prefs: { attribute: false },
  };

  declare prefs: Prefs;

  constructor() {
    super();
    this.prefs = DEFAULT_PREFS;
  }

  protected override render() {
    const p = this.prefs;
    return html`
      <fieldset>
        <legend class="visually-hidden">Distance unit</legend>
        ${this._option('distance', 'km', 'km', 'Kilometres', p.distance === 'km')}
        ${this._option('distance', 'mi', 'mi', 'Miles', p.distance === 'mi')}
      </fieldset>
      <fieldset>
        <legend class="visually-hidden">Temperature unit</legend>
        ${this._option('temperature', 'C', '°C', 'Celsius', p.temperature === 'C')}
        ${this._option('temperature', 'F', '°F', 'Fahrenheit', p.temperature === 'F')}
      </fieldset>
    `;
  }

  private _option(group: keyof Prefs, value: string, text: string, label: string, checked: boolean) {
    return html`<label title=${label}>
      <input
        type="radio"
        name=${group}
        value=${value}
        .checked=${checked}
        @change=${this._onChange}
      /><span>${text}</span>
    </label>`;
  }

  private _onChange(e: Event): void {
    const input = e.target as HTMLInputElement;
    const prefs: Prefs =
      input.name === 'distance'
        ? { ...this.prefs, distance: input.value as Prefs['distance'] }
        : { ...this.prefs, temperature: input.value as Prefs['temperature'] };
    this.dispatchEvent(new CustomEvent<Prefs>('prefs-change', { detail: prefs, bubbles: true, composed: true }));
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: inline-flex;
        gap: 8px;
      }
      fieldset {
        display: inline-flex;
        margin: 0;
        padding: 0;
        border: 1px solid var(--fw-border);
        border-radius: 6px;
        overflow: hidden;
      }
      label {
        position: relative;
        display: inline-flex;
      }
      input {
        position: absolute;
        opacity: 0;
        inset: 0;
        margin: 0;
        cursor: pointer;
      }
      span {
        padding: 4px 9px;
        font-size: 13px;
        line-height: 1.2;
        color: var(--fw-muted);
        background: var(--fw-surface);
      }
      label + label span {
        border-left: 1px solid var(--fw-border);
      }
      input:checked + span {
        background: var(--fw-accent);
        color: var(--fw-accent-text);
        font-weight: 600;
      }
      input:focus-visible + span {
        outline: 2px solid var(--fw-focus);
        outline-offset: -2px;
      }
    `,
  ];
}

customElements.define('units-switch', UnitsSwitch);

declare global {
  interface HTMLElementTagNameMap {
    'units-switch': UnitsSwitch;
  }
}
