/**
 * The service worker and the update flow (workbox-window): registers `/sw.js`, tells every window
 * when a new version waits, and reloads every window onto it once the operator accepts it in one.
 */
import { Workbox } from 'workbox-window';
import { Emitter } from './emitter';

/** The service worker's URL; its scope is the whole app (`/`). */
export const SERVICE_WORKER_URL = '/sw.js';
/**
 * How often an open window asks whether a new version was deployed. Operators keep windows open
 * for days; the browser itself only checks on navigations. An hour costs one small request.
 */
export const UPDATE_CHECK_MS = 60 * 60_000;

/** Where the update flow stands in this window. */
export type UpdateState = 'none' | 'waiting' | 'updating';

/** Events of the update flow, keyed by name. */
export interface UpdateEventMap {
  /** `state` changed: a new version waits, or this window is about to reload onto it. */
  change: { state: UpdateState };
}

/** The update flow of this window. */
export class UpdateFlow extends Emitter<UpdateEventMap> {
  state: UpdateState = 'none';
  private _wb: Workbox | null = null;
  private _reloading = false;

  /** Registers the service worker; does nothing where service workers are unavailable. */
  start(): void {
    // The dev server builds no service worker (npm run build does).
    if (this._wb || !('serviceWorker' in navigator) || import.meta.env.DEV) return;
    const wb = new Workbox(SERVICE_WORKER_URL);
    this._wb = wb;
    // Pages opened before the first install are claimed by it: that is no update, nothing to reload.
    let controlled = navigator.serviceWorker.controller !== null;
    wb.addEventListener('waiting', () => this._set('waiting'));
    // Registered in every window, not only the one where the operator clicked: when the new
    // worker takes over, each window reloads onto the new version by itself.
    wb.addEventListener('controlling', () => {
      if (!controlled) {
        controlled = true;
        return;
      }
      if (this._reloading) return;
      this._reloading = true;
      this._set('updating');
      location.reload();
    });
    wb.register().catch((error: unknown) => {
      // The app works without a service worker, only not offline: say so in the console.
      console.error('fleetwire: could not register the service worker; offline use is unavailable', error);
    });
    setInterval(() => void this.checkForUpdate(), UPDATE_CHECK_MS);
  }

  /** Asks the server whether a new version was deployed. */
  async checkForUpdate(): Promise<void> {
    await this._wb?.update().catch(() => {
      // Offline or server down: the next check will tell.
    });
  }

  /** Accepts the waiting version: its worker takes over and every window reloads (see `start`). */
  acceptUpdate(): void {
    if (!this._wb || this.state !== 'waiting') return;
    this._set('updating');
    this._wb.messageSkipWaiting();
  }

  private _set(state: UpdateState): void {
    if (state === this.state) return;
    this.state = state;
    this.emit('change', { state });
  }
}

/** This window's update flow; `start()` it once, early (src/app/main.ts). */
export const updates = new UpdateFlow();
