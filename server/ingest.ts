/** The one ingest path: validation, tenant checks, alerts, publish. The route and the simulator both use it. */
import type { Alert, Telemetry, TruckInfo } from '../src/shared/fleet';
import { PublishConflictError, type Bus, type BusEvent, type UnpublishedEvent } from './bus';
import { HttpError } from './errors';
import type { AlertTracker, AlertTransaction } from './alerts';
import type { FleetwireMetrics } from './metrics';
import type { Directory, HistoryWriter } from './store';
import { parseTelemetryBody } from './telemetry';

/** What the ingestor needs. */
export interface IngestorDeps {
  bus: Bus;
  /** Trucks by tenant and id. */
  directory: Pick<Directory, 'truck'>;
  /** Where accepted telemetry is kept (the database); null: nowhere but the bus. */
  history: HistoryWriter | null;
  metrics: FleetwireMetrics;
  alerts: AlertTracker | null;
  now?: () => number;
  /** Telemetry events waiting to be published per tenant past which devices are told to retry (503); default: no bound. */
  maxQueuedEvents?: number;
}

/**
 * Publish attempts when alert trackers changed under us (another instance took a sample of the same
 * truck at the same moment). Each retry re-reads the trackers after a random pause, so two instances
 * racing on one truck fall out of step; ten collisions in a row and the device is told to retry.
 */
export const MAX_PUBLISH_ATTEMPTS = 10;
/** Upper bound of the random pause before a retry, ms (doubling per attempt up to this). */
const RETRY_JITTER_MAX_MS = 50;

/** Turns device telemetry into bus events, all-or-nothing, one request at a time per tenant. */
export class Ingestor {
  // Serializes publishes per tenant, so alert state and event order agree even with an async bus.
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Telemetry events accepted but not yet published, per tenant (what the queues hold). */
  private readonly queued = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly deps: IngestorDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Validates a body exactly as `POST /api/ingest` receives it, then publishes; resolves with the ids. */
  async ingest(tenant: string, body: unknown): Promise<string[]> {
    return this.publishTelemetry(tenant, parseTelemetryBody(body));
  }

  /** True while the history backlog is full: devices are asked to retry (503) instead of piling up memory. */
  get saturated(): boolean {
    return this.deps.history?.full ?? false;
  }

  /**
   * Publishes already-parsed telemetry for the device key's tenant (and, for a key bound to one truck,
   * that truck only). A truck not of the tenant (missing or another tenant's, alike) → 400, another truck than the key's → 403,
   * and then nothing is published. Resolves with one id per item, in order.
   */
  async publishTelemetry(tenant: string, items: readonly Telemetry[], boundTruck: string | null = null): Promise<string[]> {
    if (this.saturated) {
      throw new HttpError(503, 'history_backlog', 'The database is behind on storing telemetry; nothing was stored. Retry in a few seconds.', {
        'retry-after': '2',
      });
    }
    const trucks: TruckInfo[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as Telemetry;
      const where = items.length > 1 ? `items[${i}].truckId` : 'truckId';
      if (boundTruck !== null && item.truckId !== boundTruck) {
        throw new HttpError(403, 'wrong_truck', `${where} "${item.truckId}" is not this device key's truck: the key may only write "${boundTruck}".`);
      }
      const truck = this.deps.directory.truck(tenant, item.truckId);
      if (!truck) {
        // Another tenant's truck is answered exactly like a missing one: a device key must not learn
        // which truck ids other fleets use.
        throw new HttpError(400, 'unknown_truck', `${where} "${item.truckId}" is not a truck of this fleet; check the id (e.g. "${tenant}-01").`);
      }
      trucks.push(truck);
    }
    const truckIds = trucks.map((t) => t.id);
    const waiting = this.queued.get(tenant) ?? 0;
    if (waiting + items.length > (this.deps.maxQueuedEvents ?? Infinity)) {
      throw new HttpError(503, 'ingest_backlog', 'This fleet’s telemetry is arriving faster than it can be published; nothing was stored. Retry in a few seconds.', {
        'retry-after': '2',
      });
    }
    this.queued.set(tenant, waiting + items.length);
    const done = () => {
      const left = (this.queued.get(tenant) ?? items.length) - items.length;
      if (left > 0) this.queued.set(tenant, left);
      else this.queued.delete(tenant);
    };
    return this.serialized(tenant, async () => {
      // Out of the queue once its turn comes, published or not.
      done();
      let telemetryIndex: number[] = [];
      const published = await this.publishWithAlerts(tenant, truckIds, (tx) => {
        const events: UnpublishedEvent[] = [];
        telemetryIndex = [];
        for (let i = 0; i < items.length; i++) {
          const item = items[i] as Telemetry;
          telemetryIndex.push(events.length);
          events.push({ type: 'telemetry', data: item });
          const changes: Alert[] = tx ? tx.onTelemetry(trucks[i] as TruckInfo, item, this.now()) : [];
          for (const alert of changes) events.push({ type: 'alert', data: alert });
        }
        return events;
      });
      this.count(tenant, published);
      this.deps.metrics.eventsIngested.inc({ tenant }, items.length);
      const ids = telemetryIndex.map((i) => (published[i] as { id: string }).id);
      this.deps.history?.append(items.map((telemetry, i) => ({ tenant, eventId: ids[i] as string, telemetry })));
      return ids;
    });
  }

