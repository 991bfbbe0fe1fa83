/** Server-side alerting: runs the shared pure `evaluateAlerts` per truck on every sample and on a sweep. */
import type { Alert, Telemetry, TruckInfo } from '../src/shared/fleet';
import { emptyAlertState, evaluateAlerts, type AlertTrackerState } from '../src/shared/insights';

/** Alert evaluation for one ingest request; nothing is kept unless `commit` is called after publishing. */
export interface AlertTransaction {
  /** Evaluates one sample; returns the alerts that start or clear with it. */
  onTelemetry(truck: TruckInfo, telemetry: Telemetry, now: number): Alert[];
  /** Keeps the states computed in this transaction (the events were published). */
  commit(): void;
}

/** Per-truck alert state; a rejected request never changes it. */
export class AlertEngine {
  private readonly states = new Map<string, { tenant: string; truck: TruckInfo; state: AlertTrackerState }>();

  /** Starts evaluating one request's samples. */
  begin(): AlertTransaction {
    const pending = new Map<string, { tenant: string; truck: TruckInfo; state: AlertTrackerState }>();
    return {
      onTelemetry: (truck, telemetry, now) => {
        const prev = pending.get(truck.id)?.state ?? this.states.get(truck.id)?.state ?? emptyAlertState();
        const { state, changes } = evaluateAlerts(prev, { truckId: truck.id, transfer: truck.transfer, telemetry, now });
        pending.set(truck.id, { tenant: truck.tenant, truck, state });
        return changes;
      },
      commit: () => {
        for (const [id, entry] of pending) this.states.set(id, entry);
      },
    };
  }

  /** Tenants with trucks that have reported at least once (the only ones a sweep can alert on). */
  tenants(): Set<string> {
    return new Set([...this.states.values()].map((s) => s.tenant));
  }

  /**
   * Evaluates every known truck of a tenant without a sample (no-data alerts) and keeps the result;
   * `infoOf` gives each truck's current identity (its transfer may have changed since the last sample).
   */
  sweep(tenant: string, now: number, infoOf: (truckId: string) => TruckInfo | undefined): Alert[] {
    const changes: Alert[] = [];
    for (const [id, entry] of this.states) {
      if (entry.tenant !== tenant) continue;
      const truck = infoOf(id) ?? entry.truck;
      const result = evaluateAlerts(entry.state, { truckId: id, transfer: truck.transfer, telemetry: null, now });
      this.states.set(id, { tenant, truck, state: result.state });
      changes.push(...result.changes);
    }
    return changes;
  }
}
