// The admin API as an admin uses it: who may call it, operators, device keys, trucks, transfer imports,
// the audit log; plus the metrics token and `Cache-Control: no-store` on every /api answer.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { FleetSnapshot, TruckInfo, TruckSnapshot } from '../../src/shared/fleet';
import { SseReader, inject, listen, loginCookie, makeApp, sample } from './helpers';

const apps: FastifyInstance[] = [];
const readers: SseReader[] = [];
afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  for (const a of apps.splice(0)) await a.close();
});

async function newApp(overrides: Parameters<typeof makeApp>[0] = {}): Promise<FastifyInstance> {
  const a = await makeApp(overrides);
  apps.push(a);
  return a;
}

async function openStream(url: string, cookie: string): Promise<SseReader> {
  const r = await SseReader.open(url, cookie);
  readers.push(r);
  return r;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One request through inject, with the session cookie when given; a string payload goes as it is (CSV). */
function call(
  a: FastifyInstance,
  method: Method,
  url: string,
  cookie?: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return a.inject({
    method,
    url,
    headers: { ...(cookie ? { cookie } : {}), ...headers },
    ...(payload !== undefined ? { payload: payload as string | object } : {}),
  });
}

/** An `{error, message}` answer with this status and no-store. */
function expectError(res: LightMyRequestResponse, status: number, error?: string): { error: string; message: string } {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = res.json() as { error: string; message: string };
  expect(body.error).toEqual(error ?? expect.any(String));
  expect(body.message).toEqual(expect.any(String));
  expect(body.message.length).toBeGreaterThan(10);
  return body;
}

const PASSWORD = 'long enough password';

/** Adds an operator through the API as `admin`, and logs them in. */
async function addOperator(a: FastifyInstance, admin: string, username: string, role?: 'admin' | 'operator' | 'viewer'): Promise<string> {
  const res = await call(a, 'POST', '/api/admin/operators', admin, { username, password: PASSWORD, ...(role ? { role } : {}) });
  expect(res.statusCode, res.body).toBe(201);
  return loginCookie(a, username, PASSWORD);
}

async function addTruck(a: FastifyInstance, admin: string, truck: { id: string; name: string; plate?: string; reeferSetpointC?: number | null }): Promise<TruckInfo> {
  const res = await call(a, 'POST', '/api/admin/trucks', admin, truck);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as TruckInfo;
}

async function issueKey(a: FastifyInstance, admin: string, body: { label?: string; truckId?: string } = {}): Promise<{ key: string; prefix: string }> {
  const res = await call(a, 'POST', '/api/admin/device-keys', admin, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { key: string; prefix: string };
}

async function getJson<T>(a: FastifyInstance, url: string, cookie: string): Promise<T> {
  const res = await call(a, 'GET', url, cookie);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as T;
}

interface OperatorRow {
  tenant: string;
  username: string;
  role: string;
  createdAt: number;
}
interface KeyRow {
  prefix: string;
  tenant: string;
  label: string;
  truckId: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}
interface TransferRow {
  id: string;
  truckId: string;
  plannedDeparture: number;
  plannedArrival: number;
  cargo: string;
  reeferSetpointC: number | null;
}
interface AuditRow {
  id: number;
  tenant: string;
  actor: string;
  action: string;
  target: string;
  at: number;
}

const operators = async (a: FastifyInstance, c: string) => (await getJson<{ operators: OperatorRow[] }>(a, '/api/admin/operators', c)).operators;
const keys = async (a: FastifyInstance, c: string) => (await getJson<{ keys: KeyRow[] }>(a, '/api/admin/device-keys', c)).keys;
const trucks = async (a: FastifyInstance, c: string) => (await getJson<{ trucks: TruckInfo[] }>(a, '/api/admin/trucks', c)).trucks;
const transfers = async (a: FastifyInstance, c: string) => (await getJson<{ transfers: TransferRow[] }>(a, '/api/admin/transfers', c)).transfers;
const audit = async (a: FastifyInstance, c: string) => (await getJson<{ entries: AuditRow[] }>(a, '/api/admin/audit', c)).entries;
const fleet = (a: FastifyInstance, c: string) => getJson<FleetSnapshot>(a, '/api/fleet', c);
const fleetTruck = async (a: FastifyInstance, c: string, id: string): Promise<TruckSnapshot | undefined> =>
  (await fleet(a, c)).trucks.find((t) => t.id === id);

/** Everything the admin API shows of a tenant: equal before and after means nothing was written. */
async function tenantState(a: FastifyInstance, admin: string) {
  return {
    operators: await operators(a, admin),
    keys: await keys(a, admin),
    trucks: await trucks(a, admin),
    transfers: await transfers(a, admin),
    audit: await audit(a, admin),
  };
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A transfer row of a JSON file, Rotterdam to Antwerp, `hours` long. */
function transferRow(truckId: string, id: string, departure: number, extra: Record<string, unknown> = {}, hours = 6) {
  return {
    id,
    truckId,
    origin: { name: 'Rotterdam', lat: 51.92, lon: 4.48 },
    destination: { name: 'Antwerp', lat: 51.22, lon: 4.4 },
    plannedDeparture: iso(departure),
    plannedArrival: iso(departure + hours * HOUR),
    ...extra,
  };
}

const CSV_HEADER = 'id,truckId,originName,originLat,originLon,destinationName,destinationLat,destinationLon,plannedDeparture,plannedArrival,cargo,reeferSetpointC';

describe('admin routes: only admins', () => {
  it('answer 401 JSON without a session and 403 JSON to an operator and a viewer, and those calls change nothing', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const operator = await addOperator(app, ana, 'guard-olga', 'operator');
    const viewer = await addOperator(app, ana, 'guard-vic', 'viewer');
    expect((await call(app, 'POST', '/api/admin/operators', ana, { username: 'guard-target', password: PASSWORD, role: 'viewer' })).statusCode).toBe(201);
    await addTruck(app, ana, { id: 'guard-truck', name: 'Guarded' });
    const key = await issueKey(app, ana, { label: 'guarded key' });
    const row = transferRow('guard-truck', 'guard-transfer', Date.now() - HOUR);

    const routes: [Method, string, unknown?][] = [
      ['GET', '/api/admin/operators'],
      ['POST', '/api/admin/operators', { username: 'guard-intruder', password: PASSWORD, role: 'admin' }],
      ['PATCH', '/api/admin/operators/guard-target', { role: 'admin' }],
      ['PATCH', '/api/admin/operators/guard-target', { password: 'taken over password' }],
      ['DELETE', '/api/admin/operators/guard-target'],
      ['GET', '/api/admin/device-keys'],
      ['POST', '/api/admin/device-keys', { label: 'intruder' }],
      ['DELETE', `/api/admin/device-keys/${key.prefix}`],
      ['GET', '/api/admin/trucks'],
      ['POST', '/api/admin/trucks', { id: 'guard-intruder', name: 'Intruder' }],
      ['PATCH', '/api/admin/trucks/guard-truck', { name: 'Hijacked' }],
      ['GET', '/api/admin/transfers'],
      ['POST', '/api/admin/transfers', [row]],
      ['POST', '/api/admin/transfers?dryRun=1', [row]],
      ['GET', '/api/admin/audit'],
    ];

    const before = await tenantState(app, ana);
    for (const [method, url, payload] of routes) {
      const what = `${method} ${url}`;
      const anonymous = await call(app, method, url, undefined, payload);
      expect(expectError(anonymous, 401, 'unauthorized').message, what).toMatch(/log in/);
      expect(Object.keys(anonymous.json() as object).sort()).toEqual(['error', 'message']);
      for (const [role, cookie] of [
        ['operator', operator],
        ['viewer', viewer],
      ] as const) {
        const refused = await call(app, method, url, cookie, payload);
        const body = expectError(refused, 403, 'forbidden');
        expect(body.message, what).toContain(`you are logged in as ${role}`);
        expect(Object.keys(refused.json() as object).sort()).toEqual(['error', 'message']);
      }
    }
    expect(await tenantState(app, ana)).toEqual(before);
    // The refused calls left no trace anywhere: no intruder, the key still works, the target's password is unchanged.
    expect((await call(app, 'POST', '/api/session', undefined, { username: 'guard-intruder', password: PASSWORD })).statusCode).toBe(401);
    expect((await call(app, 'POST', '/api/session', undefined, { username: 'guard-target', password: PASSWORD })).statusCode).toBe(200);
    expect((await inject(app, [sample('guard-truck')], key.key)).statusCode).toBe(200);
    expect((await fleetTruck(app, ana, 'guard-truck'))?.name).toBe('Guarded');
  });
});

describe('operators', () => {
  it('adds an operator (role operator by default) who logs in and sees themselves at /api/me', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const res = await call(app, 'POST', '/api/admin/operators', ana, { username: 'dora', password: PASSWORD });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ tenant: 'acme', username: 'dora', role: 'operator', createdAt: expect.any(Number) });
    expect(res.body).not.toContain(PASSWORD);

    const login = await call(app, 'POST', '/api/session', undefined, { username: 'dora', password: PASSWORD });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toEqual({ username: 'dora', tenant: 'acme', role: 'operator' });
    const dora = await loginCookie(app, 'dora', PASSWORD);
    expect((await getJson(app, '/api/me', dora))).toEqual({ username: 'dora', tenant: 'acme', role: 'operator' });
    // An operator watches the tenant's fleet.
    expect((await fleet(app, dora)).trucks.every((t) => t.tenant === 'acme')).toBe(true);

    const viewer = await addOperator(app, ana, 'dora-viewer', 'viewer');
    expect(await getJson(app, '/api/me', viewer)).toEqual({ username: 'dora-viewer', tenant: 'acme', role: 'viewer' });
    expect((await operators(app, ana)).filter((o) => o.username.startsWith('dora'))).toEqual([
      { tenant: 'acme', username: 'dora', role: 'operator', createdAt: expect.any(Number) },
      { tenant: 'acme', username: 'dora-viewer', role: 'viewer', createdAt: expect.any(Number) },
    ]);
  });

  it('refuses a taken username with 409: the same, in another case, or one of the other tenant', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addOperator(app, ana, 'eli');
    const before = await tenantState(app, ana);
    for (const username of ['eli', 'ELI', 'Eli', 'bo', 'BO', 'ana', 'Ana']) {
      const res = await call(app, 'POST', '/api/admin/operators', ana, { username, password: 'another password', role: 'admin' });
      expect(expectError(res, 409, 'conflict').message, username).toContain('is taken');
    }
    expect(await tenantState(app, ana)).toEqual(before);
    // No password was replaced and no role granted: everyone logs in as before.
    expect((await call(app, 'POST', '/api/session', undefined, { username: 'eli', password: PASSWORD })).json()).toEqual({
      username: 'eli',
      tenant: 'acme',
      role: 'operator',
    });
    expect((await call(app, 'POST', '/api/session', undefined, { username: 'bo', password: 'fleetwire' })).json()).toEqual({
      username: 'bo',
      tenant: 'globex',
      role: 'admin',
    });
    expect((await call(app, 'POST', '/api/session', undefined, { username: 'bo', password: 'another password' })).statusCode).toBe(401);
  });

  it('400s a bad body naming the field, and writes nothing', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const before = await tenantState(app, ana);
    const cases: [unknown, string][] = [
      [{ username: 'fay', password: PASSWORD, role: 'captain' }, 'role'],
      [{ username: 'fay', password: 'short', role: 'viewer' }, 'password'],
      [{ username: 'fay', password: PASSWORD, colour: 'red' }, 'colour'],
      [{ username: ['fay'], password: PASSWORD }, 'username'],
      [{ username: 'fay', password: 12345678 }, 'password'],
      [{ username: 'fay', password: PASSWORD, role: ['admin'] }, 'role'],
      [{ username: 'fay ', password: PASSWORD }, 'username'],
      [{ username: '../fay', password: PASSWORD }, 'username'],
      [{ password: PASSWORD }, 'username'],
      [{ username: 'fay' }, 'password'],
    ];
    for (const [payload, field] of cases) {
      const res = await call(app, 'POST', '/api/admin/operators', ana, payload);
      expect(expectError(res, 400).message, JSON.stringify(payload)).toContain(field);
    }
    expect(await tenantState(app, ana)).toEqual(before);
    expect((await call(app, 'POST', '/api/session', undefined, { username: 'fay', password: PASSWORD })).statusCode).toBe(401);
  });

  it('a role change applies at once to the operator\'s open session (the same cookie)', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const gus = await addOperator(app, ana, 'gus', 'viewer');
    expectError(await call(app, 'GET', '/api/admin/operators', gus), 403, 'forbidden');

    const promoted = await call(app, 'PATCH', '/api/admin/operators/gus', ana, { role: 'admin' });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(promoted.json()).toMatchObject({ tenant: 'acme', username: 'gus', role: 'admin' });
    expect(await getJson(app, '/api/me', gus)).toEqual({ username: 'gus', tenant: 'acme', role: 'admin' });
    expect((await operators(app, gus)).map((o) => o.username)).toContain('gus');

    const demoted = await call(app, 'PATCH', '/api/admin/operators/gus', ana, { role: 'operator' });
    expect(demoted.statusCode).toBe(200);
    expect(await getJson(app, '/api/me', gus)).toEqual({ username: 'gus', tenant: 'acme', role: 'operator' });
    expectError(await call(app, 'GET', '/api/admin/operators', gus), 403, 'forbidden');

    // A bad change is a 400 naming the field, and the role stays.
    expect(expectError(await call(app, 'PATCH', '/api/admin/operators/gus', ana, { role: 'captain' }), 400).message).toContain('role');
    expect(expectError(await call(app, 'PATCH', '/api/admin/operators/gus', ana, { role: 'admin', shift: 'night' }), 400).message).toContain('shift');
    expect(expectError(await call(app, 'PATCH', '/api/admin/operators/gus', ana, { password: 'short' }), 400).message).toContain('password');
    expect(await getJson(app, '/api/me', gus)).toEqual({ username: 'gus', tenant: 'acme', role: 'operator' });
  });

  it('a password reset: the old password is refused, the new one logs in', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addOperator(app, ana, 'hal');
    const res = await call(app, 'PATCH', '/api/admin/operators/hal', ana, { password: 'a brand new password' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ username: 'hal', role: 'operator' });
    expect(res.body).not.toContain('a brand new password');
    expectError(await call(app, 'POST', '/api/session', undefined, { username: 'hal', password: PASSWORD }), 401, 'invalid_credentials');
    const login = await call(app, 'POST', '/api/session', undefined, { username: 'hal', password: 'a brand new password' });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toEqual({ username: 'hal', tenant: 'acme', role: 'operator' });
  });

  it('removing an operator: 204, their cookie is refused and their open stream ends', async () => {
    const app = await newApp();
    const url = await listen(app);
    const ana = await loginCookie(app);
    const ivy = await addOperator(app, ana, 'ivy');
    const stream = await openStream(url, ivy);
    expect(stream.status).toBe(200);
    expect(stream.headers['cache-control']).toMatch(/^no-store/);
    // The stream is live: it carries the tenant's events.
    const sent = await inject(app, [sample('acme-01')]);
    expect(sent.statusCode).toBe(200);
    await stream.until(() => stream.ofType('telemetry').length > 0, 'a telemetry event');

    const removed = await call(app, 'DELETE', '/api/admin/operators/ivy', ana);
    expect(removed.statusCode).toBe(204);
    expect(removed.body).toBe('');
    expect(removed.headers['cache-control']).toBe('no-store');
    await stream.waitForEnd();
    expectError(await call(app, 'GET', '/api/me', ivy), 401, 'unauthorized');
    expectError(await call(app, 'GET', '/api/fleet', ivy), 401, 'unauthorized');
    expectError(await call(app, 'GET', '/api/stream', ivy), 401, 'unauthorized');
    expectError(await call(app, 'POST', '/api/session', undefined, { username: 'ivy', password: PASSWORD }), 401, 'invalid_credentials');
    expect((await operators(app, ana)).map((o) => o.username)).not.toContain('ivy');
    // Removing again: there is no such operator.
    expectError(await call(app, 'DELETE', '/api/admin/operators/ivy', ana), 404, 'not_found');
  });

  it('an admin cannot remove or demote themselves (409)', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const before = await tenantState(app, ana);
    expectError(await call(app, 'DELETE', '/api/admin/operators/ana', ana), 409, 'conflict');
    for (const role of ['operator', 'viewer']) {
      expectError(await call(app, 'PATCH', '/api/admin/operators/ana', ana, { role }), 409, 'conflict');
    }
    expect(await tenantState(app, ana)).toEqual(before);
    expect(await getJson(app, '/api/me', ana)).toEqual({ username: 'ana', tenant: 'acme', role: 'admin' });
  });

  it('another tenant\'s operators are not there for an admin (404), and stay untouched', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const bo = await loginCookie(app, 'bo');
    await addOperator(app, bo, 'jo-globex');
    const anaBefore = await tenantState(app, ana);
    const boBefore = await tenantState(app, bo);
    for (const username of ['jo-globex', 'bo']) {
      expectError(await call(app, 'DELETE', `/api/admin/operators/${username}`, ana), 404, 'not_found');
      expectError(await call(app, 'PATCH', `/api/admin/operators/${username}`, ana, { role: 'viewer' }), 404, 'not_found');
      expectError(await call(app, 'PATCH', `/api/admin/operators/${username}`, ana, { password: 'hijacked password' }), 404, 'not_found');
    }
    expect(await tenantState(app, ana)).toEqual(anaBefore);
    expect(await tenantState(app, bo)).toEqual(boBefore);
    expect((await operators(app, ana)).every((o) => o.tenant === 'acme')).toBe(true);
    expect((await operators(app, bo)).map((o) => [o.tenant, o.username])).toContainEqual(['globex', 'jo-globex']);
    expect((await call(app, 'POST', '/api/session', undefined, { username: 'jo-globex', password: PASSWORD })).json()).toEqual({
      username: 'jo-globex',
      tenant: 'globex',
      role: 'operator',
    });
    expect(await getJson(app, '/api/me', bo)).toEqual({ username: 'bo', tenant: 'globex', role: 'admin' });
  });
});

