// Telemetry history on both engines: batched writes, reads by range, the newest sample per truck, retention by day partitions.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Telemetry } from '../../src/shared/fleet';
import { HISTORY_BATCH_ROWS, HistoryWriter, lastSamples, maintainPartitions, readHistory, type HistoryRow } from '../../server/store/history';
import { ENGINES, useStore } from './engines';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** The writer's clock: noon UTC, so "today" is unambiguous. */
const NOW = Date.UTC(2030, 5, 15, 12);
/** Days of history the writers keep. */
const DAYS = 2;

function sample(truckId: string, ts: number, speedKph = 80): Telemetry {
  return { truckId, ts, lat: 52.1 + ts / 1e13, lon: 4.3, speedKph, headingDeg: 90, reeferTempC: -17.5 };
}

function rows(tenant: string, samples: Telemetry[]): HistoryRow[] {
  return samples.map((telemetry) => ({ tenant, eventId: `${telemetry.ts}-${telemetry.truckId}`, telemetry }));
}

describe.each(ENGINES)('%s', (_title, engine) => {
  const store = useStore(engine, 'test/store/history.test.ts');
  let writers: HistoryWriter[] = [];

  /** A started writer at NOW (its start creates the partitions), recording what it reports. */
  async function startWriter(options: { maxPending?: number; now?: number; days?: number } = {}) {
    const reports = { written: [] as number[], skipped: [] as [number, string][], errors: [] as unknown[] };
    const writer = new HistoryWriter(store.db, {
      days: options.days ?? DAYS,
      maxPending: options.maxPending ?? 100_000,
      now: () => options.now ?? NOW,
      events: {
        onWritten: (n) => reports.written.push(n),
        onSkipped: (n, why) => reports.skipped.push([n, why]),
        onError: (err) => reports.errors.push(err),
      },
    });
    await writer.start();
    writers.push(writer);
    return { writer, reports };
  }

  async function partitions(): Promise<string[]> {
    const { rows: found } = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i
      join pg_class c on c.oid = i.inhrelid
      join pg_class p on p.oid = i.inhparent
      where p.relname = 'telemetry'
      order by 1`.execute(store.db);
    return found.map((r) => r.name);
  }

  afterEach(async () => {
    for (const w of writers) await w.close();
    writers = [];
  });

  it('writes appended batches, read back oldest first within since (inclusive), until (exclusive) and limit', async () => {
    const tenant = store.tenant();
    const { writer, reports } = await startWriter();
    const ten = Array.from({ length: 10 }, (_, i) => sample('truck-01', NOW - 10 * MINUTE_MS + i * MINUTE_MS, 60 + i));
    // Newer half first: the order of arrival does not decide the order read.
    writer.append(rows(tenant, ten.slice(5)));
    writer.append(rows(tenant, ten.slice(0, 5)));
    writer.append(rows(tenant, [sample('truck-02', NOW - MINUTE_MS)]));
    await writer.settled();
    expect(reports.written.reduce((a, b) => a + b, 0)).toBe(11);
    expect(reports.skipped).toEqual([]);
    expect(reports.errors).toEqual([]);
    expect(writer.backlog).toBe(0);

    const all = { tenant, truckId: 'truck-01', since: NOW - DAY_MS, until: NOW + DAY_MS, limit: 1_000 };
    expect(await readHistory(store.db, all)).toEqual(ten);
    const ts = ten.map((t) => t.ts);
    expect((await readHistory(store.db, { ...all, since: ts[3]!, until: ts[7]! })).map((t) => t.ts)).toEqual(ts.slice(3, 7));
    expect((await readHistory(store.db, { ...all, since: ts[3]!, limit: 2 })).map((t) => t.ts)).toEqual(ts.slice(3, 5));
    expect(await readHistory(store.db, { ...all, since: NOW })).toEqual([]);
    expect(await readHistory(store.db, { ...all, truckId: 'truck-03' })).toEqual([]);
  });

  it(`writes a large append in INSERTs of at most ${HISTORY_BATCH_ROWS} rows`, async () => {
    const tenant = store.tenant();
    const { writer, reports } = await startWriter();
    const many = Array.from({ length: HISTORY_BATCH_ROWS + 1 }, (_, i) => sample(`truck-${i % 7}`, NOW - HISTORY_BATCH_ROWS * 10 + i * 10));
    writer.append(rows(tenant, many));
    await writer.settled();
    expect(reports.written).toEqual([HISTORY_BATCH_ROWS, 1]);
    const { rows: counted } = await sql<{ n: number }>`select count(*)::int as n from telemetry where tenant = ${tenant}`.execute(store.db);
    expect(counted[0]?.n).toBe(HISTORY_BATCH_ROWS + 1);
  });

  it('keeps the newest sample of each truck in truck_last, whatever order they arrive in', async () => {
    const tenant = store.tenant();
    const { writer } = await startWriter();
    const [t0, t1, t2] = [NOW - 3 * MINUTE_MS, NOW - 2 * MINUTE_MS, NOW - MINUTE_MS];
    writer.append(rows(tenant, [sample('truck-01', t1, 51), sample('truck-01', t2, 52), sample('truck-01', t0, 50), sample('truck-02', t0, 70)]));
    await writer.settled();
    // A late, older sample in a later batch does not move the truck back.
    writer.append(rows(tenant, [sample('truck-01', t0 - MINUTE_MS, 49), sample('truck-02', t1, 71)]));
    await writer.settled();

    const last = (await lastSamples(store.db, tenant)).sort((a, b) => a.telemetry.truckId.localeCompare(b.telemetry.truckId));
    expect(last).toEqual([
      { tenant, eventId: `${t2}-truck-01`, telemetry: sample('truck-01', t2, 52) },
      { tenant, eventId: `${t1}-truck-02`, telemetry: sample('truck-02', t1, 71) },
    ]);
    expect((await lastSamples(store.db)).filter((s) => s.tenant === tenant)).toHaveLength(2);
  });

  it('keeps the history of two tenants’ truck-01 apart', async () => {
    const a = store.tenant();
    const b = store.tenant();
    const { writer } = await startWriter();
    writer.append([...rows(a, [sample('truck-01', NOW - 2 * MINUTE_MS, 10)]), ...rows(b, [sample('truck-01', NOW - MINUTE_MS, 20)])]);
    await writer.settled();
    const range = { truckId: 'truck-01', since: NOW - DAY_MS, until: NOW + DAY_MS, limit: 100 };
    expect((await readHistory(store.db, { ...range, tenant: a })).map((t) => t.speedKph)).toEqual([10]);
    expect((await readHistory(store.db, { ...range, tenant: b })).map((t) => t.speedKph)).toEqual([20]);
    expect((await lastSamples(store.db, a)).map((s) => s.telemetry.speedKph)).toEqual([10]);
    expect((await lastSamples(store.db, b)).map((s) => s.telemetry.speedKph)).toEqual([20]);
  });

  it('skips and reports rows older than the days kept, or beyond the partitions made, and writes the rest', async () => {
    const tenant = store.tenant();
    const { writer, reports } = await startWriter();
    const kept = sample('truck-01', NOW - MINUTE_MS);
    writer.append(rows(tenant, [sample('truck-01', NOW - (DAYS + 1) * DAY_MS), kept, sample('truck-01', NOW + 4 * DAY_MS)]));
    await writer.settled();
    expect(reports.skipped).toEqual([[2, expect.stringContaining(`${DAYS} days`)]]);
    expect(reports.written).toEqual([3]);
    expect(reports.errors).toEqual([]);
    expect(await readHistory(store.db, { tenant, truckId: 'truck-01', since: 0, until: NOW + 10 * DAY_MS, limit: 100 })).toEqual([kept]);
  });

  it('settled() resolves once the rows appended before it are written; full while the backlog is at its limit', async () => {
    const tenant = store.tenant();
    const { writer, reports } = await startWriter({ maxPending: 3 });
    await writer.settled(); // nothing pending: resolves at once
    writer.append(rows(tenant, [1, 2, 3, 4].map((i) => sample('truck-01', NOW - i * MINUTE_MS))));
    expect(writer.full).toBe(true);
    expect(writer.backlog).toBe(4);
    // What had been written when settled() resolved: all four rows, not fewer.
    expect(await writer.settled().then(() => [...reports.written])).toEqual([4]);
    expect(writer.full).toBe(false);
    expect(writer.backlog).toBe(0);
    // So a read right after settled() sees every row.
    expect(await readHistory(store.db, { tenant, truckId: 'truck-01', since: 0, until: NOW, limit: 100 })).toHaveLength(4);
  });

  it('maintainPartitions makes one partition per day around `now` and drops the days older than `days`', async () => {
    const tenant = store.tenant();
    const now = Date.UTC(2031, 0, 10, 12);
    const days = 3;
    const first = await maintainPartitions(store.db, now, days);
    const expected = ['20310107', '20310108', '20310109', '20310110', '20310111', '20310112'].map((d) => `telemetry_${d}`);
    expect(await partitions()).toEqual(expected);
    expect(first.created).toBe(6);
    // Every partition of the earlier tests (2030) is past retention at this `now`.
    expect(first.dropped.every((name) => name < 'telemetry_20310107')).toBe(true);

    // The same `now` again changes nothing.
    expect(await maintainPartitions(store.db, now, days)).toEqual({ created: 0, dropped: [] });

    // A row on the oldest day kept, then two days later that day is dropped with its rows.
    const { writer, reports } = await startWriter({ now, days });
    const oldest = Date.UTC(2031, 0, 7, 1);
    writer.append(rows(tenant, [sample('truck-01', oldest), sample('truck-01', now)]));
    await writer.settled();
    expect(reports.skipped).toEqual([]);
    const range = { tenant, truckId: 'truck-01', since: 0, until: now + DAY_MS, limit: 100 };
    expect((await readHistory(store.db, range)).map((t) => t.ts)).toEqual([oldest, now]);

    const later = await maintainPartitions(store.db, now + 2 * DAY_MS, days);
    expect(later).toEqual({ created: 2, dropped: expect.arrayContaining(['telemetry_20310107', 'telemetry_20310108']) });
    expect(later.dropped).toHaveLength(2);
    expect(await partitions()).toEqual(['20310109', '20310110', '20310111', '20310112', '20310113', '20310114'].map((d) => `telemetry_${d}`));
    expect((await readHistory(store.db, range)).map((t) => t.ts)).toEqual([now]);
  });
});
