/**
 * One clock for relative times ("last seen 2 min ago"): a single interval per view, owned by
 * this controller, instead of a timer per panel.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** How often relative times refresh, ms: finer than the coarsest label ("N min ago") needs. */
export const CLOCK_TICK_MS = 10_000;

/** Ticks while its host is connected; `tick` changes on every beat, `now` is the beat's time. */
export class ClockController implements ReactiveController {
  private readonly _host: ReactiveControllerHost;
  private readonly _intervalMs: number;
  private _timer: ReturnType<typeof setInterval> | null = null;
  /** Counts beats; pass it down so memoised views refresh once per beat. */
  tick = 0;
  /** Epoch ms of the last beat. */
  now = Date.now();

  constructor(host: ReactiveControllerHost, intervalMs = CLOCK_TICK_MS) {
    this._host = host;
    this._intervalMs = intervalMs;
    host.addController(this);
  }

  hostConnected(): void {
    this._beat();
    this._timer = setInterval(() => this._beat(), this._intervalMs);
  }

  hostDisconnected(): void {
    if (this._timer !== null) clearInterval(this._timer);
    this._timer = null;
  }

  private _beat(): void {
    this.tick++;
    this.now = Date.now();
    this._host.requestUpdate();
  }
}