describe('device keys', () => {
  it('issues a key shown once (no-store), which ingests; the list names it by prefix and never holds the key', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const res = await call(app, 'POST', '/api/admin/device-keys', ana, { label: 'dock scanner' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const issued = res.json() as { key: string; prefix: string };
    expect(Object.keys(issued).sort()).toEqual(['key', 'prefix']);
    expect(issued.key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(issued.prefix).toBe(issued.key.slice(0, 8));

    const listed = await call(app, 'GET', '/api/admin/device-keys', ana);
    expect(listed.body).not.toContain(issued.key);
    expect((listed.json() as { keys: KeyRow[] }).keys.find((k) => k.prefix === issued.prefix)).toEqual({
      prefix: issued.prefix,
      tenant: 'acme',
      label: 'dock scanner',
      truckId: null,
      createdAt: expect.any(Number),
      createdBy: 'operator:ana',
      lastUsedAt: null,
      revokedAt: null,
    });

    const usedFrom = Date.now();
    const ingested = await inject(app, [sample('acme-02')], issued.key);
    expect(ingested.statusCode, ingested.body).toBe(200);
    expect((ingested.json() as { ids: string[] }).ids).toHaveLength(1);
    // Last-used times are written by a periodic flush; run it now instead of waiting for it.
    await app.fleetwire.directory.flushKeyUse();
    const afterUse = await call(app, 'GET', '/api/admin/device-keys', ana);
    expect(afterUse.body).not.toContain(issued.key);
    const used = (afterUse.json() as { keys: KeyRow[] }).keys.find((k) => k.prefix === issued.prefix);
    expect(used?.lastUsedAt).toBeGreaterThanOrEqual(usedFrom);
    expect(used?.revokedAt).toBeNull();
    // Another tenant's admin does not see it.
    expect((await keys(app, await loginCookie(app, 'bo'))).map((k) => k.prefix)).not.toContain(issued.prefix);
  });

  it('a key bound to a truck writes that truck only; binding to an unknown truck is a 404', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addTruck(app, ana, { id: 'bound-01', name: 'Bound one' });
    const bound = await issueKey(app, ana, { label: 'bound-01 tracker', truckId: 'bound-01' });
    expect((await keys(app, ana)).find((k) => k.prefix === bound.prefix)).toMatchObject({ label: 'bound-01 tracker', truckId: 'bound-01' });

    const own = await inject(app, [sample('bound-01')], bound.key);
    expect(own.statusCode, own.body).toBe(200);
    const other = await inject(app, [sample('acme-01')], bound.key);
    expect(expectError(other, 403, 'wrong_truck').message).toContain('bound-01');
    const mixed = await inject(app, [sample('bound-01'), sample('acme-01')], bound.key);
    expectError(mixed, 403, 'wrong_truck');

    const before = await tenantState(app, ana);
    // An unknown truck, and another tenant's truck, are both "no such truck".
    for (const truckId of ['no-such-truck', 'globex-01']) {
      const res = await call(app, 'POST', '/api/admin/device-keys', ana, { label: 'lost', truckId });
      expect(expectError(res, 404, 'not_found').message).toContain(truckId);
    }
    expect(expectError(await call(app, 'POST', '/api/admin/device-keys', ana, { truckId: 'a b' }), 400).message).toContain('truck');
    expect(expectError(await call(app, 'POST', '/api/admin/device-keys', ana, { label: 7 }), 400).message).toContain('label');
    expect(expectError(await call(app, 'POST', '/api/admin/device-keys', ana, { label: 'x', owner: 'me' }), 400).message).toContain('owner');
    expect(await tenantState(app, ana)).toEqual(before);
  });

  it('a revoked key is refused at once; revoking twice or another tenant\'s key is a 404', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const bo = await loginCookie(app, 'bo');
    const issued = await issueKey(app, ana, { label: 'to revoke' });
    expect((await inject(app, [sample('acme-03')], issued.key)).statusCode).toBe(200);

    const revoked = await call(app, 'DELETE', `/api/admin/device-keys/${issued.prefix}`, ana);
    expect(revoked.statusCode, revoked.body).toBe(204);
    expect(revoked.body).toBe('');
    expectError(await inject(app, [sample('acme-03')], issued.key), 401, 'invalid_device_key');
    expect((await keys(app, ana)).find((k) => k.prefix === issued.prefix)?.revokedAt).toEqual(expect.any(Number));

    const before = await tenantState(app, ana);
    expectError(await call(app, 'DELETE', `/api/admin/device-keys/${issued.prefix}`, ana), 404, 'not_found');
    expect(await tenantState(app, ana)).toEqual(before);

    const globexKey = await issueKey(app, bo, { label: 'globex tracker' });
    const boBefore = await tenantState(app, bo);
    expectError(await call(app, 'DELETE', `/api/admin/device-keys/${globexKey.prefix}`, ana), 404, 'not_found');
    expect(await tenantState(app, bo)).toEqual(boBefore);
    expect(await tenantState(app, ana)).toEqual(before);
    expect((await keys(app, ana)).map((k) => k.prefix)).not.toContain(globexKey.prefix);
    const stillWorks = await inject(app, [sample('globex-01')], globexKey.key);
    expect(stillWorks.statusCode, stillWorks.body).toBe(200);

    // A prefix is 8 characters.
    expect(expectError(await call(app, 'DELETE', '/api/admin/device-keys/abc', ana), 400).message).toContain('8');
  });
});

