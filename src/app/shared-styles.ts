/** Styles every fleetwire component shares: buttons, chips, focus ring, visually hidden text. */
import { css } from 'lit';

/** Base styles to spread first into a component's `static styles`. */
export const baseStyles = css`
  :host {
    font-family: var(--fw-font);
    color: var(--fw-text);
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  :focus-visible {
    outline: 2px solid var(--fw-focus);
    outline-offset: 2px;
  }
  button,
  .button {
    font: inherit;
    font-size: 13px;
    line-height: 1.2;
    color: var(--fw-text);
    background: var(--fw-surface);
    border: 1px solid var(--fw-border);
    border-radius: 6px;
    padding: 5px 10px;
    cursor: pointer;
    text-decoration: none;
    display: inline-flex;
    align-items: center;
    gap: 6px;
    white-space: nowrap;
  }
  button:hover,
  .button:hover {
    background: var(--fw-surface-2);
  }
  button.primary {
    background: var(--fw-accent);
    border-color: var(--fw-accent);
    color: var(--fw-accent-text);
    font-weight: 600;
  }
  button.primary:hover {
    filter: brightness(1.08);
  }
  button[disabled] {
    opacity: 0.6;
    cursor: default;
  }
  a {
    color: var(--fw-accent);
  }
  .visually-hidden {
    position: absolute !important;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 5px;
    padding: 1px 8px 1px 7px;
    border-radius: 999px;
    font-size: 12px;
    font-weight: 600;
    line-height: 18px;
    white-space: nowrap;
  }
  .chip::before {
    content: '';
    width: 7px;
    height: 7px;
    border-radius: 50%;
    background: currentColor;
    flex: none;
  }
  .chip.plain::before {
    display: none;
  }
  .tone-ok {
    color: var(--fw-ok);
    background: var(--fw-ok-bg);
  }
  .tone-warn {
    color: var(--fw-warn);
    background: var(--fw-warn-bg);
  }
  .tone-bad {
    color: var(--fw-bad);
    background: var(--fw-bad-bg);
  }
  .tone-info {
    color: var(--fw-info);
    background: var(--fw-info-bg);
  }
  .tone-stale {
    color: var(--fw-stale);
    background: var(--fw-stale-bg);
  }
  .muted {
    color: var(--fw-muted);
  }
  .num {
    font-variant-numeric: tabular-nums;
  }
`;

/** A whole page (the dashboard, a truck window): its height, and the header bar that stays on top. */
export const pageStyles = css`
  :host {
    display: block;
    min-height: 100vh;
  }
  .top {
    position: sticky;
    top: 0;
    z-index: 5;
    display: flex;
    align-items: center;
    flex-wrap: wrap;
    gap: 8px 14px;
    padding: 8px 16px;
    background: var(--fw-surface);
    border-bottom: 1px solid var(--fw-border);
  }
`;
