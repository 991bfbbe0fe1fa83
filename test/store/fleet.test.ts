// Trucks and transfers on both engines: per-tenant truck ids, all-or-nothing imports, refusals that write nothing, the audit log.
import { describe, expect, it } from 'vitest';
import { addTenant } from '../../server/store/accounts';
import { listAudit } from '../../server/store/audit';
import { REEFER_TOLERANCE_C, addTruck, importTransfers, listTransfers, loadTruckInfos, updateTruck, type TransferInput } from '../../server/store/fleet';
import { ENGINES, expectRefused, useStore } from './engines';

const HOUR_MS = 3_600_000;
/** Planned times are whole seconds: timestamptz keeps microseconds, the API speaks milliseconds. */
const T0 = Date.UTC(2030, 2, 1, 6);
const ROTTERDAM = { name: 'Rotterdam', lat: 51.92, lon: 4.48 };
const LYON = { name: 'Lyon', lat: 45.76, lon: 4.84 };

function transfer(id: string, truckId: string, departure: number, extra: Partial<TransferInput> = {}): TransferInput {
  return { id, truckId, origin: ROTTERDAM, destination: LYON, plannedDeparture: departure, plannedArrival: departure + 9 * HOUR_MS, ...extra };
}

describe.each(ENGINES)('%s', (_title, engine) => {
  const store = useStore(engine, 'test/store/fleet.test.ts');

  async function newTenant(): Promise<string> {
    const tenant = store.tenant();
    await addTenant(store.db, 'cli', tenant);
    return tenant;
  }

  it('adds, lists and updates trucks, one audit entry per action', async () => {
    const tenant = await newTenant();
    const driver = { id: 'drv-7', name: 'Ana Lima' };
    await addTruck(store.db, 'operator:boss', tenant, { id: 'truck-01', name: 'Volvo FH', plate: 'AB-123-C', reeferSetpointC: -18, driver });
    await addTruck(store.db, 'operator:boss', tenant, { id: 'truck-02', name: 'DAF XF' });
    const infos = await loadTruckInfos(store.db, T0, tenant);
    expect(infos.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      { id: 'truck-01', tenant, name: 'Volvo FH', plate: 'AB-123-C', driver, transfer: null, reeferSetpointC: -18 },
      { id: 'truck-02', tenant, name: 'DAF XF', plate: '', driver: null, transfer: null },
    ]);

    await updateTruck(store.db, 'operator:boss', tenant, 'truck-01', { name: 'Volvo FH16', reeferSetpointC: null, driver: null });
    await updateTruck(store.db, 'operator:boss', tenant, 'truck-02', { plate: 'ZZ-999-Z', reeferSetpointC: 4.5 });
    const updated = new Map((await loadTruckInfos(store.db, T0, tenant)).map((t) => [t.id, t]));
    expect(updated.get('truck-01')).toEqual({ id: 'truck-01', tenant, name: 'Volvo FH16', plate: 'AB-123-C', driver: null, transfer: null });
    expect(updated.get('truck-02')).toMatchObject({ name: 'DAF XF', plate: 'ZZ-999-Z', reeferSetpointC: 4.5 });

    const audit = (await listAudit(store.db, tenant)).reverse().slice(1);
    expect(audit.map((e) => [e.actor, e.action, e.target, e.details])).toEqual([
      ['operator:boss', 'truck.add', 'truck-01', { name: 'Volvo FH' }],
      ['operator:boss', 'truck.add', 'truck-02', { name: 'DAF XF' }],
      ['operator:boss', 'truck.update', 'truck-01', { changed: ['name', 'reeferSetpointC', 'driver'] }],
      ['operator:boss', 'truck.update', 'truck-02', { changed: ['plate', 'reeferSetpointC'] }],
    ]);
  });

  it('imports transfers all at once, replaces one with the same id, and gives each truck its current one', async () => {
    const tenant = await newTenant();
    await addTruck(store.db, 'cli', tenant, { id: 'truck-01', name: 'Volvo FH', reeferSetpointC: -18 });
    await addTruck(store.db, 'cli', tenant, { id: 'truck-02', name: 'DAF XF' });
    const waypoints = [ROTTERDAM, { lat: 49.6, lon: 6.1 }, LYON].map(({ lat, lon }) => ({ lat, lon }));
    expect(
      await importTransfers(store.db, 'cli', tenant, [
        transfer('tr-2', 'truck-01', T0 + 24 * HOUR_MS, { cargo: 'Frozen peas' }),
        transfer('tr-1', 'truck-01', T0, { waypoints }),
        transfer('tr-3', 'truck-02', T0 + HOUR_MS, { cargo: 'Pallets', reeferSetpointC: null }),
      ]),
    ).toBe(3);

    const listed = await listTransfers(store.db, tenant);
    expect(listed.map((t) => t.id)).toEqual(['tr-1', 'tr-3', 'tr-2']);
    expect(listed[0]).toEqual({
      id: 'tr-1',
      truckId: 'truck-01',
      origin: ROTTERDAM,
      destination: LYON,
      waypoints,
      plannedDeparture: T0,
      plannedArrival: T0 + 9 * HOUR_MS,
      cargo: '',
      reeferSetpointC: null,
    });
    // Without waypoints, the road is origin to destination (points only, no names).
    expect(listed[2]?.waypoints).toEqual([
      { lat: ROTTERDAM.lat, lon: ROTTERDAM.lon },
      { lat: LYON.lat, lon: LYON.lon },
    ]);

    // The same id again replaces the plan; nothing is added.
    await importTransfers(store.db, 'cli', tenant, [transfer('tr-2', 'truck-01', T0 + 48 * HOUR_MS, { cargo: 'Ice cream', reeferSetpointC: -25 })]);
    const replaced = await listTransfers(store.db, tenant);
    expect(replaced).toHaveLength(3);
    expect(replaced.find((t) => t.id === 'tr-2')).toMatchObject({ plannedDeparture: T0 + 48 * HOUR_MS, cargo: 'Ice cream', reeferSetpointC: -25 });

    // At T0 + 1 h truck-01 has departed on tr-1 (reefer: the truck's setpoint), truck-02 on tr-3 (dry).
    const infos = new Map((await loadTruckInfos(store.db, T0 + HOUR_MS, tenant)).map((t) => [t.id, t]));
    expect(infos.get('truck-01')?.transfer).toMatchObject({ id: 'tr-1', cargo: { kind: 'reefer', setpointC: -18, toleranceC: REEFER_TOLERANCE_C } });
    expect(infos.get('truck-02')?.transfer).toMatchObject({ id: 'tr-3', cargo: { kind: 'dry', description: 'Pallets' } });
    // Two days on, tr-1 is long done and tr-2 has left with its own setpoint.
    const later = await loadTruckInfos(store.db, T0 + 49 * HOUR_MS, tenant);
    expect(later.find((t) => t.id === 'truck-01')?.transfer).toMatchObject({ id: 'tr-2', cargo: { kind: 'reefer', description: 'Ice cream', setpointC: -25 } });

    const imports = (await listAudit(store.db, tenant)).filter((e) => e.action === 'transfer.import');
    expect(imports.map((e) => [e.actor, e.target, e.details])).toEqual([
      ['cli', '1 transfers', { ids: ['tr-2'] }],
      ['cli', '3 transfers', { ids: ['tr-2', 'tr-1', 'tr-3'] }],
    ]);
  });

  it('lets two tenants both have truck-01, each with its own data', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await addTruck(store.db, 'cli', a, { id: 'truck-01', name: 'Alpha one', plate: 'A-1' });
    await addTruck(store.db, 'cli', b, { id: 'truck-01', name: 'Bravo one', plate: 'B-1', reeferSetpointC: 2 });
    await importTransfers(store.db, 'cli', a, [transfer('tr-1', 'truck-01', T0)]);
    await importTransfers(store.db, 'cli', b, [transfer('tr-1', 'truck-01', T0 + HOUR_MS, { cargo: 'Salad' })]);
    await updateTruck(store.db, 'cli', a, 'truck-01', { name: 'Alpha renamed' });

    const [ofA] = await loadTruckInfos(store.db, T0 + 2 * HOUR_MS, a);
    const [ofB] = await loadTruckInfos(store.db, T0 + 2 * HOUR_MS, b);
    expect(ofA).toMatchObject({ tenant: a, id: 'truck-01', name: 'Alpha renamed', plate: 'A-1', transfer: { id: 'tr-1', plannedDeparture: T0 } });
    expect(ofB).toMatchObject({ tenant: b, id: 'truck-01', name: 'Bravo one', plate: 'B-1', reeferSetpointC: 2 });
    expect(ofB?.transfer).toMatchObject({ id: 'tr-1', plannedDeparture: T0 + HOUR_MS, cargo: { kind: 'reefer', description: 'Salad' } });
    expect((await listTransfers(store.db, a)).map((t) => t.cargo)).toEqual(['']);
  });

  it('refuses a duplicate truck, a malformed one and an unknown tenant, writing nothing', async () => {
    const tenant = await newTenant();
    await addTruck(store.db, 'cli', tenant, { id: 'truck-01', name: 'Volvo FH' });
    const err = await expectRefused(store.db, () => addTruck(store.db, 'cli', tenant, { id: 'truck-01', name: 'Again' }), 'conflict', 'id');
    expect(err.message).toContain('truck-01');
    await expectRefused(store.db, () => addTruck(store.db, 'cli', `${tenant}-gone`, { id: 'truck-09', name: 'Nowhere' }), 'not_found', 'tenant');
    await expectRefused(store.db, () => addTruck(store.db, 'cli', 'Bad Tenant', { id: 'truck-09', name: 'Nowhere' }), 'invalid', 'tenant');
    await expectRefused(store.db, () => addTruck(store.db, 'cli', tenant, { id: 'truck 09', name: 'Spaced' }), 'invalid', 'id');
    await expectRefused(store.db, () => addTruck(store.db, 'cli', tenant, { id: 'truck-09', name: ' ' }), 'invalid', 'name');
    await expectRefused(store.db, () => addTruck(store.db, 'cli', tenant, { id: 'truck-09', name: 'Hot', reeferSetpointC: 99 }), 'invalid', 'reeferSetpointC');
    expect((await loadTruckInfos(store.db, T0, tenant)).map((t) => [t.id, t.name])).toEqual([['truck-01', 'Volvo FH']]);
  });

  it('refuses to update a truck that does not exist (or is another tenant’s), writing nothing', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await addTruck(store.db, 'cli', b, { id: 'truck-b', name: 'B only' });
    await expectRefused(store.db, () => updateTruck(store.db, 'cli', a, 'truck-ghost', { name: 'Ghost' }), 'not_found', 'id');
    await expectRefused(store.db, () => updateTruck(store.db, 'cli', a, 'truck-b', { name: 'Taken over' }), 'not_found', 'id');
    await expectRefused(store.db, () => updateTruck(store.db, 'cli', b, 'truck-b', { name: '' }), 'invalid', 'name');
    expect((await loadTruckInfos(store.db, T0, b))[0]?.name).toBe('B only');
  });

  it('refuses transfers for a truck the tenant does not have, writing none of the file', async () => {
    const a = await newTenant();
    const b = await newTenant();
    await addTruck(store.db, 'cli', a, { id: 'truck-01', name: 'Volvo FH' });
    await addTruck(store.db, 'cli', b, { id: 'truck-b', name: 'B only' });
    const err = await expectRefused(
      store.db,
      () => importTransfers(store.db, 'cli', a, [transfer('tr-ok', 'truck-01', T0), transfer('tr-bad', 'truck-ghost', T0), transfer('tr-b', 'truck-b', T0)]),
      'invalid',
      'truckId',
    );
    expect(err.message).toContain('row 2: no truck "truck-ghost"');
    expect(err.message).toContain('row 3: no truck "truck-b"');
    await expectRefused(store.db, () => importTransfers(store.db, 'cli', a, []), 'invalid', 'file');
    await expectRefused(store.db, () => importTransfers(store.db, 'cli', `${a}-gone`, [transfer('tr-1', 'truck-01', T0)]), 'not_found', 'tenant');
    expect(await listTransfers(store.db, a)).toEqual([]);
  });
});