describe('trucks', () => {
  it('adds a truck: 201 with the truck, in /api/fleet at once, and a truck event on this tenant\'s streams only', async () => {
    const app = await newApp();
    const url = await listen(app);
    const ana = await loginCookie(app);
    const bo = await loginCookie(app, 'bo');
    const acmeStream = await openStream(url, ana);
    const globexStream = await openStream(url, bo);
    expect([acmeStream.status, globexStream.status]).toEqual([200, 200]);

    const res = await call(app, 'POST', '/api/admin/trucks', ana, { id: 'new-01', name: 'New one', plate: 'NL-01-AB', reeferSetpointC: -18 });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ id: 'new-01', tenant: 'acme', name: 'New one', plate: 'NL-01-AB', driver: null, transfer: null, reeferSetpointC: -18 });

    expect(await fleetTruck(app, ana, 'new-01')).toMatchObject({ id: 'new-01', tenant: 'acme', name: 'New one', plate: 'NL-01-AB', reeferSetpointC: -18 });
    expect(await fleetTruck(app, bo, 'new-01')).toBeUndefined();

    const isNew = (e: { event: string; data: string }) => e.event === 'truck' && (JSON.parse(e.data) as TruckInfo).id === 'new-01';
    await acmeStream.until(() => acmeStream.events.some(isNew), 'the new truck on acme\'s stream');
    expect(JSON.parse(acmeStream.events.find(isNew)?.data ?? '{}')).toMatchObject({ id: 'new-01', name: 'New one', plate: 'NL-01-AB' });
    // An event of globex published after it reaches globex's stream; the truck event never did.
    const globexIds = (await inject(app, [sample('globex-01')], 'demo-globex')).json() as { ids: string[] };
    await globexStream.until(() => globexStream.events.some((e) => e.id === globexIds.ids[0]), 'globex\'s own telemetry');
    expect(globexStream.events.filter((e) => e.event === 'truck')).toEqual([]);
    expect(globexStream.events.some((e) => e.data.includes('new-01'))).toBe(false);
  });

  it('two tenants may have the same truck id; each sees only its own', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const bo = await loginCookie(app, 'bo');
    await addTruck(app, ana, { id: 'twin-07', name: 'Acme seven' });
    await addTruck(app, bo, { id: 'twin-07', name: 'Globex seven', plate: 'GX-7' });

    expect((await trucks(app, ana)).filter((t) => t.id === 'twin-07')).toEqual([expect.objectContaining({ tenant: 'acme', name: 'Acme seven', plate: '' })]);
    expect((await trucks(app, bo)).filter((t) => t.id === 'twin-07')).toEqual([expect.objectContaining({ tenant: 'globex', name: 'Globex seven', plate: 'GX-7' })]);
    expect((await trucks(app, ana)).every((t) => t.tenant === 'acme')).toBe(true);
    expect((await trucks(app, bo)).every((t) => t.tenant === 'globex')).toBe(true);
    expect((await fleet(app, ana)).trucks.filter((t) => t.id === 'twin-07')).toEqual([expect.objectContaining({ tenant: 'acme', name: 'Acme seven' })]);
    expect((await fleet(app, bo)).trucks.filter((t) => t.id === 'twin-07')).toEqual([expect.objectContaining({ tenant: 'globex', name: 'Globex seven' })]);

    // Each tenant's key writes its own twin.
    expect((await inject(app, [sample('twin-07', { speedKph: 11 })], 'demo-acme')).statusCode).toBe(200);
    expect((await inject(app, [sample('twin-07', { speedKph: 22 })], 'demo-globex')).statusCode).toBe(200);
    expect((await fleetTruck(app, ana, 'twin-07'))?.last?.speedKph).toBe(11);
    expect((await fleetTruck(app, bo, 'twin-07'))?.last?.speedKph).toBe(22);
  });

  it('refuses a duplicate id (409) and a bad id (400 naming id), writing nothing', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addTruck(app, ana, { id: 'dup-01', name: 'First' });
    const before = await tenantState(app, ana);
    expect(expectError(await call(app, 'POST', '/api/admin/trucks', ana, { id: 'dup-01', name: 'Second' }), 409, 'conflict').message).toContain('dup-01');
    for (const id of ['a b', '../x', '', '-lead', 'x/y', 'x'.repeat(65), 'tab\there']) {
      const res = await call(app, 'POST', '/api/admin/trucks', ana, { id, name: 'Bad' });
      expect(expectError(res, 400).message, JSON.stringify(id)).toMatch(/\bid\b/);
    }
    expect(expectError(await call(app, 'POST', '/api/admin/trucks', ana, { id: 'ok-but-nameless' }), 400).message).toContain('name');
    expect(expectError(await call(app, 'POST', '/api/admin/trucks', ana, { id: 'ok-but-cold', name: 'Cold', reeferSetpointC: -100 }), 400).message).toContain(
      'reeferSetpointC',
    );
    expect(expectError(await call(app, 'POST', '/api/admin/trucks', ana, { id: 'ok-but-typed', name: 'Typed', reeferSetpointC: '-18' }), 400).message).toContain(
      'reeferSetpointC',
    );
    expect(expectError(await call(app, 'POST', '/api/admin/trucks', ana, { id: 'ok-but-extra', name: 'Extra', colour: 'red' }), 400).message).toContain('colour');
    expect(await tenantState(app, ana)).toEqual(before);
    expect((await trucks(app, ana)).find((t) => t.id === 'dup-01')?.name).toBe('First');
  });

  it('edits name, plate and reefer setpoint, shown in /api/fleet', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addTruck(app, ana, { id: 'edit-01', name: 'Before', plate: 'OLD-1' });
    const res = await call(app, 'PATCH', '/api/admin/trucks/edit-01', ana, { name: 'After', plate: 'NEW-2', reeferSetpointC: -20 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: 'edit-01', tenant: 'acme', name: 'After', plate: 'NEW-2', reeferSetpointC: -20 });
    expect(await fleetTruck(app, ana, 'edit-01')).toMatchObject({ name: 'After', plate: 'NEW-2', reeferSetpointC: -20 });

    const nameOnly = await call(app, 'PATCH', '/api/admin/trucks/edit-01', ana, { name: 'After again' });
    expect(nameOnly.statusCode).toBe(200);
    expect(await fleetTruck(app, ana, 'edit-01')).toMatchObject({ name: 'After again', plate: 'NEW-2', reeferSetpointC: -20 });

    const before = await tenantState(app, ana);
    expect(expectError(await call(app, 'PATCH', '/api/admin/trucks/edit-01', ana, { name: '' }), 400).message).toContain('name');
    expect(expectError(await call(app, 'PATCH', '/api/admin/trucks/edit-01', ana, { id: 'renamed' }), 400).message).toContain('id');
    expect(expectError(await call(app, 'PATCH', '/api/admin/trucks/edit-01', ana, { reeferSetpointC: 99 }), 400).message).toContain('reeferSetpointC');
    expect(await tenantState(app, ana)).toEqual(before);
  });

  it('another tenant\'s truck cannot be edited (404) and stays as it was', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const bo = await loginCookie(app, 'bo');
    await addTruck(app, bo, { id: 'gx-only-01', name: 'Globex only' });
    const anaBefore = await tenantState(app, ana);
    const boBefore = await tenantState(app, bo);
    for (const id of ['gx-only-01', 'globex-01']) {
      expect(expectError(await call(app, 'PATCH', `/api/admin/trucks/${id}`, ana, { name: 'Taken over' }), 404, 'not_found').message).toContain(id);
    }
    expect(await tenantState(app, ana)).toEqual(anaBefore);
    expect(await tenantState(app, bo)).toEqual(boBefore);
    expect((await fleetTruck(app, bo, 'gx-only-01'))?.name).toBe('Globex only');
    expect(await fleetTruck(app, ana, 'gx-only-01')).toBeUndefined();
  });
});

