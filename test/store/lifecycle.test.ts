// Opening, migrating and reopening the database on both engines: a restarted server finds everything where it left it.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../server/passwords';
import { addOperator, addTenant, findLogin, listTenants } from '../../server/store/accounts';
import { listAudit } from '../../server/store/audit';
import { openDatabase } from '../../server/store/database';
import { activeDeviceKeys, hashDeviceKey, issueDeviceKey } from '../../server/store/device-keys';
import { Directory } from '../../server/store/directory';
import { addTruck, importTransfers, listTransfers, loadTruckInfos } from '../../server/store/fleet';
import { HistoryWriter, lastSamples, readHistory } from '../../server/store/history';
import type { Schema } from '../../server/store/schema';
import { freshDatabase } from '../support/postgres';
import { ENGINES, useStore } from './engines';
import type { Kysely } from 'kysely';

/** Every table the migrations make. */
const TABLES = ['alerts', 'audit_log', 'device_keys', 'operators', 'tenants', 'transfers', 'truck_last', 'trucks', 'telemetry'].sort();
const PASSWORD = 'correct horse battery';
const NOW = Date.now();

async function migrations(db: Kysely<Schema>): Promise<{ name: string; timestamp: string }[]> {
  const { rows } = await sql<{ name: string; timestamp: string }>`select name, timestamp::text from kysely_migration order by name`.execute(db);
  return rows;
}

async function tables(db: Kysely<Schema>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_name = any(${TABLES}) order by 1`.execute(db);
  return rows.map((r) => r.name);
}

describe.each(ENGINES)('%s', (_title, engine) => {
  const store = useStore(engine, 'test/store/lifecycle.test.ts');

  it('runs the migrations when it opens a new database', async () => {
    expect((await migrations(store.db)).map((m) => m.name)).toEqual(['0001-core', '0002-alerts']);
    expect(await tables(store.db)).toEqual(TABLES);
    // History is partitioned by day, so retention drops whole partitions.
    const { rows } = await sql<{ strategy: string }>`
      select p.partstrat as strategy from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
      where c.relname = 'telemetry'`.execute(store.db);
    expect(rows).toEqual([{ strategy: 'r' }]);
  });

  it('migrates nothing when it opens the database again, on another handle or after a restart', async () => {
    const tenant = store.tenant();
    await addTenant(store.db, 'cli', tenant);
    const before = await migrations(store.db);
    const other = await store.other();
    expect(await migrations(other.db)).toEqual(before);
    const reopened = await store.reopen();
    expect(await migrations(reopened.db)).toEqual(before);
    expect(await listTenants(reopened.db)).toContainEqual({ id: tenant, name: tenant });
  });

  it('keeps tenants, operators, keys, trucks, transfers, the audit log and history across a restart', async () => {
    const tenant = store.tenant();
    const username = `${tenant}-admin`;
    await addTenant(store.db, 'cli', tenant, 'Kept Freight');
    await addOperator(store.db, 'cli', { tenant, username, password: PASSWORD, role: 'admin' });
    await addTruck(store.db, 'cli', tenant, { id: 'truck-01', name: 'Volvo FH', plate: 'K-1', reeferSetpointC: 3 });
    const transfer = {
      id: 'tr-1',
      truckId: 'truck-01',
      origin: { name: 'Gent', lat: 51.05, lon: 3.72 },
      destination: { name: 'Bremen', lat: 53.08, lon: 8.8 },
      plannedDeparture: NOW - 3_600_000,
      plannedArrival: NOW + 3_600_000,
    };
    await importTransfers(store.db, 'cli', tenant, [transfer]);
    const { key, prefix } = await issueDeviceKey(store.db, `operator:${username}`, { tenant, truckId: 'truck-01' });
    const writer = new HistoryWriter(store.db, { days: 7, maxPending: 1_000 });
    await writer.start();
    const telemetry = { truckId: 'truck-01', ts: NOW - 1_000, lat: 51.5, lon: 5.2, speedKph: 77, headingDeg: 45 };
    writer.append([{ tenant, eventId: 'ev-1', telemetry }]);
    await writer.close();
    const audit = await listAudit(store.db, tenant);
    expect(audit).toHaveLength(5);

    const db = (await store.reopen()).db;
    expect(await listTenants(db)).toContainEqual({ id: tenant, name: 'Kept Freight' });
    const login = await findLogin(db, username);
    expect(login).toMatchObject({ tenant, role: 'admin' });
    expect(await verifyPassword(PASSWORD, login!.passwordHash)).toBe(true);
    expect(await activeDeviceKeys(db, tenant)).toEqual([{ prefix, tenant, truckId: 'truck-01', keyHash: hashDeviceKey(key) }]);
    expect(await loadTruckInfos(db, NOW, tenant)).toEqual([
      expect.objectContaining({ id: 'truck-01', name: 'Volvo FH', plate: 'K-1', reeferSetpointC: 3, transfer: expect.objectContaining({ id: 'tr-1' }) }),
    ]);
    expect((await listTransfers(db, tenant)).map((t) => t.id)).toEqual(['tr-1']);
    expect(await listAudit(db, tenant)).toEqual(audit);
    expect(await readHistory(db, { tenant, truckId: 'truck-01', since: 0, until: NOW + 1, limit: 10 })).toEqual([telemetry]);
    expect(await lastSamples(db, tenant)).toEqual([{ tenant, eventId: 'ev-1', telemetry }]);

    // A server starting on the reopened database knows the operator, the key and the truck at once.
    const directory = await Directory.open(store.database);
    try {
      expect(directory.operator(tenant, username)?.role).toBe('admin');
      expect(directory.deviceKey(key)?.prefix).toBe(prefix);
      expect(directory.truck(tenant, 'truck-01')?.transfer?.id).toBe('tr-1');
    } finally {
      await directory.close();
    }
  });

  // PostgreSQL only: several server instances may start at once on one database; an embedded one has a single holder.
  if (engine === 'postgres') {
    it('lets two instances starting together on an empty database both open it, migrating it once', async () => {
      const fresh = await freshDatabase('lifecycle-race');
      try {
        const both = await Promise.all([openDatabase({ url: fresh.url, dataDir: '' }, 'server'), openDatabase({ url: fresh.url, dataDir: '' }, 'server')]);
        try {
          expect((await migrations(both[0].db)).map((m) => m.name)).toEqual(['0001-core', '0002-alerts']);
          expect(await tables(both[1].db)).toEqual(TABLES);
        } finally {
          for (const d of both) await d.close();
        }
      } finally {
        await fresh.drop();
      }
    });
  }
});
