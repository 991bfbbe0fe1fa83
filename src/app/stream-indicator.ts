/** `<stream-indicator>`: the state of the one live stream, in colour and words. */
import { LitElement, css, html } from 'lit';
import type { StreamStatus } from '../shared/protocol';
import { formatClock, formatFull, formatRelative } from './format';
import { baseStyles } from './shared-styles';

const LABEL = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
} as const;

const TONE = { connecting: 'tone-info', live: 'tone-ok', reconnecting: 'tone-warn', offline: 'tone-bad' } as const;

/** Shows live / connecting / reconnecting / offline and, when not live, when the server was last heard. */
export class StreamIndicator extends LitElement {
  static override properties = {
    status: { attribute: false },
    now: { type: Number },
  };

  declare status: StreamStatus | null;
  /** Epoch ms, from the view's clock, so "last heard" ages without a timer here. */
  declare now: number;

  constructor() {
    super();
    this.status = null;
    this.now = Date.now();
  }

  protected override updated(): void {
    this.dataset.state = this.status?.state ?? 'connecting';
  }

  protected override render() {
    const s = this.status;
    const state = s?.state ?? 'connecting';
    const heard = s?.lastHeardAt ?? null;
    const now = Math.max(this.now, heard ?? 0);
    const detail =
      state === 'live' || heard === null
        ? state === 'reconnecting' && s?.retryAt
          ? `next try ${formatClock(s.retryAt, now)}`
          : ''
        : `last heard ${formatRelative(heard, now)}`;
    return html`<span class="wrap" role="status" title=${heard !== null ? `Last heard from the server: ${formatFull(heard)}` : 'Not heard from the server yet'}>
      <span class="chip ${TONE[state]}">${LABEL[state]}</span>
      ${detail ? html`<span class="detail">${detail}</span>` : ''}
    </span>`;
  }

  static override styles = [
    baseStyles,
    css`
      :host {
        display: inline-block;
      }
      .wrap {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        font-size: 13px;
      }
      .detail {
        color: var(--fw-muted);
        white-space: nowrap;
      }
    `,
  ];
}

customElements.define('stream-indicator', StreamIndicator);

declare global {
  interface HTMLElementTagNameMap {
    'stream-indicator': StreamIndicator;
  }
}
