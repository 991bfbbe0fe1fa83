/** Tenants and their operators: who may log in, with which role. */
import { sql, type Kysely } from 'kysely';
import { hashPassword, type PasswordHash } from '../passwords';
import { adminChange, type Actor } from './audit';
import { StoreError, UNIQUE_VIOLATION, sqlState } from './errors';
import type { Role, Schema } from './schema';
import { checkPassword, checkRole, checkTenantId, checkText, checkUsername } from './validation';

/** A tenant as listed. */
export interface Tenant {
  id: string;
  name: string;
}

/** An operator as listed (never the password hash). */
export interface OperatorRecord {
  tenant: string;
  username: string;
  role: Role;
  createdAt: number;
}

/** What a login needs to check a password. */
export interface LoginRecord {
  tenant: string;
  username: string;
  role: Role;
  passwordHash: PasswordHash;
  createdAt: number;
}

/** Throws not_found unless the tenant exists. */
export async function requireTenant(db: Kysely<Schema>, tenant: string): Promise<void> {
  checkTenantId(tenant);
  const row = await db.selectFrom('tenants').select('id').where('id', '=', tenant).executeTakeFirst();
  if (!row) throw new StoreError('not_found', `There is no tenant "${tenant}": create it first (admin tenant add ${tenant}).`, 'tenant');
}

/** Creates a tenant; conflict when it exists. */
export async function addTenant(db: Kysely<Schema>, actor: Actor, id: string, name = id): Promise<Tenant> {
  checkTenantId(id);
  checkText(name, 'name', true);
  try {
    await adminChange(db, { tenant: id, actor, action: 'tenant.add', target: id, details: { name }, notice: 'tenants' }, (tx) =>
      tx.insertInto('tenants').values({ id, name }).execute(),
    );
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) throw new StoreError('conflict', `The tenant "${id}" exists already.`, 'tenant');
    throw err;
  }
  return { id, name };
}

/** Every tenant. */
export async function listTenants(db: Kysely<Schema>): Promise<Tenant[]> {
  return db.selectFrom('tenants').select(['id', 'name']).orderBy('id').execute();
}

/** Creates an operator; conflict when the username is taken (usernames are unique across tenants: login names no tenant). */
export async function addOperator(
  db: Kysely<Schema>,
  actor: Actor,
  input: { tenant: string; username: string; password: string; role: string },
): Promise<OperatorRecord> {
  const { tenant, username, password, role } = input;
  checkUsername(username);
  checkRole(role);
  checkPassword(password);
  await requireTenant(db, tenant);
  const passwordHash = await hashPassword(password);
  try {
    const row = await adminChange(
      db,
      { tenant, actor, action: 'operator.add', target: username, details: { role }, notice: 'operators' },
      (tx) =>
        tx
          .insertInto('operators')
          .values({ tenant, username, role, password_hash: passwordHash, updated_at: new Date() })
          .returning(['created_at'])
          .executeTakeFirstOrThrow(),
    );
    return { tenant, username, role, createdAt: row.created_at.getTime() };
  } catch (err) {
    if (sqlState(err) === UNIQUE_VIOLATION) {
      throw new StoreError('conflict', `The username "${username}" is taken: usernames are unique across the whole deployment. Pick another.`, 'username');
    }
    throw err;
  }
}

/** Removes an operator; not_found when there is none. */
export async function removeOperator(db: Kysely<Schema>, actor: Actor, tenant: string, username: string): Promise<void> {
  await requireTenant(db, tenant);
  // Refused inside the transaction, so a miss rolls back its audit row and change notice.
  await adminChange(db, { tenant, actor, action: 'operator.remove', target: username, notice: 'operators' }, async (tx) => {
    const removed = await tx.deleteFrom('operators').where('tenant', '=', tenant).where('username', '=', username).executeTakeFirst();
    if (removed.numDeletedRows === 0n) {
      throw new StoreError('not_found', `There is no operator "${username}" in tenant "${tenant}".`, 'username');
    }
  });
}

/** Changes an operator's role and/or password; not_found when there is none. */
export async function updateOperator(
  db: Kysely<Schema>,
  actor: Actor,
  input: { tenant: string; username: string; role?: string; password?: string },
): Promise<OperatorRecord> {
  const { tenant, username, role, password } = input;
  if (role !== undefined) checkRole(role);
  if (password !== undefined) checkPassword(password);
  if (role === undefined && password === undefined) throw new StoreError('invalid', 'Give a new role, a new password, or both.', 'role');
  await requireTenant(db, tenant);
  const passwordHash = password === undefined ? undefined : await hashPassword(password);
  const changed = [...(role !== undefined ? ['role'] : []), ...(password !== undefined ? ['password'] : [])];
  // Refused inside the transaction, so a miss rolls back its audit row and change notice.
  const row = await adminChange(
    db,
    { tenant, actor, action: 'operator.update', target: username, details: { changed, ...(role ? { role } : {}) }, notice: 'operators' },
    async (tx) => {
      const updated = await tx
        .updateTable('operators')
        .set({
          updated_at: new Date(),
          ...(role !== undefined ? { role: role as Role } : {}),
          ...(passwordHash !== undefined ? { password_hash: passwordHash } : {}),
        })
        .where('tenant', '=', tenant)
        .where('username', '=', username)
        .returning(['role', 'created_at'])
        .executeTakeFirst();
      if (!updated) throw new StoreError('not_found', `There is no operator "${username}" in tenant "${tenant}".`, 'username');
      return updated;
    },
  );
  return { tenant, username, role: row.role, createdAt: row.created_at.getTime() };
}

/** The tenant's operators. */
export async function listOperators(db: Kysely<Schema>, tenant: string): Promise<OperatorRecord[]> {
  const rows = await db
    .selectFrom('operators')
    .select(['tenant', 'username', 'role', 'created_at'])
    .where('tenant', '=', tenant)
    .orderBy('username')
    .execute();
  return rows.map((r) => ({ tenant: r.tenant, username: r.username, role: r.role, createdAt: r.created_at.getTime() }));
}

/** Every operator of every tenant, for the in-memory directory. */
export async function allOperators(db: Kysely<Schema>, tenant?: string): Promise<OperatorRecord[]> {
  let query = db.selectFrom('operators').select(['tenant', 'username', 'role', 'created_at']);
  if (tenant !== undefined) query = query.where('tenant', '=', tenant);
  const rows = await query.execute();
  return rows.map((r) => ({ tenant: r.tenant, username: r.username, role: r.role, createdAt: r.created_at.getTime() }));
}

/** The operator a login names (case-insensitive), with the password hash; undefined when unknown. */
export async function findLogin(db: Kysely<Schema>, username: string): Promise<LoginRecord | undefined> {
  const row = await db
    .selectFrom('operators')
    .select(['tenant', 'username', 'role', 'password_hash', 'created_at'])
    .where(sql`lower(username)`, '=', username.toLowerCase())
    .executeTakeFirst();
  return row && { tenant: row.tenant, username: row.username, role: row.role, passwordHash: row.password_hash, createdAt: row.created_at.getTime() };
}

/** Replaces a stored hash made at an older cost (after a successful login); no audit entry, nothing changes for anyone. */
export async function rehashPassword(db: Kysely<Schema>, tenant: string, username: string, passwordHash: PasswordHash): Promise<void> {
  await db.updateTable('operators').set({ password_hash: passwordHash }).where('tenant', '=', tenant).where('username', '=', username).execute();
}