describe('transfers', () => {
  it('imports a JSON file: 201 {imported}, listed, and the departed transfer becomes the truck\'s', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addTruck(app, ana, { id: 'xfer-json-01', name: 'JSON truck' });
    const now = Date.now();
    const file = [
      transferRow('xfer-json-01', 'xfer-json-01-a', now - 2 * HOUR, { cargo: 'Bananas', reeferSetpointC: 13 }),
      transferRow('xfer-json-01', 'xfer-json-01-b', now + 24 * HOUR, { cargo: 'Tiles' }),
    ];
    const res = await call(app, 'POST', '/api/admin/transfers', ana, file);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toEqual({ imported: 2 });

    const listed = (await transfers(app, ana)).filter((t) => t.truckId === 'xfer-json-01');
    expect(listed.map((t) => [t.id, t.cargo, t.reeferSetpointC])).toEqual([
      ['xfer-json-01-a', 'Bananas', 13],
      ['xfer-json-01-b', 'Tiles', null],
    ]);
    expect(listed[0]?.plannedDeparture).toBe(Date.parse(file[0]?.plannedDeparture ?? ''));

    const truck = await fleetTruck(app, ana, 'xfer-json-01');
    expect(truck?.transfer).toMatchObject({
      id: 'xfer-json-01-a',
      origin: { name: 'Rotterdam', lat: 51.92, lon: 4.48 },
      destination: { name: 'Antwerp', lat: 51.22, lon: 4.4 },
      plannedDeparture: Date.parse(file[0]?.plannedDeparture ?? ''),
      cargo: { kind: 'reefer', description: 'Bananas', setpointC: 13 },
    });
    expect((await trucks(app, ana)).find((t) => t.id === 'xfer-json-01')?.transfer?.id).toBe('xfer-json-01-a');
    // The other tenant sees none of it.
    expect((await transfers(app, await loginCookie(app, 'bo'))).some((t) => t.truckId === 'xfer-json-01')).toBe(false);
  });

  it('imports a CSV file sent as text/csv', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addTruck(app, ana, { id: 'xfer-csv-01', name: 'CSV truck' });
    const departure = Date.now() - HOUR;
    const csv = [
      CSV_HEADER,
      `xfer-csv-01-a,xfer-csv-01,Hamburg,53.55,9.99,Berlin,52.52,13.40,${iso(departure)},${iso(departure + 4 * HOUR)},"Paper, rolls",`,
    ].join('\n');
    const res = await call(app, 'POST', '/api/admin/transfers', ana, csv, { 'content-type': 'text/csv' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({ imported: 1 });
    expect((await transfers(app, ana)).find((t) => t.id === 'xfer-csv-01-a')).toMatchObject({
      truckId: 'xfer-csv-01',
      cargo: 'Paper, rolls',
      reeferSetpointC: null,
      plannedDeparture: Date.parse(iso(departure)),
    });
    expect((await fleetTruck(app, ana, 'xfer-csv-01'))?.transfer).toMatchObject({
      id: 'xfer-csv-01-a',
      origin: { name: 'Hamburg' },
      destination: { name: 'Berlin' },
      cargo: { kind: 'dry', description: 'Paper, rolls' },
    });
  });

  it('a file with bad rows: 400 naming every problem by row, and nothing is written', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addTruck(app, ana, { id: 'xfer-bad-01', name: 'Bad file truck' });
    const now = Date.now();
    const file = [
      transferRow('xfer-bad-01', 'xfer-bad-01-a', now - HOUR),
      transferRow('no-such-truck', 'xfer-bad-01-b', now),
      transferRow('xfer-bad-01', 'xfer-bad-01-c', now + HOUR, { origin: { name: 'Nowhere', lat: 123, lon: 4.48 } }),
      { ...transferRow('xfer-bad-01', 'xfer-bad-01-d', now + 2 * HOUR), plannedArrival: iso(now) },
      transferRow('xfer-bad-01', 'xfer-bad-01-e', now + 3 * HOUR),
    ];
    const before = await tenantState(app, ana);
    const res = await call(app, 'POST', '/api/admin/transfers', ana, file);
    expectError(res, 400, 'invalid_transfers');
    const body = res.json() as { message: string; problems: { row: number; field: string; message: string }[] };
    expect(body.message).toMatch(/3 problems; nothing was imported/);
    expect(body.problems.map((p) => [p.row, p.field])).toEqual([
      [2, 'truckId'],
      [3, 'origin.lat'],
      [4, 'plannedArrival'],
    ]);
    expect(body.problems[0]?.message).toContain('no-such-truck');
    expect(await tenantState(app, ana)).toEqual(before);
    expect((await fleetTruck(app, ana, 'xfer-bad-01'))?.transfer).toBeNull();

    // The same in CSV names the columns.
    const csv = [
      CSV_HEADER,
      `,globex-01,Here,51.9,4.4,There,52,4.4,${iso(now)},${iso(now + HOUR)},,`,
      `,xfer-bad-01,Here,51.9,4.4,There,999,4.4,${iso(now)},${iso(now + HOUR)},,`,
      `,xfer-bad-01,Here,51.9,4.4,There,52,4.4,${iso(now + HOUR)},${iso(now)},,`,
    ].join('\n');
    const csvRes = await call(app, 'POST', '/api/admin/transfers', ana, csv, { 'content-type': 'text/csv' });
    expectError(csvRes, 400, 'invalid_transfers');
    expect((csvRes.json() as typeof body).problems.map((p) => [p.row, p.field])).toEqual([
      [1, 'truckId'],
      [2, 'destinationLat'],
      [3, 'plannedArrival'],
    ]);
    expect(await tenantState(app, ana)).toEqual(before);
  });

  it('?dryRun=1 reports problems (or none) with 200 and writes nothing, even for a good file', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addTruck(app, ana, { id: 'xfer-dry-01', name: 'Dry run truck' });
    const now = Date.now();
    const good = [transferRow('xfer-dry-01', 'xfer-dry-01-a', now - HOUR)];
    const bad = [...good, transferRow('xfer-dry-01', 'xfer-dry-01-b', now, { destination: { name: 'Off the map', lat: 10, lon: 500 } })];
    const before = await tenantState(app, ana);

    const dryGood = await call(app, 'POST', '/api/admin/transfers?dryRun=1', ana, good);
    expect(dryGood.statusCode, dryGood.body).toBe(200);
    expect(dryGood.headers['cache-control']).toBe('no-store');
    expect(dryGood.json()).toEqual({ transfers: 1, problems: [] });

    const dryBad = await call(app, 'POST', '/api/admin/transfers?dryRun=1', ana, bad);
    expect(dryBad.statusCode, dryBad.body).toBe(200);
    expect(dryBad.json()).toEqual({ transfers: 1, problems: [{ row: 2, field: 'destination.lon', message: expect.any(String) }] });

    const dryCsv = await call(app, 'POST', '/api/admin/transfers?dryRun=1', ana, `${CSV_HEADER}\nxfer-dry-01-c,xfer-dry-01,A,1,1,B,2,2,${iso(now)},${iso(now + HOUR)},,`, {
      'content-type': 'text/csv',
    });
    expect(dryCsv.statusCode, dryCsv.body).toBe(200);
    expect(dryCsv.json()).toEqual({ transfers: 1, problems: [] });

    expect(await tenantState(app, ana)).toEqual(before);
    expect((await fleetTruck(app, ana, 'xfer-dry-01'))?.transfer).toBeNull();
    expect(expectError(await call(app, 'POST', '/api/admin/transfers?dryRun=yes', ana, good), 400).message).toContain('dryRun');
    expect(await tenantState(app, ana)).toEqual(before);
  });
});

