/**
 * Telemetry history in the database: written in batches (one INSERT of many rows per round trip,
 * the next batch gathering while one is in flight), read per truck and time range, kept for
 * FLEETWIRE_HISTORY_DAYS in one partition per UTC day, so retention drops whole days.
 */
import { sql, type Kysely } from 'kysely';
import type { Alert, Telemetry } from '../../src/shared/fleet';
import { recordAlerts } from './alerts';
import type { Schema } from './schema';

/** One UTC day, ms. */
const DAY_MS = 86_400_000;
/** Days of partitions made ahead of today, so a day never starts without its partition. */
const DAYS_AHEAD = 2;
/** Most rows one INSERT carries. */
export const HISTORY_BATCH_ROWS = 5_000;
/** Pause before a failed batch is tried again, ms (the database is restarting, or unreachable). */
const RETRY_MS = 1_000;
/** Longest a read waits for this instance's own pending writes, ms. */
export const READ_YOUR_WRITES_MS = 2_000;
/** How often partitions are created ahead and dropped behind, ms. */
const MAINTENANCE_MS = 60 * 60_000;

/** One accepted sample, with the id the bus gave it. */
export interface HistoryRow {
  tenant: string;
  eventId: string;
  telemetry: Telemetry;
}

/** What the writer reports (logs and metrics). */
export interface HistoryEvents {
  onWritten?(rows: number, ms: number): void;
  onSkipped?(rows: number, why: string): void;
  onError?(err: unknown, pendingRows: number): void;
}

/** Options of the history writer. */
export interface HistoryOptions {
  /** Days of history kept; 0 keeps none. */
  days: number;
  /** Rows waiting to be written past which `full` is true (ingest answers 503 then). */
  maxPending: number;
  now?: () => number;
  events?: HistoryEvents;
}

function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function partitionName(day: number): string {
  return `telemetry_${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** Days [first, last) the partitions cover at `now`. */
export function partitionRange(now: number, days: number): { first: number; end: number } {
  const today = dayStart(now);
  return { first: today - days * DAY_MS, end: today + (DAYS_AHEAD + 1) * DAY_MS };
}

/**
 * Makes the partitions from `days` ago to DAYS_AHEAD ahead and drops older ones. Under an advisory
 * lock, so instances starting together do not race on CREATE TABLE.
 */
export async function maintainPartitions(db: Kysely<Schema>, now: number, days: number): Promise<{ created: number; dropped: string[] }> {
  const { first, end } = partitionRange(now, days);
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext('fleetwire.telemetry.partitions'))`.execute(tx);
    const existing = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid
      join pg_class p on p.oid = i.inhparent
      where p.relname = 'telemetry'`.execute(tx);
    const names = new Set(existing.rows.map((r) => r.name));
    let created = 0;
    for (let day = first; day < end; day += DAY_MS) {
      const name = partitionName(day);
      if (names.has(name)) continue;
      const from = new Date(day).toISOString();
      const to = new Date(day + DAY_MS).toISOString();
      await sql`create table ${sql.id(name)} partition of telemetry for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(tx);
      created++;
    }
    const dropped: string[] = [];
    for (const name of names) {
      const m = /^telemetry_(\d{4})(\d{2})(\d{2})$/.exec(name);
      if (!m) continue;
      if (Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) < first) {
        await sql`drop table ${sql.id(name)}`.execute(tx);
        dropped.push(name);
      }
    }
    return { created, dropped };
  });
}

/** Writes accepted telemetry to the database in batches; `append` never waits for the database. */
export class HistoryWriter {
  private pending: HistoryRow[] = [];
  /** Alert events, written with the telemetry of the same round (their order kept). */
  private pendingAlerts: { tenant: string; alert: Alert }[] = [];
  private writing: Promise<void> | null = null;
  private readonly now: () => number;
  private maintenance: NodeJS.Timeout | null = null;
  private closed = false;
  /** Resolvers waiting for everything appended before them to be written. */
  private waiters: { through: number; resolve: () => void }[] = [];
  private appended = 0;
  private written = 0;

