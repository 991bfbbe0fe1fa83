/** Trucks and their transfers (plans), and the TruckInfo the rest of the server sees. */
import type { Kysely } from 'kysely';
import type { Cargo, Driver, LatLon, Place, Transfer, TruckInfo } from '../../src/shared/fleet';
import { requireTenant } from './accounts';
import { adminChange, type Actor } from './audit';
import { StoreError, UNIQUE_VIOLATION, sqlState } from './errors';
import type { Schema } from './schema';
import { checkSetpoint, checkText, checkTruckId } from './validation';

/** How far (°C) reefer cargo may drift from its setpoint before it counts as an excursion (cold-chain contracts use 2 °C). */
export const REEFER_TOLERANCE_C = 2;

/** A truck as an admin adds or edits it. */
export interface TruckInput {
  id: string;
  name: string;
  plate?: string;
  reeferSetpointC?: number | null;
  driver?: Driver | null;
}

/** A transfer as imported: validated and normalized (times in epoch ms). */
export interface TransferInput {
  id: string;
  truckId: string;
  origin: Place;
  destination: Place;
  /** Defaults to [origin, destination]. */
  waypoints?: LatLon[];
  plannedDeparture: number;
  plannedArrival: number;
  cargo?: string;
  reeferSetpointC?: number | null;
}

/** A transfer as listed. */
export interface TransferRecord extends TransferInput {
  waypoints: LatLon[];
  cargo: string;
  reeferSetpointC: number | null;
}

function checkTruck(input: TruckInput): void {
  checkTruckId(input.id, 'id');
  checkText(input.name, 'name', true);
  if (input.plate !== undefined) checkText(input.plate, 'plate');
  if (input.reeferSetpointC !== undefined && input.reeferSetpointC !== null) checkSetpoint(input.reeferSetpointC);
}

/** Adds a truck; conflict when the tenant has one with this id. */
export async function addTruck(db: Kysely<Schema>, actor: Actor, tenant: string, input: TruckInput): Promise<void> {
  checkTruck(input);
  await requireTenant(db, tenant);
  try {
    await adminChange(db, { tenant, actor, action: 'truck.add', target: input.id, details: { name: input.name }, notice: 'trucks' }, (tx) =>
      tx
        .insertInto('trucks')
        .values({
          tenant,
          id: input.id,
          name: input.name,
          plate: input.plate ?? '',
          reefer_setpoint_c: input.reeferSetpointC ?? null,
          driver: input.driver ? JSON.stringify(input.driver) : null,
          updated_at: new Date(),
        })
        .execute(),
    );
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw new StoreError('conflict', `Tenant "${tenant}" has a truck "${input.id}" already.`, 'id');
    throw err;
  }
}

/** Changes a truck's name, plate, setpoint or driver; not_found when there is none. */
export async function updateTruck(
  db: Kysely<Schema>,
  actor: Actor,
  tenant: string,
  id: string,
  changes: Partial<Omit<TruckInput, 'id'>>,
): Promise<void> {
  if (changes.name !== undefined) checkText(changes.name, 'name', true);
  if (changes.plate !== undefined) checkText(changes.plate, 'plate');
  if (changes.reeferSetpointC !== undefined && changes.reeferSetpointC !== null) checkSetpoint(changes.reeferSetpointC);
  await requireTenant(db, tenant);
  // Refused inside the transaction, so a miss rolls back its audit row and change notice.
  await adminChange(
    db,
    { tenant, actor, action: 'truck.update', target: id, details: { changed: Object.keys(changes) }, notice: 'trucks' },
    async (tx) => {
      const row = await tx
        .updateTable('trucks')
        .set({
          updated_at: new Date(),
          ...(changes.name !== undefined ? { name: changes.name } : {}),
          ...(changes.plate !== undefined ? { plate: changes.plate } : {}),
          ...(changes.reeferSetpointC !== undefined ? { reefer_setpoint_c: changes.reeferSetpointC } : {}),
          ...(changes.driver !== undefined ? { driver: changes.driver ? JSON.stringify(changes.driver) : null } : {}),
        })
        .where('tenant', '=', tenant)
        .where('id', '=', id)
        .returning('id')
        .executeTakeFirst();
      if (!row) throw new StoreError('not_found', `There is no truck "${id}" in tenant "${tenant}".`, 'id');
    },
  );
}

/**
 * Stores transfers all-or-nothing (a transfer with an id the tenant has is replaced); every truck must
 * exist. Resolves with how many were written.
 */