describe('audit log', () => {
  it('lists the admin\'s actions newest first with actor operator:<admin>, and never another tenant\'s', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const bo = await loginCookie(app, 'bo');
    await addOperator(app, ana, 'kim', 'viewer');
    expect((await call(app, 'PATCH', '/api/admin/operators/kim', ana, { role: 'operator' })).statusCode).toBe(200);
    const key = await issueKey(app, ana, { label: 'audited' });
    expect((await call(app, 'DELETE', `/api/admin/device-keys/${key.prefix}`, ana)).statusCode).toBe(204);
    await addTruck(app, ana, { id: 'audit-01', name: 'Audited' });
    expect((await call(app, 'PATCH', '/api/admin/trucks/audit-01', ana, { plate: 'AU-01' })).statusCode).toBe(200);
    const imported = await call(app, 'POST', '/api/admin/transfers', ana, [transferRow('audit-01', 'audit-01-a', Date.now() - HOUR)]);
    expect(imported.statusCode).toBe(201);
    expect((await call(app, 'DELETE', '/api/admin/operators/kim', ana)).statusCode).toBe(204);
    // Refused calls are not actions.
    expect((await call(app, 'POST', '/api/admin/trucks', ana, { id: 'audit-01', name: 'Again' })).statusCode).toBe(409);
    expect((await call(app, 'DELETE', `/api/admin/device-keys/${key.prefix}`, ana)).statusCode).toBe(404);
    // Globex's admin acts too, in between nothing of acme's.
    await addTruck(app, bo, { id: 'audit-gx-01', name: 'Globex audited' });

    const res = await call(app, 'GET', '/api/admin/audit', ana);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const entries = (res.json() as { entries: AuditRow[] }).entries;
    expect(entries.slice(0, 8).map((e) => [e.tenant, e.actor, e.action, e.target])).toEqual([
      ['acme', 'operator:ana', 'operator.remove', 'kim'],
      ['acme', 'operator:ana', 'transfer.import', '1 transfers'],
      ['acme', 'operator:ana', 'truck.update', 'audit-01'],
      ['acme', 'operator:ana', 'truck.add', 'audit-01'],
      ['acme', 'operator:ana', 'device-key.revoke', key.prefix],
      ['acme', 'operator:ana', 'device-key.issue', key.prefix],
      ['acme', 'operator:ana', 'operator.update', 'kim'],
      ['acme', 'operator:ana', 'operator.add', 'kim'],
    ]);
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i - 1]!.id).toBeGreaterThan(entries[i]!.id);
      expect(entries[i - 1]!.at).toBeGreaterThanOrEqual(entries[i]!.at);
    }
    expect(entries.every((e) => e.tenant === 'acme')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain(key.key);
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);

    const globex = await audit(app, bo);
    expect(globex[0]).toMatchObject({ tenant: 'globex', actor: 'operator:bo', action: 'truck.add', target: 'audit-gx-01' });
    expect(globex.every((e) => e.tenant === 'globex')).toBe(true);
    const acmeIds = new Set(entries.map((e) => e.id));
    expect(globex.some((e) => acmeIds.has(e.id))).toBe(false);
    expect(globex.some((e) => e.target === 'kim' || e.target === 'audit-01' || e.target === key.prefix)).toBe(false);
  });
});