  constructor(
    private readonly db: Kysely<Schema>,
    private readonly options: HistoryOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Whether history is kept at all (`days` 0: it is not). */
  get enabled(): boolean {
    return this.options.days > 0;
  }

  /** Creates today's partitions and starts the hourly maintenance. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    await maintainPartitions(this.db, this.now(), this.options.days);
    this.maintenance = setInterval(() => {
      maintainPartitions(this.db, this.now(), this.options.days).catch((err: unknown) => this.options.events?.onError?.(err, this.pending.length));
    }, MAINTENANCE_MS);
    this.maintenance.unref();
  }

  /** True while so many rows wait that new telemetry should be refused (503) rather than piled up. */
  get full(): boolean {
    return this.pending.length >= this.options.maxPending;
  }

  /** Rows accepted but not yet written. */
  get backlog(): number {
    return this.pending.length;
  }

  /** Queues rows; they are written within one round trip of the batch in flight. */
  append(rows: readonly HistoryRow[]): void {
    if (rows.length === 0 || !this.enabled) return;
    for (const row of rows) this.pending.push(row);
    this.appended += rows.length;
    this.writing ??= this.drain();
  }

  /** Queues alert events (starts, clears, acknowledgements); written with the next batch. */
  appendAlerts(tenant: string, alerts: readonly Alert[]): void {
    if (alerts.length === 0) return;
    for (const alert of alerts) this.pendingAlerts.push({ tenant, alert });
    this.appended += alerts.length;
    this.writing ??= this.drain();
  }

  /** Resolves when every row appended before this call is written (a read after a write sees it). */
  settled(): Promise<void> {
    if (this.written >= this.appended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ through: this.appended, resolve }));
  }

  /**
   * Like `settled`, but gives up after `limitMs`: a read that wants this instance's own recent writes
   * (read-your-writes) waits a bounded time, never for a database that is away.
   */
  settledWithin(limitMs = READ_YOUR_WRITES_MS): Promise<void> {
    return Promise.race([this.settled(), new Promise<void>((resolve) => setTimeout(resolve, limitMs).unref())]);
  }

  /** Writes what is queued and stops; rows that cannot be written by `timeoutMs` are reported lost. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.maintenance) clearInterval(this.maintenance);
    const done = this.settled();
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
    if ((await Promise.race([done, timer])) === 'timeout') {
      this.options.events?.onSkipped?.(this.pending.length, 'the database did not take them before shutdown');
    }
    this.closed = true;
  }

  private async drain(): Promise<void> {
    while ((this.pending.length > 0 || this.pendingAlerts.length > 0) && !this.closed) {
      const batch = this.pending.slice(0, HISTORY_BATCH_ROWS);
      const alerts = this.pendingAlerts.slice(0, HISTORY_BATCH_ROWS);
      const started = performance.now();
      try {
        await this.write(batch, alerts);
      } catch (err) {
        this.options.events?.onError?.(err, this.pending.length);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref());
        continue;
      }
      this.pending.splice(0, batch.length);
      this.pendingAlerts.splice(0, alerts.length);
      this.written += batch.length + alerts.length;
      this.options.events?.onWritten?.(batch.length, performance.now() - started);
      this.waiters = this.waiters.filter((w) => {
        if (w.through > this.written) return true;
        w.resolve();
        return false;
      });
    }
    this.writing = null;
  }

  private async write(batch: readonly HistoryRow[], alerts: readonly { tenant: string; alert: Alert }[]): Promise<void> {
    const { first, end } = partitionRange(this.now(), this.options.days);
    const rows = [];
    let skipped = 0;
    for (const r of batch) {
      // Older than retention (it would be dropped at once) or past the partitions made so far.
      if (r.telemetry.ts < first || r.telemetry.ts >= end) skipped++;
      else rows.push({ tenant: r.tenant, truck_id: r.telemetry.truckId, ts: new Date(r.telemetry.ts).toISOString(), event_id: r.eventId, data: r.telemetry });
    }
    if (skipped > 0) this.options.events?.onSkipped?.(skipped, `their ts is outside the ${this.options.days} days of history kept`);
    if (rows.length === 0 && alerts.length === 0) return;
    // One parameter for the whole batch: the same statement on PGlite and node-postgres, no per-row round trip.
    const json = JSON.stringify(rows);
    await this.db.transaction().execute(async (tx) => {
      await recordAlerts(tx, alerts);
      if (rows.length === 0) return;
      await sql`
        insert into telemetry (tenant, truck_id, ts, event_id, data)
        select tenant, truck_id, ts, event_id, data
        from jsonb_to_recordset(${json}::jsonb) as r(tenant text, truck_id text, ts timestamptz, event_id text, data jsonb)`.execute(tx);
      await sql`
        insert into truck_last (tenant, truck_id, ts, event_id, data)
        select distinct on (tenant, truck_id) tenant, truck_id, ts, event_id, data
        from jsonb_to_recordset(${json}::jsonb) as r(tenant text, truck_id text, ts timestamptz, event_id text, data jsonb)
        order by tenant, truck_id, ts desc
        on conflict (tenant, truck_id) do update
          set ts = excluded.ts, event_id = excluded.event_id, data = excluded.data
          where truck_last.ts <= excluded.ts`.execute(tx);
    });
  }
}

/** A range of one truck's history. */
export interface HistoryQuery {
  tenant: string;
  truckId: string;
  /** Epoch ms, inclusive. */
  since: number;
  /** Epoch ms, exclusive. */
  until: number;
  limit: number;
}