  /**
   * Evaluates every tracked truck of a tenant without a sample (no-data alerts) and publishes what
   * starts or clears; `infoOf` gives each truck's current identity.
   */
  async sweepAlerts(tenant: string, infoOf: (truckId: string) => TruckInfo | undefined): Promise<void> {
    if (!this.deps.alerts) return;
    await this.serialized(tenant, async () => {
      const published = await this.publishWithAlerts(tenant, 'all', (tx) =>
        (tx?.onSweep(this.now(), infoOf) ?? []).map((data) => ({ type: 'alert' as const, data })),
      );
      this.count(tenant, published);
    });
  }

  /**
   * Builds events against fresh alert trackers and publishes them with the trackers' new states;
   * when another instance changed a tracker first, builds again (nothing was published).
   */
  private async publishWithAlerts(
    tenant: string,
    truckIds: readonly string[] | 'all',
    build: (tx: AlertTransaction | null) => UnpublishedEvent[],
  ): Promise<BusEvent[]> {
    for (let attempt = 1; ; attempt++) {
      const tx = this.deps.alerts ? await this.deps.alerts.begin(tenant, truckIds) : null;
      const events = build(tx);
      const trackerStates = tx?.writes() ?? [];
      try {
        const published =
          trackerStates.length > 0
            ? await this.deps.bus.publish(tenant, events, { trackerStates })
            : await this.deps.bus.publish(tenant, events);
        tx?.commit();
        return published;
      } catch (err) {
        if (!(err instanceof PublishConflictError)) throw err;
        if (attempt >= MAX_PUBLISH_ATTEMPTS) {
          throw new HttpError(503, 'busy', 'Other server instances kept updating these trucks at the same moment; nothing was stored. Retry in a second.', {
            'retry-after': '1',
          });
        }
        const jitterMs = Math.random() * Math.min(2 ** attempt, RETRY_JITTER_MAX_MS);
        await new Promise((resolve) => setTimeout(resolve, jitterMs));
      }
    }
  }

  /** Publishes events that do not come from devices (alert sweeps, truck updates), in the same per-tenant order. */
  async publish(tenant: string, build: () => UnpublishedEvent[]): Promise<void> {
    await this.serialized(tenant, async () => {
      const events = build();
      if (events.length === 0) return;
      this.count(tenant, await this.deps.bus.publish(tenant, events));
    });
  }

  /** Counts published events, and hands their alerts to the database (the tenant's alert record). */
  private count(tenant: string, events: readonly BusEvent[]): void {
    const alerts: Alert[] = [];
    for (const e of events) {
      this.deps.metrics.eventsPublished.inc({ tenant, type: e.type });
      if (e.type === 'alert') alerts.push(e.data);
    }
    this.deps.history?.appendAlerts(tenant, alerts);
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
