/** The one ingest path: validation, tenant checks, alerts, publish. The route and the simulator both use it. */
import type { Alert, Telemetry, TruckInfo } from '../src/shared/fleet';
import type { Bus, UnpublishedEvent } from './bus';
import { HttpError } from './errors';
import type { AlertEngine } from './alerts';
import type { FleetwireMetrics } from './metrics';
import type { FleetStore } from './store';
import { parseTelemetryBody } from './telemetry';

/** What the ingestor needs. */
export interface IngestorDeps {
  bus: Bus;
  store: FleetStore;
  metrics: FleetwireMetrics;
  alerts: AlertEngine | null;
  now?: () => number;
}

/** Turns device telemetry into bus events, all-or-nothing, one request at a time per tenant. */
export class Ingestor {
  // Serializes publishes per tenant, so alert state and event order agree even with an async bus.
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly now: () => number;

  constructor(private readonly deps: IngestorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Validates a body exactly as `POST /api/ingest` receives it, then publishes; resolves with the ids. */
  async ingest(tenant: string, body: unknown): Promise<string[]> {
    return this.publishTelemetry(tenant, parseTelemetryBody(body));
  }

  /**
   * Publishes already-parsed telemetry for the device key's tenant. Unknown truck → 400, another
   * tenant's truck → 403, and then nothing is published. Resolves with one id per item, in order.
   */
  async publishTelemetry(tenant: string, items: readonly Telemetry[]): Promise<string[]> {
    const trucks: TruckInfo[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Telemetry;
      const truck = await this.deps.store.truck(item.truckId);
      const where = items.length > 1 ? `items[${i}].truckId` : 'truckId';
      if (!truck) {
        throw new HttpError(400, 'unknown_truck', `${where} "${item.truckId}" is not a truck of this fleet; check the id (e.g. "${tenant}-01").`);
      }
      if (truck.tenant !== tenant) {
        throw new HttpError(403, 'wrong_tenant', `${where} "${item.truckId}" belongs to another tenant; this device key may only write ${tenant}'s trucks.`);
      }
      trucks.push(truck);
    }
    return this.serialized(tenant, async () => {
      const events: UnpublishedEvent[] = [];
      const telemetryIndex: number[] = [];
      const commit = this.deps.alerts?.begin() ?? null;
      for (let i = 0; i < items.length; i++) {
        const item = items[i] as Telemetry;
        telemetryIndex.push(events.length);
        events.push({ type: 'telemetry', data: item });
        const changes: Alert[] = commit ? commit.onTelemetry(trucks[i] as TruckInfo, item, this.now()) : [];
        for (const alert of changes) events.push({ type: 'alert', data: alert });
      }
      const published = await this.deps.bus.publish(tenant, events);
      commit?.commit();
      this.count(tenant, published);
      this.deps.metrics.eventsIngested.inc({ tenant }, items.length);
      return telemetryIndex.map((i) => (published[i] as { id: string }).id);
    });
  }

  /** Publishes events that do not come from devices (alert sweeps, truck updates), in the same per-tenant order. */
  async publish(tenant: string, build: () => UnpublishedEvent[]): Promise<void> {
    await this.serialized(tenant, async () => {
      const events = build();
      if (events.length === 0) return;
      this.count(tenant, await this.deps.bus.publish(tenant, events));
    });
  }

  private count(tenant: string, events: readonly { type: string }[]): void {
    for (const e of events) this.deps.metrics.eventsPublished.inc({ tenant, type: e.type });
  }

  private serialized<T>(tenant: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(tenant) ?? Promise.resolve();
    // A failed task must not block the ones after it: they chain on its settlement, not its success.
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.queues.set(tenant, settled);
    void settled.then(() => {
      if (this.queues.get(tenant) === settled) this.queues.delete(tenant);
    });
    return run;
  }
}
