/**
 * Re-renders its host whenever one of the tab's services (update flow, install offer, alert
 * notifications; src/client) says it changed: subscribes in hostConnected, unsubscribes in
 * hostDisconnected.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Something with a `change` event, as the services in src/client have. */
export interface ChangeSource {
  on(type: 'change', listener: () => void): () => void;
}

/** Keeps a host in step with one service. */
export class ChangeController implements ReactiveController {
  private readonly _host: ReactiveControllerHost;
  private readonly _source: ChangeSource;
  private _off: (() => void) | null = null;

  constructor(host: ReactiveControllerHost, source: ChangeSource) {
    this._host = host;
    this._source = source;
    host.addController(this);
  }

  hostConnected(): void {
    this._off = this._source.on('change', () => this._host.requestUpdate());
    // The service may have changed while the host was away.
    this._host.requestUpdate();
  }

  hostDisconnected(): void {
    this._off?.();
    this._off = null;
  }
}