/** One truck's telemetry in [since, until), oldest first, at most `limit` samples. */
export async function readHistory(db: Kysely<Schema>, q: HistoryQuery): Promise<Telemetry[]> {
  const rows = await db
    .selectFrom('telemetry')
    .select('data')
    .where('tenant', '=', q.tenant)
    .where('truck_id', '=', q.truckId)
    .where('ts', '>=', new Date(q.since))
    .where('ts', '<', new Date(q.until))
    .orderBy('ts')
    .orderBy('event_id')
    .limit(q.limit)
    .execute();
  return rows.map((r) => r.data as unknown as Telemetry);
}

/**
 * The same range as `readHistory`, as the text of a JSON array built by the database: the samples are
 * stored as JSON, so nothing parses and re-serializes each one on the way out.
 */
export async function readHistoryJson(db: Kysely<Schema>, q: HistoryQuery): Promise<string> {
  const result = await sql<{ json: string | null }>`
    select '[' || string_agg(data::text, ',' order by ts, event_id) || ']' as json
    from (
      select ts, event_id, data from telemetry
      where tenant = ${q.tenant} and truck_id = ${q.truckId} and ts >= ${new Date(q.since)} and ts < ${new Date(q.until)}
      order by ts, event_id
      limit ${q.limit}
    ) page`.execute(db);
  return result.rows[0]?.json ?? '[]';
}

/** Samples per page when history is read page by page. */
const PAGE_ROWS = 1_000;

/**
 * The same range as `readHistory`, page by page (keyset on ts and event id), so a caller can write each
 * page out before the next is read: memory stays one page whatever the range.
 */
export async function* streamHistory(db: Kysely<Schema>, q: HistoryQuery): AsyncGenerator<Telemetry[]> {
  let left = q.limit;
  let after: { ts: Date; eventId: string } | null = null;
  while (left > 0) {
    let query = db
      .selectFrom('telemetry')
      .select(['ts', 'event_id', 'data'])
      .where('tenant', '=', q.tenant)
      .where('truck_id', '=', q.truckId)
      .where('ts', '>=', new Date(q.since))
      .where('ts', '<', new Date(q.until));
    if (after) {
      const { ts, eventId } = after;
      query = query.where((eb) => eb.or([eb('ts', '>', ts), eb.and([eb('ts', '=', ts), eb('event_id', '>', eventId)])]));
    }
    const rows = await query.orderBy('ts').orderBy('event_id').limit(Math.min(PAGE_ROWS, left)).execute();
    if (rows.length === 0) return;
    left -= rows.length;
    const last = rows[rows.length - 1] as (typeof rows)[number];
    after = { ts: last.ts, eventId: last.event_id };
    yield rows.map((r) => r.data as unknown as Telemetry);
    if (rows.length < PAGE_ROWS) return;
  }
}

/** The newest stored sample of every truck (of one tenant, or all), with its event id. */
export async function lastSamples(db: Kysely<Schema>, tenant?: string): Promise<{ tenant: string; eventId: string; telemetry: Telemetry }[]> {
  let query = db.selectFrom('truck_last').select(['tenant', 'event_id', 'data']);
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  const rows = await query.execute();
  return rows.map((r) => ({ tenant: r.tenant, eventId: r.event_id, telemetry: r.data as unknown as Telemetry }));
}
