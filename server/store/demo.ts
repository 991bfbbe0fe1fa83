/** Demo mode's tenants, operators, device keys, trucks and transfers, written idempotently at every start. */
import type { Kysely } from 'kysely';
import type { TruckInfo } from '../../src/shared/fleet';
import { hashPassword } from '../passwords';
import { hashDeviceKey, KEY_PREFIX_LENGTH } from './device-keys';
import type { Role, Schema } from './schema';

/** What demo mode puts in the store. */
export interface DemoSeed {
  tenants: readonly { id: string; name: string }[];
  operators: readonly { tenant: string; username: string; password: string; role: Role }[];
  /** Device keys (published demo secrets) → tenant. */
  keys: Readonly<Record<string, string>>;
  /** The simulator's trucks as they stand now, with their current transfer. */
  trucks: readonly TruckInfo[];
}

/**
 * Adds what is missing and brings demo trucks and their transfers to the simulator's plan; never
 * touches anything else (an admin's own operators, keys or trucks in a demo tenant stay as they are).
 */
export async function seedDemo(db: Kysely<Schema>, seed: DemoSeed): Promise<void> {
  const existing = new Set(
    (await db.selectFrom('operators').select('username').where('username', 'in', seed.operators.map((o) => o.username)).execute()).map((r) => r.username),
  );
  // scrypt only for operators that are new: a restart does not rehash known passwords.
  const hashes = new Map(
    await Promise.all(seed.operators.filter((o) => !existing.has(o.username)).map(async (o) => [o.username, await hashPassword(o.password)] as const)),
  );
  await db.transaction().execute(async (tx) => {
    for (const t of seed.tenants) await tx.insertInto('tenants').values(t).onConflict((oc) => oc.column('id').doNothing()).execute();
    for (const o of seed.operators) {
      const hash = hashes.get(o.username);
      if (!hash) continue;
      await tx
        .insertInto('operators')
        .values({ tenant: o.tenant, username: o.username, role: o.role, password_hash: hash, updated_at: new Date() })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    for (const truck of seed.trucks) {
      const cargo = truck.transfer?.cargo;
      const setpoint = cargo?.kind === 'reefer' ? cargo.setpointC : null;
      const row = {
        name: truck.name,
        plate: truck.plate,
        reefer_setpoint_c: setpoint,
        driver: truck.driver ? JSON.stringify(truck.driver) : null,
        updated_at: new Date(),
      };
      await tx
        .insertInto('trucks')
        .values({ tenant: truck.tenant, id: truck.id, ...row })
        .onConflict((oc) => oc.columns(['tenant', 'id']).doUpdateSet(row))
        .execute();
      const t = truck.transfer;
      if (!t) continue;
      // The simulator plans from the moment the server starts: its transfers replace the demo truck's.
      await tx.deleteFrom('transfers').where('tenant', '=', truck.tenant).where('truck_id', '=', truck.id).where('id', '<>', t.id).execute();
      const plan = {
        truck_id: truck.id,
        origin: JSON.stringify(t.origin),
        destination: JSON.stringify(t.destination),
        waypoints: JSON.stringify(t.waypoints),
        planned_departure: new Date(t.plannedDeparture),
        planned_arrival: new Date(t.plannedArrival),
        cargo_description: t.cargo.description,
        reefer_setpoint_c: setpoint,
      };
      await tx
        .insertInto('transfers')
        .values({ tenant: truck.tenant, id: t.id, ...plan })
        .onConflict((oc) => oc.columns(['tenant', 'id']).doUpdateSet(plan))
        .execute();
    }
    for (const [key, tenant] of Object.entries(seed.keys)) {
      await tx
        .insertInto('device_keys')
        .values({ prefix: key.slice(0, KEY_PREFIX_LENGTH), tenant, key_hash: hashDeviceKey(key), label: 'demo device key', created_by: 'demo' })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    if (hashes.size > 0) {
      await tx
        .insertInto('audit_log')
        .values({ tenant: null, actor: 'demo', action: 'demo.seed', target: 'demo tenants', details: JSON.stringify({ operators: [...hashes.keys()] }) })
        .execute();
    }
    // No change notice: every instance seeds (and plans its simulator) at its own start, and
    // announcing one instance's plan to the others would replace theirs with it.
  });
}
