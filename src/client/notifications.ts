/**
 * Alerts as system notifications: one per alert across every tab and window, tagged with the
 * alert id, and only once the operator allowed them from the button in the app.
 */
import type { Alert } from '../shared/fleet';
import type { FleetClientApi } from './api';
import { Emitter } from './emitter';

/** localStorage key of the alert ids already notified in this browser (shared by every tab). */
const NOTIFIED_KEY = 'fleetwire:notified-alerts';
/** Ids remembered; alerts older than the last 500 will not come again. */
const NOTIFIED_MAX = 500;
/** Web Lock that makes "was it shown? then show it" one step across tabs. */
const NOTIFY_LOCK = 'fleetwire-notify';

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

  /** Notifies every alert the client hears from now on; returns the function that stops. */
  watch(client: FleetClientApi): () => void {
    return client.addEventListener('alert', (alert) => {
      if (alert.state !== 'active' || this.permission !== 'granted') return;
      this._show(client, alert).catch((error: unknown) => {
        console.error('fleetwire: could not show a notification for alert', alert.id, error);
      });
    });
  }

  private async _show(client: FleetClientApi, alert: Alert): Promise<void> {
    const registration = await navigator.serviceWorker.getRegistration();
    if (!registration) return;
    // Every tab hears every alert: the lock and the shared list let exactly one of them show it,
    // and the tag collapses it with any notification of the same alert the browser still shows.
    await navigator.locks.request(NOTIFY_LOCK, async () => {
      const notified = readNotified();
      if (notified.includes(alert.id)) return;
      const truck = client.trucks.get(alert.truckId)?.name ?? alert.truckId;
      await registration.showNotification(`${alert.severity === 'critical' ? 'Critical' : 'Warning'}: ${truck}`, {
        tag: alert.id,
        body: alert.message,
        icon: '/icons/icon-192.png',
        badge: '/icons/icon-192.png',
        timestamp: alert.startedAt,
        requireInteraction: alert.severity === 'critical',
        data: { url: `/trucks/${encodeURIComponent(alert.truckId)}` },
      } as NotificationOptions);
      writeNotified([...notified, alert.id].slice(-NOTIFIED_MAX));
    });
  }
}

function readNotified(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(NOTIFIED_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    // Unreadable or disabled storage: at worst an alert is notified again, collapsed by its tag.
    return [];
  }
}

function writeNotified(ids: string[]): void {
  try {
    localStorage.setItem(NOTIFIED_KEY, JSON.stringify(ids));
  } catch {
    // Full or disabled storage: the tag still collapses repeats the browser shows.
  }
}

/** This window's alert notifications. */
export const alertNotifications = new AlertNotifications();
