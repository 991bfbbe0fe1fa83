/** The browser's offer to install fleetwire as an app (`beforeinstallprompt`), kept for a button. */
import { Emitter } from './emitter';

/** Chromium's install prompt event; not in the DOM typings. */
interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>;
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed'; platform: string }>;
}

/** Events of the install offer, keyed by name. */
export interface InstallEventMap {
  /** `available` changed: the browser offers installation now, or no longer does. */
  change: { available: boolean };
}

/** The install offer of this window. */
export class InstallPrompt extends Emitter<InstallEventMap> {
  private _event: BeforeInstallPromptEvent | null = null;
  private _started = false;

  /** True when the browser offers installation and `prompt()` can show its dialog. */
  get available(): boolean {
    return this._event !== null;
  }

  /** Listens for the offer; call early, before the browser fires it (src/app/main.ts). */
  start(): void {
    if (this._started) return;
    this._started = true;
    addEventListener('beforeinstallprompt', (event) => {
      // Keep the browser's own mini-infobar away: the app shows its "Install" button instead.
      event.preventDefault();
      this._event = event as BeforeInstallPromptEvent;
      this.emit('change', { available: true });
    });
    addEventListener('appinstalled', () => this._clear());
  }

  /** Shows the browser's install dialog; resolves with the operator's choice. */
  async prompt(): Promise<'accepted' | 'dismissed' | 'unavailable'> {
    const event = this._event;
    if (!event) return 'unavailable';
    // An offer can be shown once; the browser fires a new one if it still applies.
    this._clear();
    await event.prompt();
    return (await event.userChoice).outcome;
  }

  private _clear(): void {
    if (!this._event) return;
    this._event = null;
    this.emit('change', { available: false });
  }
}

/** This window's install offer. */
export const installPrompt = new InstallPrompt();
