/**
 * Alerts as system notifications, once the operator allowed them from the button in the app. The
 * hub picks one tab for each new alert (hub.ts `_notify`), so there is one notification per alert
 * however many tabs and windows are open; its tag is the alert id. When the session ends (logout,
 * expiry) or another operator logs in, every one of them is closed: no alert text of a tenant stays
 * on the screen of the next person at that browser.
 */
import type { Alert } from '../shared/fleet';
import type { FleetClientApi } from './api';
import { Emitter } from './emitter';

/** Whether notifications can be shown, and whether the operator allowed them. */
export type NotifyPermission = NotificationPermission | 'unsupported';

/** Events of the notification service, keyed by name. */
export interface NotifyEventMap {
  change: { permission: NotifyPermission };
}

/** System notifications of alerts, for this window. */
export class AlertNotifications extends Emitter<NotifyEventMap> {
  /** The operator's choice, or `unsupported` where there is no Notification API or service worker. */
  get permission(): NotifyPermission {
    if (typeof Notification === 'undefined' || !('serviceWorker' in navigator)) return 'unsupported';
    return Notification.permission;
  }

  /** Asks the browser for permission; must run in a click handler. */
  async request(): Promise<NotifyPermission> {
    if (this.permission === 'unsupported') return 'unsupported';
    const result = await Notification.requestPermission();
    this.emit('change', { permission: result });
    return result;
  }

  /** Bumped by closeAll: a notification being shown for an earlier session is dropped. */
  private _session = 0;

  /**
   * Shows the alerts the hub gives this window from now on, and closes them all when the session
   * ends; returns the function that stops.
   */
  watch(client: FleetClientApi): () => void {
    const offNotify = client.addEventListener('notify', ({ alert, truckName }) => {
      // Not allowed when the alert came: it is never notified after the fact.
      if (this.permission !== 'granted') return;
      this._show(alert, truckName).catch((error: unknown) => {
        console.error('fleetwire: could not show a notification for alert', alert.id, error);
      });
    });
    const offLoggedOut = client.addEventListener('logged-out', () => void this.closeAll());
    return () => {
      offNotify();
      offLoggedOut();
    };
  }

  /**
   * Closes every notification the app's service worker registration shows (all of them are
   * fleetwire's alerts), and drops those still on their way. Never rejects.
   */
  async closeAll(): Promise<void> {
    this._session++;
    if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
    try {
      const registration = await navigator.serviceWorker.getRegistration();
      if (!registration) return;
      for (const notification of await registration.getNotifications()) notification.close();
    } catch (error) {
      console.error('fleetwire: could not close the alert notifications', error);
    }
  }

  private async _show(alert: Alert, truckName: string): Promise<void> {
    const session = this._session;
    const registration = await navigator.serviceWorker.getRegistration();
    if (!registration || session !== this._session) return;
    await registration.showNotification(`${alert.severity === 'critical' ? 'Critical' : 'Warning'}: ${truckName}`, {
      tag: alert.id,
      body: alert.message,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      timestamp: alert.startedAt,
      requireInteraction: alert.severity === 'critical',
      data: { url: `/trucks/${encodeURIComponent(alert.truckId)}` },
    } as NotificationOptions);
    // The session ended while it was being shown: it goes too.
    if (session !== this._session) for (const shown of await registration.getNotifications({ tag: alert.id })) shown.close();
  }
}

/** This window's alert notifications. */
export const alertNotifications = new AlertNotifications();
