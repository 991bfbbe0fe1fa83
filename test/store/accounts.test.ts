// Tenants, operators and device keys on both engines: what is stored, what is refused (with nothing written), what is audited.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../server/passwords';
import { addOperator, addTenant, findLogin, listOperators, listTenants, removeOperator, updateOperator } from '../../server/store/accounts';
import { listAudit } from '../../server/store/audit';
import { KEY_PREFIX_LENGTH, activeDeviceKeys, issueDeviceKey, listDeviceKeys, revokeDeviceKey, touchDeviceKeys } from '../../server/store/device-keys';
import { addTruck } from '../../server/store/fleet';
import { ENGINES, expectRefused, useStore } from './engines';

const PASSWORD = 'correct horse battery';
/** What a stored password looks like: the scrypt parameters, then salt and hash in base64. */
const SCRYPT_HASH = /^scrypt\$N=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/;

describe.each(ENGINES)('%s', (_title, engine) => {
  const store = useStore(engine, 'test/store/accounts.test.ts');

  /** A new tenant with an admin operator, `<tenant>-admin`. */
  async function tenantWithAdmin(): Promise<{ tenant: string; admin: string }> {
    const tenant = store.tenant();
    await addTenant(store.db, 'cli', tenant);
    const admin = `${tenant}-admin`;
    await addOperator(store.db, 'cli', { tenant, username: admin, password: PASSWORD, role: 'admin' });
    return { tenant, admin };
  }

  describe('tenants', () => {
    it('adds and lists tenants, the name defaulting to the id, with one audit entry each', async () => {
      const a = store.tenant();
      const b = store.tenant();
      expect(await addTenant(store.db, 'cli', a, 'Acme Freight')).toEqual({ id: a, name: 'Acme Freight' });
      expect(await addTenant(store.db, 'cli', b)).toEqual({ id: b, name: b });
      expect(await listTenants(store.db)).toEqual(expect.arrayContaining([{ id: a, name: 'Acme Freight' }, { id: b, name: b }]));
      const audit = await listAudit(store.db, a);
      expect(audit).toEqual([expect.objectContaining({ tenant: a, actor: 'cli', action: 'tenant.add', target: a, details: { name: 'Acme Freight' } })]);
      expect(audit[0]?.at).toBeGreaterThan(Date.now() - 60_000);
    });

    it('refuses a malformed tenant id, and a tenant that exists, writing nothing', async () => {
      for (const bad of ['Acme', 'acme_freight', '-acme', '', 'a'.repeat(64)]) {
        await expectRefused(store.db, () => addTenant(store.db, 'cli', bad), 'invalid', 'tenant');
      }
      const tenant = store.tenant();
      await addTenant(store.db, 'cli', tenant);
      const err = await expectRefused(store.db, () => addTenant(store.db, 'cli', tenant, 'Again'), 'conflict', 'tenant');
      expect(err.message).toContain(tenant);
    });
  });

  describe('operators', () => {
    it('adds, lists, updates and removes operators, one audit entry per action with its actor and target', async () => {
      const { tenant, admin } = await tenantWithAdmin();
      const actor = `operator:${admin}`;
      const viewer = `${tenant}-viewer`;
      const added = await addOperator(store.db, actor, { tenant, username: viewer, password: PASSWORD, role: 'viewer' });
      expect(added).toEqual({ tenant, username: viewer, role: 'viewer', createdAt: expect.any(Number) });
      expect((await listOperators(store.db, tenant)).map((o) => [o.username, o.role])).toEqual([
        [admin, 'admin'],
        [viewer, 'viewer'],
      ]);

      expect(await updateOperator(store.db, actor, { tenant, username: viewer, role: 'operator' })).toMatchObject({ role: 'operator' });
      const before = (await findLogin(store.db, viewer))?.passwordHash;
      await updateOperator(store.db, actor, { tenant, username: viewer, password: 'a new passphrase' });
      const after = await findLogin(store.db, viewer);
      expect(after?.role).toBe('operator');
      expect(after?.passwordHash).not.toBe(before);
      expect(await verifyPassword('a new passphrase', after!.passwordHash)).toBe(true);
      expect(await verifyPassword(PASSWORD, after!.passwordHash)).toBe(false);

      await removeOperator(store.db, actor, tenant, viewer);
      expect((await listOperators(store.db, tenant)).map((o) => o.username)).toEqual([admin]);
      expect(await findLogin(store.db, viewer)).toBeUndefined();

      const audit = (await listAudit(store.db, tenant)).reverse();
      expect(audit.map((e) => [e.actor, e.action, e.target, e.details])).toEqual([
        ['cli', 'tenant.add', tenant, { name: tenant }],
        ['cli', 'operator.add', admin, { role: 'admin' }],
        [actor, 'operator.add', viewer, { role: 'viewer' }],
        [actor, 'operator.update', viewer, { changed: ['role'], role: 'operator' }],
        [actor, 'operator.update', viewer, { changed: ['password'] }],
        [actor, 'operator.remove', viewer, {}],
      ]);
    });

    it('stores passwords as scrypt hashes with their parameters, never the text, and finds logins whatever their case', async () => {
      const { tenant, admin } = await tenantWithAdmin();
      const row = await store.db.selectFrom('operators').selectAll().where('tenant', '=', tenant).where('username', '=', admin).executeTakeFirstOrThrow();
      expect(row.password_hash).toMatch(SCRYPT_HASH);
      expect(row.password_hash).not.toContain(PASSWORD);
      expect(await verifyPassword(PASSWORD, row.password_hash)).toBe(true);
      // Nor does the text reach the audit log.
      const audit = await store.db.selectFrom('audit_log').select('details').where('tenant', '=', tenant).execute();
      expect(JSON.stringify(audit)).not.toContain(PASSWORD);

      expect(await findLogin(store.db, admin.toUpperCase())).toEqual({ tenant, username: admin, role: 'admin', passwordHash: row.password_hash, createdAt: expect.any(Number) });
      expect(await findLogin(store.db, `${admin}-nobody`)).toBeUndefined();
    });

    it('refuses a username another tenant has, whatever its case, writing nothing', async () => {
      const a = await tenantWithAdmin();
      const b = await tenantWithAdmin();
      const taken = `Dispatch-${a.tenant}`;
      await addOperator(store.db, 'cli', { tenant: a.tenant, username: taken, password: PASSWORD, role: 'operator' });
      for (const [tenant, username] of [
        [b.tenant, taken],
        [b.tenant, taken.toLowerCase()],
        [a.tenant, taken.toUpperCase()],
      ] as const) {
        const err = await expectRefused(store.db, () => addOperator(store.db, 'cli', { tenant, username, password: PASSWORD, role: 'viewer' }), 'conflict', 'username');
        expect(err.message).toContain(username);
      }
    });

    it('refuses a bad tenant id, an unknown tenant, a bad username, a bad role and a short password, writing nothing', async () => {
      const { tenant } = await tenantWithAdmin();
      const input = { tenant, username: `${tenant}-new`, password: PASSWORD, role: 'viewer' };
      await expectRefused(store.db, () => addOperator(store.db, 'cli', { ...input, tenant: 'Not A Tenant' }), 'invalid', 'tenant');
      await expectRefused(store.db, () => addOperator(store.db, 'cli', { ...input, tenant: `${tenant}-gone` }), 'not_found', 'tenant');
      await expectRefused(store.db, () => addOperator(store.db, 'cli', { ...input, username: 'two words' }), 'invalid', 'username');
      await expectRefused(store.db, () => addOperator(store.db, 'cli', { ...input, role: 'root' }), 'invalid', 'role');
      await expectRefused(store.db, () => addOperator(store.db, 'cli', { ...input, role: 'Admin' }), 'invalid', 'role');
      await expectRefused(store.db, () => addOperator(store.db, 'cli', { ...input, password: 'short' }), 'invalid', 'password');
      await expectRefused(store.db, () => updateOperator(store.db, 'cli', { ...input, username: `${tenant}-admin`, role: 'root' }), 'invalid', 'role');
      await expectRefused(store.db, () => updateOperator(store.db, 'cli', { tenant, username: `${tenant}-admin`, password: '1234567' }), 'invalid', 'password');
      await expectRefused(store.db, () => updateOperator(store.db, 'cli', { tenant, username: `${tenant}-admin` }), 'invalid', 'role');
      expect((await listOperators(store.db, tenant)).map((o) => o.username)).toEqual([`${tenant}-admin`]);
    });

    it('refuses to update or remove an operator that does not exist (or is another tenant’s), writing nothing', async () => {
      const a = await tenantWithAdmin();
      const b = await tenantWithAdmin();
      const ghost = `${a.tenant}-ghost`;
      await expectRefused(store.db, () => updateOperator(store.db, 'cli', { tenant: a.tenant, username: ghost, role: 'admin' }), 'not_found', 'username');
      await expectRefused(store.db, () => removeOperator(store.db, 'cli', a.tenant, ghost), 'not_found', 'username');
      // B's admin, named through tenant A.
      await expectRefused(store.db, () => updateOperator(store.db, 'cli', { tenant: a.tenant, username: b.admin, role: 'viewer' }), 'not_found', 'username');
      await expectRefused(store.db, () => removeOperator(store.db, 'cli', a.tenant, b.admin), 'not_found', 'username');
      await expectRefused(store.db, () => removeOperator(store.db, 'cli', `${a.tenant}-gone`, a.admin), 'not_found', 'tenant');
      expect((await findLogin(store.db, b.admin))?.role).toBe('admin');
    });
  });

  describe('device keys', () => {
    it('issues a key stored only as its SHA-256, named by its first 8 characters, and lists it without the key', async () => {
      const { tenant, admin } = await tenantWithAdmin();
      const actor = `operator:${admin}`;
      const { key, prefix } = await issueDeviceKey(store.db, actor, { tenant, label: 'gateway 7' });
      expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(prefix).toBe(key.slice(0, KEY_PREFIX_LENGTH));

      const row = await store.db.selectFrom('device_keys').selectAll().where('prefix', '=', prefix).executeTakeFirstOrThrow();
      expect(row.key_hash).toBe(createHash('sha256').update(key).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(key);
      expect(row).toMatchObject({ tenant, label: 'gateway 7', truck_id: null, created_by: actor, last_used_at: null, revoked_at: null });

      const listed = await listDeviceKeys(store.db, tenant);
      expect(listed).toEqual([
        { prefix, tenant, label: 'gateway 7', truckId: null, createdAt: expect.any(Number), createdBy: actor, lastUsedAt: null, revokedAt: null },
      ]);
      expect(JSON.stringify(listed)).not.toContain(key);
      expect(await activeDeviceKeys(store.db, tenant)).toEqual([{ prefix, tenant, truckId: null, keyHash: row.key_hash }]);

      const audit = await listAudit(store.db, tenant);
      expect(audit[0]).toMatchObject({ actor, action: 'device-key.issue', target: prefix, details: { label: 'gateway 7', truckId: null } });
      expect(JSON.stringify(audit)).not.toContain(key);
    });

    it('binds a key to one truck, and records when keys were last used, never moving that back', async () => {
      const { tenant } = await tenantWithAdmin();
      await addTruck(store.db, 'cli', tenant, { id: 'truck-01', name: 'Volvo FH' });
      const { prefix } = await issueDeviceKey(store.db, 'cli', { tenant, truckId: 'truck-01' });
      expect((await activeDeviceKeys(store.db, tenant))[0]).toMatchObject({ prefix, truckId: 'truck-01' });

      const used = Date.UTC(2030, 0, 1, 12);
      await touchDeviceKeys(store.db, new Map([[prefix, used]]));
      await touchDeviceKeys(store.db, new Map([[prefix, used - 60_000]]));
      expect((await listDeviceKeys(store.db, tenant))[0]?.lastUsedAt).toBe(used);
    });

    it('revokes a key by its prefix: listed with the time, no longer active, audited', async () => {
      const { tenant } = await tenantWithAdmin();
      const kept = await issueDeviceKey(store.db, 'cli', { tenant, label: 'kept' });
      const revoked = await issueDeviceKey(store.db, 'cli', { tenant, label: 'lost' });
      await revokeDeviceKey(store.db, 'operator:someone', tenant, revoked.prefix);
      const listed = new Map((await listDeviceKeys(store.db, tenant)).map((k) => [k.prefix, k]));
      expect(listed.get(revoked.prefix)?.revokedAt).toBeGreaterThan(Date.now() - 60_000);
      expect(listed.get(kept.prefix)?.revokedAt).toBeNull();
      expect((await activeDeviceKeys(store.db, tenant)).map((k) => k.prefix)).toEqual([kept.prefix]);
      expect((await listAudit(store.db, tenant))[0]).toMatchObject({ actor: 'operator:someone', action: 'device-key.revoke', target: revoked.prefix });
    });

    it('refuses a key for an unknown tenant or bound to an unknown truck, writing nothing', async () => {
      const a = await tenantWithAdmin();
      const b = await tenantWithAdmin();
      await addTruck(store.db, 'cli', b.tenant, { id: 'truck-b', name: 'B only' });
      await expectRefused(store.db, () => issueDeviceKey(store.db, 'cli', { tenant: `${a.tenant}-gone` }), 'not_found', 'tenant');
      await expectRefused(store.db, () => issueDeviceKey(store.db, 'cli', { tenant: a.tenant, truckId: 'truck-nowhere' }), 'not_found', 'truck');
      // Another tenant's truck is no truck of this one.
      await expectRefused(store.db, () => issueDeviceKey(store.db, 'cli', { tenant: a.tenant, truckId: 'truck-b' }), 'not_found', 'truck');
      await expectRefused(store.db, () => issueDeviceKey(store.db, 'cli', { tenant: a.tenant, truckId: 'no spaces' }), 'invalid', 'truck');
      await expectRefused(store.db, () => issueDeviceKey(store.db, 'cli', { tenant: a.tenant, label: 'x'.repeat(201) }), 'invalid', 'label');
    });

    it('refuses to revoke an unknown prefix, another tenant’s key or a revoked one, writing nothing', async () => {
      const a = await tenantWithAdmin();
      const b = await tenantWithAdmin();
      const keyOfB = await issueDeviceKey(store.db, 'cli', { tenant: b.tenant });
      const gone = await issueDeviceKey(store.db, 'cli', { tenant: a.tenant });
      await revokeDeviceKey(store.db, 'cli', a.tenant, gone.prefix);

      await expectRefused(store.db, () => revokeDeviceKey(store.db, 'cli', a.tenant, 'zzzzzzzz'), 'not_found', 'prefix');
      await expectRefused(store.db, () => revokeDeviceKey(store.db, 'cli', a.tenant, keyOfB.prefix), 'not_found', 'prefix');
      await expectRefused(store.db, () => revokeDeviceKey(store.db, 'cli', a.tenant, gone.prefix), 'not_found', 'prefix');
      await expectRefused(store.db, () => revokeDeviceKey(store.db, 'cli', a.tenant, keyOfB.prefix.slice(0, 4)), 'invalid', 'prefix');
      await expectRefused(store.db, () => revokeDeviceKey(store.db, 'cli', `${a.tenant}-gone`, keyOfB.prefix), 'not_found', 'tenant');
      expect((await activeDeviceKeys(store.db, b.tenant)).map((k) => k.prefix)).toEqual([keyOfB.prefix]);
    });
  });
});
