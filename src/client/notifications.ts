/**
 * Alerts as system notifications, once the operator allowed them from the button in the app. The
 * hub picks one tab for each new alert (hub.ts `_notify`), so there is one notification per alert
 * however many tabs and windows are open; its tag is the alert id.
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

  /** Shows the alerts the hub gives this window from now on; returns the function that stops. */
  watch(client: FleetClientApi): () => void {
    return client.addEventListener('notify', ({ alert, truckName }) => {
      // Not allowed when the alert came: it is never notified after the fact.
      if (this.permission !== 'granted') return;
      this._show(alert, truckName).catch((error: unknown) => {
        console.error('fleetwire: could not show a notification for alert', alert.id, error);
      });
    });
  }

  private async _show(alert: Alert, truckName: string): Promise<void> {
    const registration = await navigator.serviceWorker.getRegistration();
    if (!registration) return;
    await registration.showNotification(`${alert.severity === 'critical' ? 'Critical' : 'Warning'}: ${truckName}`, {
      tag: alert.id,
      body: alert.message,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      timestamp: alert.startedAt,
      requireInteraction: alert.severity === 'critical',
      data: { url: `/trucks/${encodeURIComponent(alert.truckId)}` },
    } as NotificationOptions);
  }
}

/** This window's alert notifications. */
export const alertNotifications = new AlertNotifications();
