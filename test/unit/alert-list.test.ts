import { describe, expect, it } from 'vitest';
import { compareAlerts, mergeAlert } from '../../src/app/alert-list';
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
