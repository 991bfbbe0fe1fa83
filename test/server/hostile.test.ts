// Hostile input and access: fast-check throws malformed, oversized, deeply nested, prototype-polluting,
// wrong-typed, forged and wrong-tenant requests at every route. Each is refused with a JSON
// `{error, message}` (never a 5xx), nothing changes, and the server is healthy afterwards.
// (test/server/properties.test.ts covers near-valid ingest bodies that may be accepted.)
import http from 'node:http';
import net from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSnapshot } from '../../src/shared/fleet';
import { inject, listen, loginCookie, makeApp, sample } from './helpers';

/** Runs per property: enough to reach the odd corners, small enough that the file stays well under a minute. */
const RUNS = Number(process.env.HOSTILE_RUNS ?? 400);
/** Bound on one streamed request of the stream property. */
const STREAM_REQUEST_TIMEOUT_MS = 5_000;

const ACME_TRUCKS = Array.from({ length: 20 }, (_, i) => `acme-${String(i + 1).padStart(2, '0')}`);
const GLOBEX_TRUCKS = Array.from({ length: 8 }, (_, i) => `globex-${String(i + 1).padStart(2, '0')}`);
/** Keys that exist on every object: a lookup by a hostile name must not find them. */
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
const OBJECT_PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

let app: FastifyInstance;
let url: string;
let ana: string;
let bo: string;
let baseline: { acme: FleetSnapshot; globex: FleetSnapshot };

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** A refusal as the contract wants it: 4xx, JSON, exactly `{error, message}`, a code and a sentence. */
function expectRefusal(res: Answer, what: string): void {
  const context = `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, context).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, context).toBeLessThan(500);
  expect(String(res.headers['content-type']), context).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  expect(Object.keys(body).sort(), context).toEqual(['error', 'message']);
  expect(body.error, context).toMatch(/^[a-z][a-z_]*$/);
  expect(typeof body.message === 'string' && body.message.length > 10, context).toBe(true);
}

function expectNoSessionCookie(res: Answer): void {
  expect(String(res.headers['set-cookie'] ?? '')).not.toMatch(/fleetwire_session=[^;]/);
}

async function fleetOf(cookie: string): Promise<FleetSnapshot> {
  const res = await app.inject({ url: '/api/fleet', headers: { cookie } });
  expect(res.statusCode).toBe(200);
  return res.json() as FleetSnapshot;
}

/** Nothing changed: both tenants' fleets as before, both sessions alive, Object.prototype untouched. */
async function expectUnchanged(): Promise<void> {
  expect(await fleetOf(ana)).toEqual(baseline.acme);
  expect(await fleetOf(bo)).toEqual(baseline.globex);
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTOTYPE_KEYS);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

/** One request; the body as text, decoded as its Content-Encoding says (an `Accept-Encoding` among hostile headers gets a compressed answer). */
async function send(options: InjectOptions): Promise<Answer> {
  const res = await app.inject(options);
  const encoding = res.headers['content-encoding'];
  const body = encoding === 'br' ? brotliDecompressSync(res.rawPayload).toString('utf8') : encoding === 'gzip' ? gunzipSync(res.rawPayload).toString('utf8') : res.body;
  return { statusCode: res.statusCode, headers: res.headers, body };
}

// ---- arbitraries -----------------------------------------------------------------------------

/** Printable ASCII: what a header value or URL can carry without the client refusing to send it. */
const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

/** A JSON text with a prototype-poisoning key somewhere inside an otherwise ordinary body. */
const poisonedJson = fc
  .tuple(
    fc.constantFrom('{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"__proto__":[1]}'),
    fc.nat({ max: 6 }),
    fc.constantFrom('object', 'array', 'telemetry', 'login'),
  )
  .map(([poison, depth, shape]) => {
    let inner: string = poison;
    for (let i = 0; i < depth; i++) inner = i % 2 === 0 ? `{"a":${inner}}` : `[${inner}]`;
    const pair = inner.slice(1, -1);
    switch (shape) {
      case 'telemetry':
        return `{"truckId":"acme-01","ts":${Date.now()},"lat":1,"lon":1,"speedKph":1,"headingDeg":1,"fuelPct":${inner}${depth === 0 ? `,${pair}` : ''}}`;
      case 'login':
        return `{"username":"ana","password":"fleetwire",${depth === 0 ? pair : `"x":${inner}`}}`;
      case 'array':
        return `[${inner}]`;
      default:
        return inner;
    }
  });

/** Deeply nested JSON, closed or cut off, well past any sane depth. */
const deepJson = fc
  .tuple(fc.integer({ min: 1_000, max: 150_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
  .map(([depth, open, closed]) => open.repeat(depth) + (closed ? '1' + (open === '[' ? ']' : '}').repeat(depth) : ''));

/** Bodies over the 1 MB limit. */
const oversizedJson = fc
  .integer({ min: 1_048_577, max: 1_200_000 })
  .map((n) => `{"truckId":"acme-01","driverId":"${'x'.repeat(n)}"}`);

/** Bytes that are not JSON at all. */
const garbage = fc.oneof(
  printable(200),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.constantFrom('', ' ', 'null', 'true', '0', '"x"', '[]', '{}', '{"a":1,}', "{'a':1}", '\u0000', 'NaN', '[1,2', '{"a":undefined}'),
);

const NUMERIC_FIELDS = ['lat', 'lon', 'speedKph', 'headingDeg', 'odometerKm', 'fuelPct', 'reeferTempC', 'reeferSetpointC', 'hosRemainingMin'];
const TELEMETRY_FIELDS = ['truckId', 'ts', 'engineOn', 'driverId', ...NUMERIC_FIELDS];

/** A value that is certainly wrong for a telemetry field: wrong type, or a number far out of range. */
function wrongValueFor(field: string): fc.Arbitrary<unknown> {
  const always: fc.Arbitrary<unknown>[] = [
    fc.constant(null),
    fc.array(fc.nat(), { maxLength: 3 }),
    fc.dictionary(printable(5), fc.nat(), { maxKeys: 3 }),
  ];
  if (field !== 'engineOn') always.push(fc.boolean());
  if (NUMERIC_FIELDS.includes(field)) {
    always.push(printable(12), fc.double({ min: 1e9, max: 1e300, noNaN: true }), fc.double({ min: -1e300, max: -1e9, noNaN: true }));
  } else if (field === 'ts') {
    // No ISO 8601 string comes out of 12 random characters; numbers before 2000 read as seconds.
    always.push(printable(12), fc.integer({ min: -1e9, max: 9e11 }));
  } else if (field === 'engineOn') {
    always.push(printable(12), fc.integer());
  } else {
    always.push(fc.integer(), fc.constant(''), fc.constant('x'.repeat(65)));
  }
  return fc.oneof(...always);
}

/** A telemetry item that fails validation in exactly one way. */
const wrongTelemetry = fc.oneof(
  fc.constantFrom(...TELEMETRY_FIELDS).chain((field) =>
    wrongValueFor(field).map((value) => ({ ...sample(field === 'truckId' ? 'acme-01' : 'acme-02'), [field]: value })),
  ),
  // A required field missing.
  fc.constantFrom('truckId', 'ts', 'lat', 'lon', 'speedKph', 'headingDeg').map((field) => {
    const s: Record<string, unknown> = { ...sample('acme-03') };
    delete s[field];
    return s;
  }),
  // A field that is not telemetry.
  fc.tuple(printable(12).filter((k) => !TELEMETRY_FIELDS.includes(k) && k !== '__proto__'), fc.jsonValue()).map(([k, v]) => ({ ...sample('acme-04'), [k]: v })),
  // A truck nobody has, or one named like a property every object has.
  fc.oneof(fc.constantFrom(...PROTO_NAMES, 'acme-99', 'acme-1', 'ACME-01'), printable(64).filter((s) => s.length > 0)).map((truckId) => sample(truckId)),
);

/** Bodies of the ingest route that must all be refused. */
const hostileIngestBody = fc.oneof(
  { weight: 4, arbitrary: wrongTelemetry.map((t) => JSON.stringify(t)) },
  // One bad item hidden in a batch of good ones: all or nothing.
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.array(fc.constantFrom(...ACME_TRUCKS), { minLength: 1, maxLength: 20 }), wrongTelemetry, fc.nat())
      .map(([ids, bad, at]) => {
        const items: unknown[] = ids.map((id) => sample(id));
        items.splice(at % (items.length + 1), 0, bad);
        return JSON.stringify(items);
      }),
  },
  { weight: 2, arbitrary: poisonedJson },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: garbage },
  { weight: 1, arbitrary: fc.anything().map((v) => JSON.stringify(v) ?? 'null').filter((s) => !s.startsWith('{') && !s.startsWith('[')) },
  { weight: 1, arbitrary: fc.constant('oversized') },
);

const contentTypes = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'Application/JSON', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '') },
);

/** Cookie headers that carry no valid session: garbage, forged payloads, swapped or damaged signatures. */
function forgedCookies(): fc.Arbitrary<string> {
  const [anaPayload, anaSig] = ana.slice('fleetwire_session='.length).split('.') as [string, string];
  const [boPayload, boSig] = bo.slice('fleetwire_session='.length).split('.') as [string, string];
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return fc.oneof(
    printable(200),
    printable(200).map((v) => `fleetwire_session=${v}`),
    // A payload of the other tenant, or one that never expires, under a signature that is not its own.
    fc
      .tuple(fc.constantFrom('acme', 'globex', '__proto__'), fc.constantFrom(anaSig, boSig, 'x', ''), fc.constantFrom('ana', 'bo', 'admin'))
      .map(([t, sig, u]) => `fleetwire_session=${b64({ u, t, exp: 8.64e15, sid: 'forged' })}.${sig}`),
    fc.constantFrom(`fleetwire_session=${anaPayload}.${boSig}`, `fleetwire_session=${boPayload}.${anaSig}`, `fleetwire_session=${anaPayload}`),
    // One character of a real cookie changed.
    fc.tuple(fc.constantFrom(ana, bo), fc.nat(), fc.constantFrom('A', 'z', '0', '-', '.')).map(([c, at, ch]) => {
      const i = 'fleetwire_session='.length + (at % (c.length - 'fleetwire_session='.length));
      return c[i] === ch ? c.slice(0, i) + (ch === 'A' ? 'B' : 'A') + c.slice(i + 1) : c.slice(0, i) + ch + c.slice(i + 1);
    }),
  );
}

// ---- setup -----------------------------------------------------------------------------------

beforeAll(async () => {
  app = await makeApp();
  url = await listen(app);
  ana = await loginCookie(app, 'ana');
  bo = await loginCookie(app, 'bo');
  expect((await inject(app, ACME_TRUCKS.slice(0, 5).map((id) => sample(id)))).statusCode).toBe(200);
  expect((await inject(app, GLOBEX_TRUCKS.slice(0, 3).map((id) => sample(id)), 'demo-globex')).statusCode).toBe(200);
  baseline = { acme: await fleetOf(ana), globex: await fleetOf(bo) };
});

afterAll(async () => {
  await app?.close();
});

// ---- properties ------------------------------------------------------------------------------

describe('POST /api/ingest under hostile bodies and headers', () => {
  it('refuses every malformed, oversized, nested, poisoned or wrong-typed body, and stores nothing', async () => {
    const authorization = fc.oneof(
      { weight: 4, arbitrary: fc.constant('Bearer demo-acme') },
      { weight: 1, arbitrary: fc.constant('Bearer demo-globex') },
      { weight: 1, arbitrary: fc.oneof(printable(80), fc.constantFrom(...PROTO_NAMES).map((k) => `Bearer ${k}`), printable(40).map((k) => `Bearer ${k}`)) },
    );
    await fc.assert(
      fc.asyncProperty(hostileIngestBody, authorization, contentTypes, async (raw, auth, type) => {
        const payload = raw === 'oversized' ? `{"truckId":"acme-01","driverId":"${'x'.repeat(1_100_000)}"}` : raw;
        const headers: Record<string, string> = { authorization: auth };
        if (type) headers['content-type'] = type;
        const res = await send({ method: 'POST', url: '/api/ingest', headers, payload });
        expectRefusal(res, `ingest ${auth} ${type} ${payload.slice(0, 120)}`);
        await expectUnchanged();
      }),
      { numRuns: RUNS },
    );
    // Over the limit is 413, whatever the key.
    const big = await send({ method: 'POST', url: '/api/ingest', headers: { authorization: 'Bearer demo-acme', 'content-type': 'application/json' }, payload: await fc.sample(oversizedJson, 1)[0]! });
    expect(big.statusCode).toBe(413);
  });

  it('refuses another tenant’s trucks as unknown ones (400), for either device key, all or nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(['demo-acme', GLOBEX_TRUCKS, ACME_TRUCKS] as const, ['demo-globex', ACME_TRUCKS, GLOBEX_TRUCKS] as const),
        fc.array(fc.nat({ max: 19 }), { maxLength: 30 }),
        fc.array(fc.nat({ max: 7 }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        async ([key, foreign, own], ownPicks, foreignPicks, at) => {
          const items: unknown[] = ownPicks.map((i) => sample(own[i % own.length]));
          for (const i of foreignPicks) items.splice(at % (items.length + 1), 0, sample(foreign[i % foreign.length]));
          const res = await send({ method: 'POST', url: '/api/ingest', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: JSON.stringify(items) });
          expectRefusal(res, `ingest as ${key}`);
          expect(res.statusCode).toBe(400);
          expect(JSON.parse(res.body)).toMatchObject({ error: 'unknown_truck', message: expect.stringMatching(/(acme|globex)-\d\d/) });
          await expectUnchanged();
        },
      ),
      { numRuns: Math.round(RUNS / 2) },
    );
  });
});

describe('sessions under hostile input', () => {
  it('POST /api/session refuses poisoned, nested, oversized, wrong-typed or padded bodies and sets no cookie', async () => {
    const right = { username: 'ana', password: 'fleetwire' };
    const body = fc.oneof(
      poisonedJson,
      deepJson,
      oversizedJson,
      garbage,
      // Wrong types, with the right credentials elsewhere: no coercion may turn them into a login.
      fc
        .tuple(fc.constantFrom('username', 'password'), fc.oneof(fc.constant(null), fc.integer(), fc.boolean(), fc.constant(['ana']), fc.constant(['fleetwire']), fc.dictionary(printable(5), fc.nat(), { maxKeys: 2 })))
        .map(([field, value]) => JSON.stringify({ ...right, [field]: value })),
      // The right credentials plus a field that is not part of a login.
      fc.tuple(printable(10).filter((k) => k !== 'username' && k !== 'password' && k !== '__proto__'), fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...right, [k]: v })),
      fc.constantFrom('{"username":"ana"}', '{"password":"fleetwire"}', '{"username":"","password":""}', `{"username":"${'a'.repeat(101)}","password":"fleetwire"}`),
    );
    await fc.assert(
      fc.asyncProperty(body, contentTypes, async (payload, type) => {
        const res = await send({ method: 'POST', url: '/api/session', headers: type ? { 'content-type': type } : {}, payload });
        expectRefusal(res, `login ${type} ${payload.slice(0, 120)}`);
        expectNoSessionCookie(res);
        await expectUnchanged();
      }),
      { numRuns: RUNS },
    );
  });

  it('POST and DELETE /api/session from any other origin are 403 and change nothing, even with the right cookie', async () => {
    const origin = fc.oneof(
      fc.webUrl().map((u) => new URL(u).origin).filter((o) => new URL(o).host !== 'localhost:80'),
      fc.constantFrom('null', 'file://', 'http://localhost:8080', 'http://127.0.0.1', 'https://localhost', 'localhost:80', 'http://localhost:80.evil.example'),
      printable(40).filter((s) => s.length > 0),
    );
    await fc.assert(
      fc.asyncProperty(origin, fc.constantFrom('POST', 'DELETE') as fc.Arbitrary<'POST' | 'DELETE'>, fc.constantFrom(ana, bo), async (o, method, cookie) => {
        const res = await send({
          method,
          url: '/api/session',
          headers: { origin: o, cookie, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
          ...(method === 'POST' ? { payload: JSON.stringify({ username: 'ana', password: 'fleetwire' }) } : {}),
        });
        expectRefusal(res, `${method} /api/session from ${o}`);
        expect(res.statusCode).toBe(403);
        expectNoSessionCookie(res);
        await expectUnchanged();
      }),
      { numRuns: Math.round(RUNS / 2) },
    );
  });

  it('DELETE /api/session with a forged cookie or a hostile body logs nobody out', async () => {
    await fc.assert(
      fc.asyncProperty(forgedCookies(), fc.option(fc.oneof(poisonedJson, deepJson, garbage)), async (cookie, payload) => {
        const res = await send({
          method: 'DELETE',
          url: '/api/session',
          headers: { cookie, ...(payload !== null ? { 'content-type': 'application/json' } : {}) },
          ...(payload !== null ? { payload } : {}),
        });
        // Logging out without a session is a harmless no-op (204); anything else must be a proper refusal.
        if (res.statusCode !== 204) expectRefusal(res, `logout with ${cookie} ${String(payload).slice(0, 80)}`);
        await expectUnchanged();
      }),
      { numRuns: RUNS },
    );
  });
});

describe('operator routes under forged sessions and hostile parameters', () => {
  it('GET /api/fleet, /api/me and /api/trucks/…/history answer 401 to every forged or damaged cookie', async () => {
    await fc.assert(
      fc.asyncProperty(forgedCookies(), fc.constantFrom('/api/fleet', '/api/me', '/api/trucks/acme-01/history', '/api/trucks/globex-01/history'), async (cookie, path) => {
        const res = await send({ url: path, headers: { cookie } });
        expectRefusal(res, `GET ${path} with ${cookie}`);
        expect(res.statusCode).toBe(401);
      }),
      { numRuns: RUNS },
    );
    await expectUnchanged();
  });

  it('a real session with hostile extra headers and query gets its own tenant’s data and nothing else', async () => {
    const junkHeaders = fc.dictionary(
      fc.constantFrom('x-forwarded-for', 'x-forwarded-host', 'x-tenant', 'accept', 'accept-encoding', 'if-none-match', 'range', 'x-http-method-override', 'content-type'),
      printable(60),
      { maxKeys: 4 },
    );
    const junkQuery = fc.array(fc.tuple(fc.oneof(fc.constantFrom('tenant', '__proto__[polluted]', 'constructor[prototype][polluted]', 'username'), printable(8)), printable(20)), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(['acme', () => ana] as const, ['globex', () => bo] as const), fc.constantFrom('/api/fleet', '/api/me'), junkHeaders, junkQuery, async ([tenant, cookie], path, headers, query) => {
        const qs = query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const res = await send({ url: `${path}${qs ? `?${qs}` : ''}`, headers: { ...headers, cookie: cookie() } });
        expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
        const other = tenant === 'acme' ? 'globex' : 'acme';
        expect(res.body).not.toContain(other);
        if (path === '/api/me') expect(JSON.parse(res.body)).toEqual({ username: tenant === 'acme' ? 'ana' : 'bo', tenant, role: 'admin' });
        else expect(JSON.parse(res.body)).toEqual(baseline[tenant]);
      }),
      { numRuns: RUNS },
    );
    await expectUnchanged();
  });

  it('history answers 200 only for the operator’s own truck with a valid `since`, and 4xx JSON otherwise', async () => {
    const truckId = fc.oneof(
      fc.constantFrom(...ACME_TRUCKS, ...GLOBEX_TRUCKS),
      fc.constantFrom(...PROTO_NAMES, 'acme-99', '..', '%2e%2e', 'acme-01%00', ' acme-01'),
      printable(120).filter((s) => s.length > 0),
    );
    const since = fc.oneof(
      fc.constant(undefined),
      fc.integer({ min: 0, max: 2e12 }).map(String),
      fc.constantFrom('-1', '1.5', '1e400', '9'.repeat(30), '', 'now', 'NaN', 'Infinity', '0x10', '[]', '{}', 'null'),
      printable(20),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(['acme', () => ana] as const, ['globex', () => bo] as const), truckId, since, fc.boolean(), async ([tenant, cookie], id, s, repeat) => {
        const query = s === undefined ? '' : `?since=${encodeURIComponent(s)}${repeat ? `&since=${encodeURIComponent(s)}` : ''}`;
        const path = `/api/trucks/${encodeURIComponent(id)}/history${query}`;
        const res = await send({ url: path, headers: { cookie: cookie() } });
        const own = (tenant === 'acme' ? ACME_TRUCKS : GLOBEX_TRUCKS).includes(id);
        const sinceValue = s === undefined ? 0 : Number(s);
        const validSince = s === undefined || (!repeat && /^\d+$/.test(s) && sinceValue <= 8.64e15);
        if (own && validSince) {
          expect(res.statusCode, `${path} → ${res.body.slice(0, 200)}`).toBe(200);
          const body = JSON.parse(res.body) as { truckId: string; since: number; telemetry: { truckId: string }[] };
          expect(body.truckId).toBe(id);
          expect(Number.isFinite(body.since)).toBe(true);
          expect(body.telemetry.every((t) => t.truckId === id)).toBe(true);
        } else if (res.statusCode === 200) {
          // Lenient parsing of `since` (e.g. " 5") is fine; another tenant's truck never is.
          expect(own, `${path} → 200 for a truck of another tenant`).toBe(true);
          expect(Number.isFinite((JSON.parse(res.body) as { since: number }).since), `${path} → ${res.body}`).toBe(true);
        } else {
          expectRefusal(res, `GET ${path} as ${tenant}`);
          if (!own && validSince && id.length <= 64 && !PROTO_NAMES.includes(id) && res.statusCode !== 400) expect(res.statusCode).toBe(404);
        }
      }),
      { numRuns: RUNS },
    );
    await expectUnchanged();
  });

  it('unknown routes and methods answer a JSON 4xx, whatever the path, method or body', async () => {
    const known = new Set(['/api/session', '/api/me', '/api/fleet', '/api/stream', '/api/ingest', '/api/demo']);
    const segment = fc.oneof(printable(20).map((s) => s.replace(/[?#/]/g, '')), fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '.', '%2F', '__proto__', 'constructor', 'x'.repeat(150)));
    const path = fc
      .tuple(fc.constantFrom('/api/', '/api/trucks/', '/x/', '/API/', '/.well-known/', '/healthz/'), fc.array(segment, { minLength: 1, maxLength: 3 }))
      .map(([prefix, parts]) => prefix + parts.join('/'))
      .filter((p) => {
        // Dot segments resolve (`/api/..` is `/`): the app's pages are not API routes.
        const resolved = new URL(p, 'http://x').pathname;
        return !known.has(resolved) && !/^\/api\/trucks\/[^/]+\/history$/.test(resolved) && !/^\/(login|trucks\/[^/]+)?$/.test(resolved);
      });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') as fc.Arbitrary<InjectOptions['method']>, path, fc.option(fc.oneof(poisonedJson, garbage)), async (method, p, payload) => {
        const res = await send({
          method,
          url: p,
          headers: { cookie: ana, ...(payload !== null ? { 'content-type': 'application/json' } : {}) },
          ...(payload !== null && method !== 'GET' ? { payload } : {}),
        });
        expectRefusal(res, `${method} ${p}`);
      }),
      { numRuns: RUNS },
    );
    await expectUnchanged();
  });
});

describe('cases the properties found', () => {
  it.each([
    ['a login whose username is an array', { method: 'POST', url: '/api/session', payload: { username: ['ana'], password: 'fleetwire' } }, 400],
    ['a login with the right credentials and an extra field', { method: 'POST', url: '/api/session', payload: { username: 'ana', password: 'fleetwire', role: 'admin' } }, 400],
    ['a history since Infinity', { url: '/api/trucks/acme-01/history?since=Infinity' }, 400],
    ['a history since -Infinity', { url: '/api/trucks/acme-01/history?since=-Infinity' }, 400],
    ['a URL with a broken percent escape', { url: '/api/trucks/%E0%A4%A/history' }, 400],
    ['a path part over the router’s limit', { url: `/api/trucks/${'x'.repeat(150)}/history` }, 414],
  ] as [string, InjectOptions, number][])('refuses %s with a JSON %i', async (what, options, status) => {
    const res = await send({ ...options, headers: { cookie: ana } });
    expectRefusal(res, what);
    expect(res.statusCode).toBe(status);
    expectNoSessionCookie(res);
  });
});

describe('GET /api/stream under hostile resume ids and sessions', () => {
  /** Opens a stream, reads its head (and the first event when one is due), then hangs up. */
  function probeStream(path: string, headers: Record<string, string>, wantEvent: boolean): Promise<{ status: number; type: string; text: string }> {
    return new Promise((resolve, reject) => {
      const req = http.get(`${url}${path}`, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        let text = '';
        const done = () => {
          clearTimeout(timer);
          req.destroy();
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), text });
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          // The retry frame ends with a blank line; a resume adds one event (the reset).
          const blocks = text.split('\n\n').length - 1;
          if (res.statusCode !== 200 || blocks >= (wantEvent ? 2 : 1)) done();
        });
        res.on('end', done);
      });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`no answer to ${path} within ${STREAM_REQUEST_TIMEOUT_MS} ms`));
      }, STREAM_REQUEST_TIMEOUT_MS);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  it('answers 401/400 JSON or a stream of the operator’s own tenant, with a reset for any id it cannot resume', async () => {
    const id = fc.oneof(printable(80), fc.constantFrom('0-0', '-1', '1-', '-', '9'.repeat(40), '1e400-1', '__proto__', 'constructor', ' ', '1-1-1'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 4, arbitrary: fc.constantFrom('acme', 'globex') }, { weight: 1, arbitrary: fc.constant('forged') }),
        fc.option(id),
        fc.option(id),
        fc.boolean(),
        async (who, queryId, headerId, repeat) => {
          const cookie = who === 'acme' ? ana : who === 'globex' ? bo : `fleetwire_session=${Buffer.from('{"u":"bo","t":"acme","exp":9e15,"sid":"x"}').toString('base64url')}.x`;
          const query = queryId === null ? '' : `?lastEventId=${encodeURIComponent(queryId)}${repeat ? `&lastEventId=${encodeURIComponent(queryId)}` : ''}`;
          const headers: Record<string, string> = { cookie };
          if (headerId !== null) headers['last-event-id'] = headerId;
          const resumeFrom = (headerId?.trim() || queryId?.trim()) ?? '';
          const res = await probeStream(`/api/stream${query}`, headers, resumeFrom !== '');
          const what = `stream as ${who} ${query} last-event-id=${String(headerId)}`;
          if (res.status !== 200) {
            expectRefusal({ statusCode: res.status, headers: { 'content-type': res.type }, body: res.text }, what);
            // The query is checked before the session, so a forged one may hear of its bad query first.
            const badQuery = queryId !== null && (repeat || queryId.length > 64);
            expect(res.status === 401 ? who === 'forged' : res.status === 400 && badQuery, what).toBe(true);
            return;
          }
          expect(who, what).not.toBe('forged');
          expect(res.type).toMatch(/^text\/event-stream/);
          expect(res.text).not.toContain(who === 'acme' ? 'globex' : 'acme');
          if (resumeFrom !== '') {
            // Nothing the fuzzer makes is a current id: the stream starts over with a snapshot.
            expect(res.text, what).toMatch(/\nevent: reset\n/);
            const data = /\ndata: (.*)\n/.exec(res.text)?.[1] ?? 'null';
            expect((JSON.parse(data) as FleetSnapshot).trucks.every((t) => t.tenant === who)).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
    // Every probed stream was hung up on; the server lets go of all of them.
    const deadline = Date.now() + 5_000;
    while (app.fleetwire.broadcaster.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(app.fleetwire.broadcaster.size).toBe(0);
    await expectUnchanged();
  });
});

describe('malformed HTTP', () => {
  /** Sends raw bytes and resolves with whatever comes back before the server closes. */
  function raw(bytes: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const { port } = new URL(url);
      const socket = net.connect(Number(port), '127.0.0.1');
      let out = '';
      socket.setEncoding('latin1');
      socket.on('data', (c: string) => (out += c));
      socket.on('close', () => resolve(out));
      socket.on('error', () => resolve(out));
      socket.setTimeout(STREAM_REQUEST_TIMEOUT_MS, () => {
        socket.destroy();
        reject(new Error(`no answer to ${JSON.stringify(bytes.slice(0, 60))}`));
      });
      socket.write(bytes);
    });
  }

  it.each([
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n'],
    ['a header without a colon', 'GET /api/fleet HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'],
    ['headers over the size limit', `GET /api/fleet HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`],
    ['a bad Content-Length', 'POST /api/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n'],
    ['a control character in a header', 'GET /api/fleet HTTP/1.1\r\nHost: x\r\nCookie: a\u0001b\r\n\r\n'],
  ])('answers %s with a JSON 4xx', async (_what, bytes) => {
    const answer = await raw(bytes);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    expectRefusal({ statusCode: status, headers: { 'content-type': /content-type: ([^\r\n]+)/i.exec(head)?.[1] }, body }, answer.slice(0, 200));
  });

  it('is healthy afterwards', async () => {
    const health = await app.inject({ url: '/healthz' });
    expect(health.json()).toEqual({ status: 'ok' });
    await expectUnchanged();
    // Devices and operators carry on as before.
    const ok = await inject(app, sample('acme-10'));
    expect(ok.statusCode).toBe(200);
    expect((await fleetOf(ana)).lastEventId).toBe(ok.json().ids[0]);
  });
});
