// The in-memory directory on both engines: what it loads, and how fast a change committed elsewhere reaches it (NOTIFY).
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { TruckInfo } from '../../src/shared/fleet';
import { addOperator, addTenant, removeOperator, updateOperator } from '../../server/store/accounts';
import { issueDeviceKey, listDeviceKeys, revokeDeviceKey } from '../../server/store/device-keys';
import { Directory, type DirectoryEvents } from '../../server/store/directory';
import { addTruck, importTransfers, updateTruck } from '../../server/store/fleet';
import { ENGINES, useStore, within } from './engines';

const PASSWORD = 'correct horse battery';
/** The design's promise: an admin change takes effect at once on every instance; "at once" is held to a second here. */
const PROPAGATION_MS = 1_000;
const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2030, 2, 1, 6);
const PLACE = { name: 'Depot', lat: 52.37, lon: 4.9 };

describe.each(ENGINES)('%s', (_title, engine) => {
  const store = useStore(engine, 'test/store/directory.test.ts');
  let opened: Directory[] = [];

  /** What the directory reported, in order. */
  interface Reports {
    removed: [string, string[]][];
    trucks: [string, TruckInfo[]][];
    errors: unknown[];
  }

  async function openDirectory(): Promise<{ directory: Directory; reports: Reports }> {
    const reports: Reports = { removed: [], trucks: [], errors: [] };
    const events: DirectoryEvents = {
      onOperatorsRemoved: (tenant, usernames) => reports.removed.push([tenant, usernames]),
      onTrucksChanged: (tenant, changed) => {
        reports.trucks.push([tenant, changed]);
      },
      onError: (err) => reports.errors.push(err),
    };
    const directory = await Directory.open(store.database, events, () => T0);
    opened.push(directory);
    return { directory, reports };
  }

  afterEach(async () => {
    for (const d of opened) await d.close();
    opened = [];
  });

  it('loads operators, active keys and trucks with their current transfer', async () => {
    const tenant = store.tenant();
    await addTenant(store.db, 'cli', tenant);
    await addOperator(store.db, 'cli', { tenant, username: `${tenant}-ops`, password: PASSWORD, role: 'operator' });
    await addTruck(store.db, 'cli', tenant, { id: 'truck-01', name: 'Volvo FH', reeferSetpointC: -18 });
    await importTransfers(store.db, 'cli', tenant, [
      { id: 'tr-1', truckId: 'truck-01', origin: PLACE, destination: PLACE, plannedDeparture: T0 - HOUR_MS, plannedArrival: T0 + HOUR_MS },
    ]);
    const bound = await issueDeviceKey(store.db, 'cli', { tenant, truckId: 'truck-01' });
    const revoked = await issueDeviceKey(store.db, 'cli', { tenant });
    await revokeDeviceKey(store.db, 'cli', tenant, revoked.prefix);

    const { directory, reports } = await openDirectory();
    expect(directory.operator(tenant, `${tenant}-ops`)).toEqual({ tenant, username: `${tenant}-ops`, role: 'operator', createdAt: expect.any(Number) });
    expect(directory.operator(tenant, `${tenant}-nobody`)).toBeUndefined();
    expect(directory.deviceKey(bound.key)).toMatchObject({ prefix: bound.prefix, tenant, truckId: 'truck-01' });
    expect(directory.deviceKey(revoked.key)).toBeUndefined();
    expect(directory.deviceKey('not-a-key-at-all')).toBeUndefined();
    expect(directory.truck(tenant, 'truck-01')).toMatchObject({ name: 'Volvo FH', reeferSetpointC: -18, transfer: { id: 'tr-1' } });
    expect(directory.trucksOf(tenant).map((t) => t.id)).toEqual(['truck-01']);
    expect(directory.tenantsWithTrucks()).toContain(tenant);
    // Loading is not a change: nothing is reported.
    expect(reports).toEqual({ removed: [], trucks: [], errors: [] });

    // The key's use is written at the next flush, at the directory's clock.
    await directory.flushKeyUse();
    expect((await listDeviceKeys(store.db, tenant)).find((k) => k.prefix === bound.prefix)?.lastUsedAt).toBe(T0);
  });

  it(`refuses a key revoked through another handle within ${PROPAGATION_MS} ms, and accepts one issued there`, async () => {
    const tenant = store.tenant();
    await addTenant(store.db, 'cli', tenant);
    const old = await issueDeviceKey(store.db, 'cli', { tenant });
    const { directory, reports } = await openDirectory();
    expect(directory.deviceKey(old.key)?.prefix).toBe(old.prefix);

    const other = await store.other();
    await revokeDeviceKey(other.db, 'cli', tenant, old.prefix);
    const fresh = await issueDeviceKey(other.db, 'cli', { tenant });
    expect(await within(PROPAGATION_MS, () => directory.deviceKey(old.key) === undefined), 'the revoked key is still accepted').toBe(true);
    expect(await within(PROPAGATION_MS, () => directory.deviceKey(fresh.key) !== undefined), 'the new key is not accepted').toBe(true);
    expect(reports.errors).toEqual([]);
  });

  it('sees an operator added or changed through another handle, and reports the removed ones of that tenant only', async () => {
    const a = store.tenant();
    const b = store.tenant();
    await addTenant(store.db, 'cli', a);
    await addTenant(store.db, 'cli', b);
    await addOperator(store.db, 'cli', { tenant: a, username: `${a}-leaving`, password: PASSWORD, role: 'operator' });
    await addOperator(store.db, 'cli', { tenant: b, username: `${b}-staying`, password: PASSWORD, role: 'operator' });
    const { directory, reports } = await openDirectory();

    const other = await store.other();
    await addOperator(other.db, 'cli', { tenant: a, username: `${a}-new`, password: PASSWORD, role: 'viewer' });
    expect(await within(PROPAGATION_MS, () => directory.operator(a, `${a}-new`) !== undefined), 'the new operator is unknown').toBe(true);
    await updateOperator(other.db, 'cli', { tenant: a, username: `${a}-new`, role: 'admin' });
    expect(await within(PROPAGATION_MS, () => directory.operator(a, `${a}-new`)?.role === 'admin'), 'the role did not change').toBe(true);

    await removeOperator(other.db, 'cli', a, `${a}-leaving`);
    expect(await within(PROPAGATION_MS, () => reports.removed.length > 0), 'the removal was not reported').toBe(true);
    expect(reports.removed).toEqual([[a, [`${a}-leaving`]]]);
    expect(directory.operator(a, `${a}-leaving`)).toBeUndefined();
    expect(directory.operator(b, `${b}-staying`)?.role).toBe('operator');
  });

  it('reports trucks added, changed or given a transfer through another handle', async () => {
    const tenant = store.tenant();
    await addTenant(store.db, 'cli', tenant);
    await addTruck(store.db, 'cli', tenant, { id: 'truck-01', name: 'Volvo FH' });
    const { directory, reports } = await openDirectory();
    const other = await store.other();
    const reported = async (what: string, check: (changed: TruckInfo[]) => boolean) => {
      const found = await within(PROPAGATION_MS, () => reports.trucks.some(([t, changed]) => t === tenant && check(changed)));
      expect(found, `${what} was not reported: ${JSON.stringify(reports.trucks)}`).toBe(true);
      reports.trucks = [];
    };

    await addTruck(other.db, 'cli', tenant, { id: 'truck-02', name: 'DAF XF' });
    await reported('the new truck', (changed) => changed.map((t) => t.id).join() === 'truck-02');
    expect(directory.trucksOf(tenant).map((t) => t.id).sort()).toEqual(['truck-01', 'truck-02']);

    await updateTruck(other.db, 'cli', tenant, 'truck-01', { name: 'Volvo FH16', plate: 'NL-01' });
    await reported('the renamed truck', (changed) => changed.length === 1 && changed[0]?.name === 'Volvo FH16');
    expect(directory.truck(tenant, 'truck-01')).toMatchObject({ name: 'Volvo FH16', plate: 'NL-01' });

    await importTransfers(other.db, 'cli', tenant, [
      { id: 'tr-9', truckId: 'truck-02', origin: PLACE, destination: PLACE, plannedDeparture: T0 + HOUR_MS, plannedArrival: T0 + 2 * HOUR_MS },
    ]);
    await reported('the planned transfer', (changed) => changed.length === 1 && changed[0]?.transfer?.id === 'tr-9');
  });

  // PostgreSQL only: an embedded database's notices never leave the process, so there is no connection to lose.
  if (engine === 'postgres') it('catches up after losing its listening connection: a key revoked meanwhile is refused', async () => {
    const tenant = store.tenant();
    await addTenant(store.db, 'cli', tenant);
    const key = await issueDeviceKey(store.db, 'cli', { tenant });
    const { directory, reports } = await openDirectory();

    // The server ends the LISTEN connection (a restart, a failover); the notice of this revocation goes nowhere.
    const ended = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and query ilike 'LISTEN%'`.execute(store.db);
    expect(ended.rows[0]?.n).toBeGreaterThanOrEqual(1);
    await revokeDeviceKey(store.db, 'cli', tenant, key.prefix);
    // The listener retries after a second, then reloads everything.
    expect(await within(5_000, () => directory.deviceKey(key.key) === undefined), 'the key revoked while disconnected is still accepted').toBe(true);
    expect(reports.errors).toEqual([]);
  });
});
