/**
 * Whether an element can be seen: in the viewport of a tab that is not hidden. Parts that cost a
 * lot to draw (the fleet map) draw nothing while off screen and catch up when they come into view:
 * twenty windows in view on two cores cannot afford to redraw what nobody sees.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Tracks its host element; asks the host to update when it comes into view. */
export class OnScreenController implements ReactiveController {
  private readonly _host: ReactiveControllerHost & Element;
  private _observer: IntersectionObserver | null = null;
  /** Until the first observation says otherwise the host counts as in view: it renders once either way. */
  private _intersecting = true;
  private readonly _onVisibility = () => this._changed();
  private _visible = true;

  constructor(host: ReactiveControllerHost & Element) {
    this._host = host;
    host.addController(this);
  }

  /** In the viewport and the tab not hidden. */
  get visible(): boolean {
    return this._visible;
  }

  hostConnected(): void {
    this._observer = new IntersectionObserver((entries) => {
      const entry = entries.at(-1);
      if (entry) this._intersecting = entry.isIntersecting;
      this._changed();
    });
    this._observer.observe(this._host);
    document.addEventListener('visibilitychange', this._onVisibility);
  }

  hostDisconnected(): void {
    this._observer?.disconnect();
    this._observer = null;
    document.removeEventListener('visibilitychange', this._onVisibility);
  }

  private _changed(): void {
    const visible = this._intersecting && document.visibilityState !== 'hidden';
    if (visible === this._visible) return;
    this._visible = visible;
    if (visible) this._host.requestUpdate();
  }
}