export async function importTransfers(db: Kysely<Schema>, actor: Actor, tenant: string, transfers: readonly TransferInput[]): Promise<number> {
  await requireTenant(db, tenant);
  if (transfers.length === 0) throw new StoreError('invalid', 'The file has no transfers.', 'file');
  const known = new Set(
    (await db.selectFrom('trucks').select('id').where('tenant', '=', tenant).execute()).map((r) => r.id),
  );
  const missing = transfers.map((t, i) => ({ t, i })).filter(({ t }) => !known.has(t.truckId));
  if (missing.length > 0) {
    const first = missing.slice(0, 5).map(({ t, i }) => `row ${i + 1}: no truck "${t.truckId}"`);
    throw new StoreError('invalid', `Tenant "${tenant}" has no such trucks (${first.join('; ')}${missing.length > 5 ? '; …' : ''}): add them first.`, 'truckId');
  }
  await adminChange(
    db,
    { tenant, actor, action: 'transfer.import', target: `${transfers.length} transfers`, details: { ids: transfers.slice(0, 50).map((t) => t.id) }, notice: 'trucks' },
    async (tx) => {
      for (const t of transfers) {
        const row = {
          tenant,
          id: t.id,
          truck_id: t.truckId,
          origin: JSON.stringify(t.origin),
          destination: JSON.stringify(t.destination),
          waypoints: JSON.stringify(t.waypoints ?? [pointOf(t.origin), pointOf(t.destination)]),
          planned_departure: new Date(t.plannedDeparture),
          planned_arrival: new Date(t.plannedArrival),
          cargo_description: t.cargo ?? '',
          reefer_setpoint_c: t.reeferSetpointC ?? null,
        };
        const { tenant: _t, id: _i, ...update } = row;
        await tx
          .insertInto('transfers')
          .values(row)
          .onConflict((oc) => oc.columns(['tenant', 'id']).doUpdateSet(update))
          .execute();
      }
    },
  );
  return transfers.length;
}

function pointOf(p: LatLon): LatLon {
  return { lat: p.lat, lon: p.lon };
}

/** The tenant's transfers, by planned departure. */
export async function listTransfers(db: Kysely<Schema>, tenant: string): Promise<TransferRecord[]> {
  const rows = await db.selectFrom('transfers').selectAll().where('tenant', '=', tenant).orderBy('planned_departure').execute();
  return rows.map(transferRecord);
}

type TransferRow = Awaited<ReturnType<typeof selectTransfers>>[number];
function selectTransfers(db: Kysely<Schema>, tenant?: string) {
  let query = db.selectFrom('transfers').selectAll();
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  return query.execute();
}

function transferRecord(r: TransferRow): TransferRecord {
  return {
    id: r.id,
    truckId: r.truck_id,
    origin: r.origin,
    destination: r.destination,
    waypoints: r.waypoints,
    plannedDeparture: r.planned_departure.getTime(),
    plannedArrival: r.planned_arrival.getTime(),
    cargo: r.cargo_description,
    reeferSetpointC: r.reefer_setpoint_c,
  };
}

/**
 * Which of a truck's transfers it is on at `now`: the latest that has departed by plan, else the next
 * one planned.
 */
export function currentTransfer(transfers: readonly TransferRecord[], now: number): TransferRecord | null {
  let departed: TransferRecord | null = null;
  let upcoming: TransferRecord | null = null;
  for (const t of transfers) {
    if (t.plannedDeparture <= now) {
      if (!departed || t.plannedDeparture > departed.plannedDeparture) departed = t;
    } else if (!upcoming || t.plannedDeparture < upcoming.plannedDeparture) {
      upcoming = t;
    }
  }
  return departed ?? upcoming;
}

function asTransfer(t: TransferRecord, truckSetpoint: number | null): Transfer {
  const setpoint = t.reeferSetpointC ?? truckSetpoint;
  const cargo: Cargo =
    setpoint !== null
      ? { kind: 'reefer', description: t.cargo || 'Refrigerated cargo', setpointC: setpoint, toleranceC: REEFER_TOLERANCE_C }
      : { kind: 'dry', description: t.cargo || 'General cargo' };
  return {
    id: t.id,
    origin: t.origin,
    destination: t.destination,
    waypoints: t.waypoints,
    plannedDeparture: t.plannedDeparture,
    plannedArrival: t.plannedArrival,
    cargo,
  };
}

/** Every truck (of one tenant, or all) as TruckInfo with its current transfer. */
export async function loadTruckInfos(db: Kysely<Schema>, now: number, tenant?: string): Promise<TruckInfo[]> {
  let trucks = db.selectFrom('trucks').selectAll();
  if (tenant !== undefined) trucks = trucks.where('tenant', '=', tenant);
  const [truckRows, transferRows] = await Promise.all([trucks.execute(), selectTransfers(db, tenant)]);
  const byTruck = new Map<string, TransferRecord[]>();
  for (const r of transferRows) {
    const key = `${r.tenant}\u0000${r.truck_id}`;
    byTruck.set(key, [...(byTruck.get(key) ?? []), transferRecord(r)]);
  }
  return truckRows.map((r) => {
    const transfer = currentTransfer(byTruck.get(`${r.tenant}\u0000${r.id}`) ?? [], now);
    const info: TruckInfo = {
      id: r.id,
      tenant: r.tenant,
      name: r.name,
      plate: r.plate,
      driver: r.driver,
      transfer: transfer ? asTransfer(transfer, r.reefer_setpoint_c) : null,
    };
    if (r.reefer_setpoint_c !== null) info.reeferSetpointC = r.reefer_setpoint_c;
    return info;
  });
}