describe('/metrics and Cache-Control', () => {
  it('/metrics wants the bearer token when one is set, and is open without one', async () => {
    const token = 'a-metrics-token-of-16+';
    const guarded = await newApp({ metricsToken: token });
    for (const authorization of [undefined, 'Bearer wrong-token-of-16-chars', `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, `Basic ${token}`]) {
      const res = await guarded.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.json()).toEqual({ error: 'unauthorized', message: expect.stringContaining('Bearer') });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.body).not.toContain('fleetwire_sse_connections');
    }
    const ok = await guarded.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.body).toContain('fleetwire_sse_connections');

    const open = await newApp();
    const res = await open.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('fleetwire_sse_connections');
  });

  it('every /api answer carries no-store: successes, errors, 401s, 404s and the admin routes', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const viewer = await addOperator(app, ana, 'nostore-viewer', 'viewer');
    await addTruck(app, ana, { id: 'nostore-01', name: 'No store' });
    const key = await issueKey(app, ana, { label: 'no-store' });
    const requests: [Method, string, string | undefined, unknown?, Record<string, string>?][] = [
      ['GET', '/api/me', ana],
      ['GET', '/api/me', undefined],
      ['GET', '/api/fleet', ana],
      ['GET', '/api/fleet', undefined],
      ['GET', '/api/stream', undefined],
      ['GET', '/api/demo', undefined],
      ['GET', '/api/alerts', ana],
      ['GET', '/api/trucks/nostore-01/history', ana],
      ['GET', '/api/trucks/globex-01/history', ana],
      ['GET', '/api/no-such-route', ana],
      ['GET', '/api/no-such-route', undefined],
      ['POST', '/api/session', undefined, { username: 'ana', password: 'wrong password' }],
      ['POST', '/api/session', undefined, { username: 'ana' }],
      ['POST', '/api/ingest', undefined, [sample('acme-01')]],
      ['POST', '/api/ingest', undefined, [sample('acme-01')], { authorization: `Bearer ${key.key}` }],
      ['POST', '/api/ingest', undefined, [sample('no-such-truck')], { authorization: `Bearer ${key.key}` }],
      ['POST', '/api/ingest', undefined, 'plain text', { authorization: `Bearer ${key.key}`, 'content-type': 'text/plain' }],
      ['POST', '/api/admin/trucks', ana, { id: 'nostore-01', name: 'Again' }, { origin: 'https://evil.example' }],
      ['GET', '/api/admin/operators', ana],
      ['GET', '/api/admin/operators', viewer],
      ['GET', '/api/admin/operators', undefined],
      ['POST', '/api/admin/operators', ana, { username: 'nostore-viewer', password: PASSWORD }],
      ['POST', '/api/admin/operators', ana, { username: 'nostore-x', password: 'short' }],
      ['PATCH', '/api/admin/operators/nostore-viewer', ana, { role: 'operator' }],
      ['PATCH', '/api/admin/operators/nobody-at-all', ana, { role: 'operator' }],
      ['DELETE', '/api/admin/operators/nostore-viewer', ana],
      ['GET', '/api/admin/device-keys', ana],
      ['DELETE', `/api/admin/device-keys/${key.prefix}`, ana],
      ['DELETE', `/api/admin/device-keys/${key.prefix}`, ana],
      ['GET', '/api/admin/trucks', ana],
      ['PATCH', '/api/admin/trucks/nostore-01', ana, { plate: 'NS-1' }],
      ['POST', '/api/admin/trucks', ana, { id: 'nostore-01', name: 'Again' }],
      ['GET', '/api/admin/transfers', ana],
      ['POST', '/api/admin/transfers', ana, [transferRow('nostore-01', 'nostore-01-a', Date.now())]],
      ['POST', '/api/admin/transfers', ana, [{ truckId: 'nostore-01' }]],
      ['POST', '/api/admin/transfers?dryRun=1', ana, [transferRow('nostore-01', 'nostore-01-b', Date.now())]],
      ['GET', '/api/admin/audit', ana],
      ['GET', '/api/admin/audit', viewer],
      ['DELETE', '/api/session', ana],
    ];
    const statuses: number[] = [];
    for (const [method, url, cookie, payload, headers] of requests) {
      const res = await call(app, method, url, cookie, payload, headers ?? {});
      statuses.push(res.statusCode);
      expect(res.headers['cache-control'], `${method} ${url} → ${res.statusCode}`).toBe('no-store');
    }
    // The list covers successes and every kind of refusal.
    expect(new Set(statuses)).toEqual(new Set([200, 201, 204, 400, 401, 403, 404, 409, 415]));
  });
});

describe('refusals before anything else, and sessions of re-added operators', () => {
  it('no-store also on the API\'s answers to requests the router or parser refuses', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const long = 'x'.repeat(150);
    for (const [method, url, status] of [
      ['DELETE', '/api/admin/operators/%zz', 400],
      ['PATCH', '/api/admin/trucks/%E0%A4%A', 400],
      ['DELETE', `/api/admin/operators/${long}`, 414],
      ['GET', `/api/trucks/${long}/history`, 414],
    ] as const) {
      const res = await call(app, method, url, ana);
      expect(res.statusCode, url).toBe(status);
      expect(res.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
      expect(res.headers['cache-control'], url).toBe('no-store');
    }
  });

  it('names the right row for an unknown truck after a row with other problems', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    await addTruck(app, ana, { id: 'xfer-row-01', name: 'Row numbers' });
    const now = Date.now();
    const file = [
      transferRow('xfer-row-01', 'xfer-row-01-a', now - HOUR),
      transferRow('xfer-row-01', 'xfer-row-01-b', now, { origin: { name: 'Nowhere', lat: 123, lon: 4.48 } }),
      { ...transferRow('xfer-row-01', 'xfer-row-01-c', now + HOUR), plannedArrival: iso(now) },
      transferRow('no-such-truck', 'xfer-row-01-d', now + 2 * HOUR),
    ];
    for (const url of ['/api/admin/transfers', '/api/admin/transfers?dryRun=1']) {
      const res = await call(app, 'POST', url, ana, file);
      expect((res.json() as { problems: { row: number; field: string }[] }).problems.map((p) => [p.row, p.field]), url).toEqual([
        [2, 'origin.lat'],
        [3, 'plannedArrival'],
        [4, 'truckId'],
      ]);
    }
  });

  it('401 without a session and 403 for a viewer even when the body or query is invalid', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const viewer = await addOperator(app, ana, 'order-vic', 'viewer');
    const cases: [Method, string, unknown][] = [
      ['POST', '/api/admin/operators', { username: 'x' }],
      ['PATCH', '/api/admin/operators/ana', { role: 'captain' }],
      ['POST', '/api/admin/trucks', { id: 'a b' }],
      ['POST', '/api/admin/device-keys', { owner: 'me' }],
      ['POST', '/api/admin/transfers?dryRun=yes', []],
      ['DELETE', '/api/admin/device-keys/' + 'p'.repeat(70), undefined],
    ];
    for (const [method, url, payload] of cases) {
      expect((await call(app, method, url, undefined, payload)).statusCode, `anonymous ${method} ${url}`).toBe(401);
      expect((await call(app, method, url, viewer, payload)).statusCode, `viewer ${method} ${url}`).toBe(403);
    }
  });

  it('a removed operator\'s cookie stays refused after an operator of the same name is added again', async () => {
    const app = await newApp();
    const ana = await loginCookie(app);
    const old = await addOperator(app, ana, 'reborn', 'viewer');
    expect((await call(app, 'DELETE', '/api/admin/operators/reborn', ana)).statusCode).toBe(204);
    expect((await call(app, 'GET', '/api/me', old)).statusCode).toBe(401);
    expect((await call(app, 'POST', '/api/admin/operators', ana, { username: 'reborn', password: 'another person', role: 'admin' })).statusCode).toBe(201);
    expect((await call(app, 'GET', '/api/me', old)).statusCode).toBe(401);
    expect((await call(app, 'GET', '/api/admin/operators', old)).statusCode).toBe(401);
  });
});
