import { describe, expect, it } from 'vitest';
import { AlertList, compareAlerts, mergeAlert } from '../../src/app/alert-list';
import type { FleetClientApi } from '../../src/client/api';
import type { Alert } from '../../src/shared/fleet';

const raised: Alert = { id: 'a1', truckId: 't1', kind: 'speeding', severity: 'warning', state: 'active', startedAt: 100, message: 'fast' };
const acked: Alert = { ...raised, ackedBy: 'ana', ackedAt: 150 };
const cleared: Alert = { ...raised, state: 'cleared', clearedAt: 200, message: 'ok' };

describe('mergeAlert', () => {
  it('ends in the same alert whatever order the start, the acknowledgement and the clear arrive in', () => {
    const orders = [
      [raised, acked, cleared],
      [raised, cleared, acked],
      [cleared, acked, raised],
      [acked, cleared, raised],
    ];
    for (const order of orders) {
      const merged = order.reduce<Alert | undefined>((known, next) => mergeAlert(known, next), undefined)!;
      expect(merged).toMatchObject({ state: 'cleared', clearedAt: 200, ackedBy: 'ana', ackedAt: 150, startedAt: 100 });
    }
  });
});

describe('compareAlerts', () => {
  it('puts active alerts first, then the newest', () => {
    const list = [cleared, { ...raised, id: 'a2', startedAt: 50 }, { ...raised, id: 'a3', startedAt: 300, state: 'cleared' as const }, raised];
    expect([...list].sort(compareAlerts).map((a) => a.id)).toEqual(['a1', 'a2', 'a3', 'a1']);
  });
});

describe('AlertList', () => {
  /** The client as AlertList uses it: its events, its active alerts and the server's list. */
  function standIn() {
    const listeners = new Map<string, Set<(detail: never) => void>>();
    const activeAlerts = new Map<string, Alert>();
    const client = {
      status: { state: 'live' } as FleetClientApi['status'],
      activeAlerts,
      alerts: () => Promise.resolve([] as Alert[]),
      addEventListener(type: string, listener: (detail: never) => void) {
        let set = listeners.get(type);
        if (!set) listeners.set(type, (set = new Set()));
        set.add(listener);
        return () => set.delete(listener);
      },
      emit(type: string, detail: unknown) {
        for (const l of listeners.get(type) ?? []) l(detail as never);
      },
    };
    return client;
  }

  it('shows an alert that arrives in a snapshot (a tab that fell behind), not only one that arrives as an event', async () => {
    const client = standIn();
    let updates = 0;
    const host = { addController: () => undefined, removeController: () => undefined, requestUpdate: () => updates++, updateComplete: Promise.resolve(true) };
    const list = new AlertList(host);
    list.hostConnected();
    list.client = client as unknown as FleetClientApi;
    list.hostUpdate();
    await new Promise((r) => setTimeout(r, 0));
    expect(list.alerts).toEqual([]);

    // The hub replaced the tab's state: the alert is in the client's active alerts, with no `alert` event.
    client.activeAlerts.set(raised.id, raised);
    const before = updates;
    client.emit('change', { truckIds: ['t1'], reset: true, events: 0 });
    expect(list.alerts.map((a) => a.id)).toEqual([raised.id]);
    expect(updates).toBeGreaterThan(before);

    // An ordinary change of telemetry does not re-read them.
    client.activeAlerts.set('a9', { ...raised, id: 'a9' });
    client.emit('change', { truckIds: ['t1'], reset: false, events: 1 });
    expect(list.alerts.map((a) => a.id)).toEqual([raised.id]);
  });
});
