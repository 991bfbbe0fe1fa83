/** Server-side alerting: runs the shared pure `evaluateAlerts` per truck on every sample and on a sweep. */
import type { Alert, Telemetry, TruckInfo } from '../src/shared/fleet';
import { emptyAlertState, evaluateAlerts, type AlertTrackerState } from '../src/shared/insights';
import type { GuardedWrite } from './bus';

/** A truck's tracker as stored: its tenant, its identity at the last evaluation, its state. */
export interface TrackerEntry {
  tenant: string;
  truck: TruckInfo;
  state: AlertTrackerState;
}

/** Alert evaluation for one publish; nothing is kept unless `commit` is called after publishing. */
export interface AlertTransaction {
  /** Evaluates one sample; returns the alerts that start or clear with it. */
  onTelemetry(truck: TruckInfo, telemetry: Telemetry, now: number): Alert[];
  /**
   * Evaluates every tracked truck of the transaction's tenant without a sample (no-data alerts);
   * `infoOf` gives each truck's current identity (its transfer may have changed since the last sample).
   */
  onSweep(now: number, infoOf: (truckId: string) => TruckInfo | undefined): Alert[];
  /** Tracker states to store with the events, guarded by what was read (empty for in-process state). */
  writes(): GuardedWrite[];
  /** Keeps the states computed in this transaction (the events were published). */
  commit(): void;
}

/**
 * Where per-truck alert trackers live. In-process (`AlertEngine`) with the memory bus; in Redis with
 * the Redis bus, where the instance that accepts a sample evaluates it against the shared tracker and
 * publishes with a compare-and-set, so alerts start and clear once whichever instance took the sample.
 */
export interface AlertTracker {
  /** Starts a transaction for a tenant; `truckIds` are the trucks it will evaluate, or 'all' for a sweep. */
  begin(tenant: string, truckIds: readonly string[] | 'all'): AlertTransaction | Promise<AlertTransaction>;
  /** Tenants with trucks that have reported at least once (the only ones a sweep can alert on). */
  tenants(): Iterable<string> | Promise<Iterable<string>>;
}

/**
 * A transaction over tracker entries read at its start (`base`); evaluations chain on what the
 * transaction itself computed, so several samples of one truck in a batch see each other.
 */
export class TrackerTransaction implements AlertTransaction {
  private readonly pending = new Map<string, TrackerEntry>();

  constructor(
    private readonly tenant: string,
    private readonly base: ReadonlyMap<string, TrackerEntry>,
    private readonly onCommit: (pending: ReadonlyMap<string, TrackerEntry>) => void,
    /** Stored JSON of each tracker as read, to guard the writes; null when the state is in-process. */
    private readonly raw: ReadonlyMap<string, string> | null = null,
  ) {}

  onTelemetry(truck: TruckInfo, telemetry: Telemetry, now: number): Alert[] {
    const prev = this.pending.get(truck.id)?.state ?? this.base.get(truck.id)?.state ?? emptyAlertState();
    const { state, changes } = evaluateAlerts(prev, { truckId: truck.id, transfer: truck.transfer, telemetry, now });
    this.pending.set(truck.id, { tenant: truck.tenant, truck, state });
    return changes;
  }

  onSweep(now: number, infoOf: (truckId: string) => TruckInfo | undefined): Alert[] {
    const changes: Alert[] = [];
    for (const [id, entry] of this.base) {
      if (entry.tenant !== this.tenant) continue;
      const current = this.pending.get(id) ?? entry;
      const truck = infoOf(id) ?? current.truck;
      const result = evaluateAlerts(current.state, { truckId: id, transfer: truck.transfer, telemetry: null, now });
      this.pending.set(id, { tenant: this.tenant, truck, state: result.state });
      changes.push(...result.changes);
    }
    return changes;
  }

  writes(): GuardedWrite[] {
    if (this.raw === null) return [];
    const out: GuardedWrite[] = [];
    for (const [id, entry] of this.pending) {
      const next = JSON.stringify(entry);
      const expected = this.raw.get(id) ?? null;
      if (next !== expected) out.push({ field: id, expected, next });
    }
    return out;
  }

  commit(): void {
    this.onCommit(this.pending);
  }
}

/** Per-truck alert state in this process; a rejected request never changes it. */
export class AlertEngine implements AlertTracker {
  private readonly states = new Map<string, TrackerEntry>();

  /** Starts evaluating one request's samples (or a sweep). */
  begin(tenant = '', _truckIds: readonly string[] | 'all' = 'all'): AlertTransaction {
    return new TrackerTransaction(tenant, this.states, (pending) => {
      for (const [id, entry] of pending) this.states.set(id, entry);
    });
  }

  tenants(): Set<string> {
    return new Set([...this.states.values()].map((s) => s.tenant));
  }
}
