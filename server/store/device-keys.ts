/**
 * Device keys: long random secrets shown once when issued, stored as SHA-256 hashes, named by their
 * first 8 characters, revocable, optionally bound to one truck.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { requireTenant } from './accounts';
import { adminChange, type Actor } from './audit';
import { StoreError, UNIQUE_VIOLATION, sqlState } from './errors';
import type { Schema } from './schema';
import { checkText, checkTruckId } from './validation';

/** Characters of a key that name it in lists and `revoke`. */
export const KEY_PREFIX_LENGTH = 8;
/** Random bytes per key: 192 bits, 32 base64url characters. */
const KEY_BYTES = 24;

/** A key as listed: never the key itself. */
export interface DeviceKeyRecord {
  prefix: string;
  tenant: string;
  label: string;
  truckId: string | null;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** A key the server accepts, as the directory holds it. */
export interface ActiveDeviceKey {
  prefix: string;
  tenant: string;
  truckId: string | null;
  keyHash: string;
}

/** SHA-256 of a key, hex: what is stored and looked up. */
export function hashDeviceKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random key. */
export function newDeviceKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}

/**
 * Issues a key for the tenant (bound to `truckId` when given); resolves with the key, which is never
 * stored or shown again. `key` is for seeding known keys (demo mode); normally one is generated.
 */
export async function issueDeviceKey(
  db: Kysely<Schema>,
  actor: Actor,
  input: { tenant: string; label?: string; truckId?: string | null; key?: string },
): Promise<{ key: string; prefix: string }> {
  const { tenant } = input;
  const label = input.label ?? '';
  const truckId = input.truckId ?? null;
  checkText(label, 'label');
  if (truckId !== null) checkTruckId(truckId, 'truck');
  await requireTenant(db, tenant);
  if (truckId !== null) {
    const truck = await db.selectFrom('trucks').select('id').where('tenant', '=', tenant).where('id', '=', truckId).executeTakeFirst();
    if (!truck) throw new StoreError('not_found', `There is no truck "${truckId}" in tenant "${tenant}": add it first.`, 'truck');
  }
  // A prefix collision is a one-in-2^48 event per pair of keys; a new key is drawn when it happens.
  for (let attempt = 0; attempt < 5; attempt++) {
    const key = input.key ?? newDeviceKey();
    const prefix = key.slice(0, KEY_PREFIX_LENGTH);
    try {
      await adminChange(
        db,
        { tenant, actor, action: 'device-key.issue', target: prefix, details: { label, truckId }, notice: 'keys' },
        (tx) =>
          tx
            .insertInto('device_keys')
            .values({ prefix, tenant, key_hash: hashDeviceKey(key), label, truck_id: truckId, created_by: actor })
            .execute(),
      );
      return { key, prefix };
    } catch (err) {
      if (sqlState(err) !== UNIQUE_VIOLATION || input.key !== undefined) throw err;
    }
  }
  throw new Error('Could not draw a device key with an unused prefix; try again.');
}

/** Revokes the tenant's key with this prefix; not_found when there is none (or it is another tenant's). */
export async function revokeDeviceKey(db: Kysely<Schema>, actor: Actor, tenant: string, prefix: string): Promise<void> {
  await requireTenant(db, tenant);
  if (prefix.length !== KEY_PREFIX_LENGTH) {
    throw new StoreError('invalid', `A key is named by its first ${KEY_PREFIX_LENGTH} characters; "${prefix}" has ${prefix.length}.`, 'prefix');
  }
  // Refused inside the transaction, so a miss rolls back its audit row and change notice.
  await adminChange(db, { tenant, actor, action: 'device-key.revoke', target: prefix, notice: 'keys' }, async (tx) => {
    const row = await tx
      .updateTable('device_keys')
      .set({ revoked_at: new Date() })
      .where('tenant', '=', tenant)
      .where('prefix', '=', prefix)
      .where('revoked_at', 'is', null)
      .returning('prefix')
      .executeTakeFirst();
    if (!row) throw new StoreError('not_found', `Tenant "${tenant}" has no active device key "${prefix}…" (list them with device-key list ${tenant}).`, 'prefix');
  });
}

/** The tenant's keys, newest first, revoked ones included. */
export async function listDeviceKeys(db: Kysely<Schema>, tenant: string): Promise<DeviceKeyRecord[]> {
  const rows = await db.selectFrom('device_keys').selectAll().where('tenant', '=', tenant).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({
    prefix: r.prefix,
    tenant: r.tenant,
    label: r.label,
    truckId: r.truck_id,
    createdAt: r.created_at.getTime(),
    createdBy: r.created_by,
    lastUsedAt: r.last_used_at?.getTime() ?? null,
    revokedAt: r.revoked_at?.getTime() ?? null,
  }));
}

/** Keys that are not revoked (of one tenant, or all), for the in-memory directory. */
export async function activeDeviceKeys(db: Kysely<Schema>, tenant?: string): Promise<ActiveDeviceKey[]> {
  let query = db.selectFrom('device_keys').select(['prefix', 'tenant', 'truck_id', 'key_hash']).where('revoked_at', 'is', null);
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  const rows = await query.execute();
  return rows.map((r) => ({ prefix: r.prefix, tenant: r.tenant, truckId: r.truck_id, keyHash: r.key_hash }));
}

/** Records when keys were last used (batched by the directory: one statement per flush, not per request). */
export async function touchDeviceKeys(db: Kysely<Schema>, usedAt: ReadonlyMap<string, number>): Promise<void> {
  for (const [prefix, at] of usedAt) {
    await db
      .updateTable('device_keys')
      .set({ last_used_at: new Date(at) })
      .where('prefix', '=', prefix)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', new Date(at))]))
      .execute();
  }
}
