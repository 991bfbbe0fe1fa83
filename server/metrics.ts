/** fleetwire's Prometheus metrics: one registry per app instance, so tests never share counters. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Bus, BusStats } from './bus';

/** Every metric the server updates, registered on its own registry. */
export class FleetwireMetrics {
  readonly registry = new Registry();
  readonly sseConnections = new Gauge({
    name: 'fleetwire_sse_connections',
    help: 'Open /api/stream connections, per tenant.',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly eventsIngested = new Counter({
    name: 'fleetwire_events_ingested_total',
    help: 'Telemetry samples accepted by ingest (devices and simulator), per tenant.',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly eventsPublished = new Counter({
    name: 'fleetwire_events_published_total',
    help: 'Events published on the bus, per tenant and type.',
    labelNames: ['tenant', 'type'],
    registers: [this.registry],
  });
  readonly eventsDelivered = new Counter({
    name: 'fleetwire_events_delivered_total',
    help: 'Events written to stream clients (one per event per client), live and replayed.',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly fanoutSeconds = new Histogram({
    name: 'fleetwire_fanout_seconds',
    help: 'Time to write one published batch to every stream client of its tenant.',
    labelNames: ['tenant'],
    // Writes are memory copies: microseconds for a few clients, milliseconds for thousands.
    buckets: [0.000_05, 0.000_1, 0.000_5, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly slowClientDisconnects = new Counter({
    name: 'fleetwire_sse_slow_client_disconnects_total',
    help: 'Stream clients cut because their unsent buffer passed the bound (they resume by id).',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly streamResets = new Counter({
    name: 'fleetwire_sse_resets_total',
    help: 'Streams that could not resume from the id they gave and got a reset snapshot.',
    labelNames: ['tenant'],
    registers: [this.registry],
  });
  readonly ingestRejected = new Counter({
    name: 'fleetwire_ingest_rejected_total',
    help: 'Ingest requests refused, per HTTP status.',
    labelNames: ['status'],
    registers: [this.registry],
  });

  readonly historyRowsWritten = new Counter({
    name: 'fleetwire_history_rows_written_total',
    help: 'Telemetry samples written to the database history.',
    registers: [this.registry],
  });
  readonly historyRowsSkipped = new Counter({
    name: 'fleetwire_history_rows_skipped_total',
    help: 'Telemetry samples not kept in the history (outside the retention window, or lost at shutdown).',
    registers: [this.registry],
  });

  /** Adds the history backlog gauge; read at scrape time. */
  watchHistory(history: { readonly backlog: number }): void {
    new Gauge({
      name: 'fleetwire_history_backlog_rows',
      help: 'Telemetry samples accepted but not yet written to the database.',
      registers: [this.registry],
      collect() {
        this.set(history.backlog);
      },
    });
  }

  /** Adds the read-loop gauges of a bus that has them (Redis); read at scrape time. */
  watchBus(bus: Pick<Bus, 'stats'>): void {
    if (!bus.stats) return;
    const stats = bus.stats.bind(bus);
    const gauge = (name: string, help: string, read: (s: BusStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read(stats()));
        },
      });
    gauge('fleetwire_bus_read_loop_up', 'Redis read loop: 1 while its last XREAD succeeded, 0 while it is failing and retrying.', (s) => s.readLoopUp);
    gauge('fleetwire_bus_read_loop_restarts_total', 'Redis read loop: reads that failed and were retried since start.', (s) => s.readLoopRestarts);
    gauge('fleetwire_bus_lag_seconds', 'Redis bus: delay between appending the newest delivered event and its delivery here.', (s) => s.lagSeconds);
    gauge('fleetwire_bus_last_read_age_seconds', 'Redis read loop: seconds since an XREAD last returned (stays under the 5 s block when healthy).', (s) => s.sinceLastReadSeconds);
    gauge('fleetwire_bus_redis_up', 'Redis command connection: 1 when ready, 0 while reconnecting.', (s) => s.connectionUp);
  }

  constructor(options: { processMetrics?: boolean; tenants?: string[] } = {}) {
    // Process metrics start an event-loop monitor; the real server wants them, throwaway test apps do not.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    for (const tenant of options.tenants ?? []) this.sseConnections.set({ tenant }, 0);
  }
}
