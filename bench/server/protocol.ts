// Messages between bench/server/run.ts and its load-generator children (bench/server/load.ts), over IPC.

/** One group of stream clients that share a path and headers (one tenant). */
export interface ClientGroup {
  tenant: string;
  /** Request path, e.g. `/api/stream` or `/api/stream?tenant=acme`. */
  path: string;
  /** Extra request header lines, e.g. `Cookie: …`. */
  headers: string[];
  count: number;
}

/** Starts a stream-clients child. */
export interface ClientsConfig {
  role: 'clients';
  host: string;
  port: number;
  groups: ClientGroup[];
  /** Every n-th client also reads `ts` out of each event for the latency histogram. */
  probeEvery: number;
  /** At most this many probe clients per process (parsing every event is costly). */
  maxProbes: number;
  /** Connections being opened at once (keeps the listen backlog from overflowing). */
  connectConcurrency: number;
  /** The child exits by itself after this long, whatever the coordinator says, ms. */
  lifetimeMs: number;
}

/** Starts the ingest child. */
export interface IngestConfig {
  role: 'ingest';
  host: string;
  port: number;
  /** Device key per tenant. */
  keys: Record<string, string>;
  /** Trucks events are spread over, round-robin; the tenant is the id's prefix. */
  trucks: string[];
  ratePerS: number;
  durationMs: number;
  /** One POST per tenant per tick, carrying the events due in that tick, ms. */
  tickMs: number;
  /** After the last POST, how long to wait for outstanding replies, ms. */
  replyWaitMs: number;
  lifetimeMs: number;
}

export type ChildConfig = ClientsConfig | IngestConfig;

/** Coordinator → child. */
export type ToChild =
  | { type: 'connect' }
  | { type: 'mark'; name: string }
  | { type: 'report' }
  | { type: 'start' }
  | { type: 'stop' };

/** Latency histogram: count per whole millisecond, sparse. */
export type Histogram = Record<number, number>;

/** Child → coordinator. */
export type FromChild =
  | { type: 'connected'; open: number; failed: number; ms: number }
  | { type: 'mark'; name: string; received: number; at: number }
  | {
      type: 'report';
      /** Telemetry events received by each client, by tenant. */
      perClient: Record<string, number[]>;
      /** Clients whose stream ended (cut or failed) before the end. */
      closed: number;
      latency: Histogram;
      /** Socket reads that carried body bytes. */
      reads: number;
      cpuMs: number;
    }
  | {
      type: 'sent';
      /** Events posted per tenant (answered or not). */
      sent: Record<string, number>;
      ms: number;
    }
  | {
      type: 'ingested';
      /** Events accepted (ids returned) per tenant. */
      accepted: Record<string, number>;
      errors: number;
      /** Requests still unanswered when the ingest gave up waiting (their events are not counted as sent). */
      unanswered: number;
      requests: number;
      /** Ingest round-trip per request, ms. */
      latency: Histogram;
      ms: number;
      cpuMs: number;
    };
