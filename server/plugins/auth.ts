/**
 * Operators and sessions: `POST/DELETE /api/session`, `GET /api/me`, `GET /api/demo`; a signed
 * session cookie, `request.operator`, the `authenticate` guard, login rate limiting and the
 * Origin check on state-changing requests.
 */
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import Type, { type Static } from 'typebox';
import type { Me } from '../../src/shared/fleet';
import type { DemoAccount } from '../demo/fleet';
import { HttpError } from '../errors';
import { tooManyRequests, type Limit, type Slots } from '../limits';
import { hashPassword, needsRehash, verifyPassword, type PasswordHash } from '../passwords';
import { findLogin, rehashPassword, ROLES, type Database, type Directory, type Role } from '../store';

/** The session cookie's name. */
export const SESSION_COOKIE = 'fleetwire_session';
/** The login limits' window, s: attempts are counted per username and per address over a minute. */
export const LOGIN_WINDOW_S = 60;

/** What the login route counts and caps (server/limits.ts; in Redis with the Redis bus). */
export interface LoginLimits {
  /** Attempts per username (lower-cased), from any address. */
  perUser: Limit;
  /** Attempts per client address, for any username. */
  perAddress: Limit;
  /** Password checks at once. */
  passwordChecks: Slots;
}

/** The username as counted: usernames are unique case-insensitively. */
function userKey(username: string): string {
  return username.normalize('NFC').toLowerCase();
}

/** A logged-in operator, as `request.operator` carries it. */
export interface Operator extends Me {
  /** What the operator may do, as the store says now (a role change applies to open sessions at once). */
  role: Role;
  /** Session id: logout revokes it, and streams of that session are closed. */
  sid: string;
  /** When the session ends, epoch ms: its streams end then too. */
  expiresAt: number;
}

/**
 * Where logged-out session ids are kept until their cookie would expire, when several server
 * instances must agree (Redis). Without it, revocations live in this process only.
 */
export interface SessionRevocations {
  /** Records the revocation for every instance; rejects when that is impossible right now. */
  revoke(sid: string, untilMs: number): Promise<void>;
  /** Whether any instance revoked the session. */
  isRevoked(sid: string): Promise<boolean>;
}

/** Options of the auth plugin. */
export interface AuthOptions {
  sessionSecret: string;
  /** How long a session lasts, ms. */
  sessionTtlMs: number;
  /** Where operators and their password hashes are. */
  database: Database;
  /** Operators that exist now, with their roles. */
  directory: Directory;
  /** Demo accounts to advertise on the login page (`GET /api/demo`); empty when demo mode is off. */
  demoAccounts: readonly DemoAccount[];
  /** Ingest device keys, advertised with the demo accounts. */
  demoDeviceKeys: readonly string[];
  /** Called when a session is revoked by logout (the stream plugin closes its streams). */
  onRevoke?: (sid: string) => void;
  /** Shared revocations (Redis bus); sessions are then valid on every instance sharing the secret. */
  revocations?: SessionRevocations;
  /** Login attempts per username and per address, and the password checks running at once. */
  loginLimits: LoginLimits;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in operator, or null. */
    operator: Operator | null;
  }
  interface FastifyInstance {
    /** Route guard (onRequest): 401 unless an operator is logged in. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** Route guard (onRequest, after `authenticate`): 403 unless the operator's role is at least `role`. */
    requireRole: (role: Role) => (request: FastifyRequest) => Promise<void>;
  }
}

const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: 1_000 }),
  },
  { additionalProperties: false },
);
type LoginBody = Static<typeof LoginBody>;

/**
 * The login body, checked as sent: the route's default validator coerces types (`["ana"]` would
 * become `"ana"`) and strips unknown fields, so a wrong-typed or padded body could log in.
 */
function checkLoginBody(body: unknown): { value: LoginBody } | { error: HttpError } {
  const refuse = (message: string) => ({ error: new HttpError(400, 'invalid_request', message) });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return refuse('The body must be a JSON object with a username and a password.');
  }
  const record = body as Record<string, unknown>;
  for (const [field, max] of [['username', 100], ['password', 1_000]] as const) {
    const value = record[field];
    if (value === undefined) return refuse(`${field} is required in the body.`);
    if (typeof value !== 'string' || value.length === 0 || value.length > max) {
      return refuse(`${field} must be a string of 1 to ${max} characters.`);
    }
  }
  const extra = Object.keys(record).find((k) => k !== 'username' && k !== 'password');
  if (extra !== undefined) return refuse(`"${extra}" is not a field of the body: send only username and password.`);
  return { value: record as LoginBody };
}

const MeReply = Type.Object({ username: Type.String(), tenant: Type.String(), role: Type.String() });

interface SessionPayload {
  u: string;
  t: string;
  /** The account's creation time: a removed and re-added username does not inherit old sessions. */
  c: number;
  exp: number;
  sid: string;
}

// Compared against when the username is unknown, so a wrong user costs as much time as a wrong password.
let dummyHash: Promise<PasswordHash> | null = null;

function encodePayload(p: SessionPayload): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url');
}

function decodePayload(value: string): SessionPayload | null {
  try {
    const p = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as Partial<SessionPayload>;
    if (typeof p.u !== 'string' || typeof p.t !== 'string' || typeof p.c !== 'number' || typeof p.exp !== 'number' || typeof p.sid !== 'string') return null;
    return p as SessionPayload;
  } catch {
    // A cookie that is not our JSON is simply no session.
    return null;
  }
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

async function authPlugin(app: FastifyInstance, options: AuthOptions): Promise<void> {
  if (!options.sessionSecret) throw new Error('fleetwire auth plugin: sessionSecret is required');
  const { database, directory, sessionTtlMs } = options;
  // Revoked session ids until their expiry: logout must end the session even if a copy of the cookie survives.
  const revoked = new Map<string, number>();

  await app.register(cookie, { secret: options.sessionSecret });
  const { perUser, perAddress, passwordChecks } = options.loginLimits;

  /**
   * Counts a login attempt against the username and the address before the password is checked, so
   * guesses sent in parallel are counted too. A limiter that cannot count (Redis away) refuses the
   * login with 503 rather than letting guesses through uncounted.
   */
  async function countAttempt(request: FastifyRequest, username: string): Promise<void> {
    let over: number | null;
    try {
      const [user, address] = await Promise.all([perUser.take(userKey(username)), perAddress.take(request.ip)]);
      over = user !== null && address !== null ? Math.max(user, address) : (user ?? address);
    } catch (err) {
      request.log.error({ err }, 'login rate limiter failed');
      throw new HttpError(503, 'login_unavailable', 'Logins are paused for a moment; try again in a few seconds.', { 'retry-after': '2' });
    }
    if (over !== null) {
      throw tooManyRequests(over, (s) => `Too many login attempts for this username or from this address: wait ${s} s and try again.`);
    }
  }

  app.decorateRequest('operator', null);

  app.addHook('onRequest', async function checkOrigin(request) {
    if (!STATE_CHANGING.has(request.method)) return;
    // Devices authenticate with a Bearer key, not a cookie: cross-site forgery cannot ride on it.
    if (/^\/api\/(ingest|osmand)(\?|$)/.test(request.url)) return;
    const origin = request.headers.origin;
    if (origin === undefined) return;
    let host: string | null;
    try {
      host = origin === 'null' ? null : new URL(origin).host;
    } catch {
      host = null;
    }
    if (host === null || host !== request.host) {
      throw new HttpError(
        403,
        'bad_origin',
        `This request comes from ${origin}, not from fleetwire's own pages (${request.host}); open fleetwire at its own address and try again.`,
      );
    }
  });

  app.addHook('onRequest', async function readSession(request) {
    const raw = request.cookies[SESSION_COOKIE];
    if (!raw) return;
    const unsigned = request.unsignCookie(raw);
    if (!unsigned.valid || unsigned.value === null) return;
    const payload = decodePayload(unsigned.value);
    if (!payload || payload.exp <= Date.now() || revoked.has(payload.sid)) return;
    // A removed operator's cookie is no session any more; the role is today's, not the login's.
    const current = directory.operator(payload.t, payload.u);
    if (!current || current.createdAt !== payload.c) return;
    request.operator = { username: payload.u, tenant: payload.t, role: current.role, sid: payload.sid, expiresAt: payload.exp };
  });

  app.decorate('authenticate', async function authenticate(request: FastifyRequest) {
    const op = request.operator;
    if (op && options.revocations) {
      let gone: boolean;
      try {
        gone = await options.revocations.isRevoked(op.sid);
      } catch (err) {
        // The detail (where Redis is, how it failed) is for the log, not for whoever holds a cookie.
        request.log.error({ err }, 'session revocation check failed');
        throw new HttpError(503, 'session_check_unavailable', 'Sessions cannot be checked right now; try again in a few seconds.', {
          'retry-after': '2',
        });
      }
      if (gone) {
        revoked.set(op.sid, Date.now() + sessionTtlMs);
        request.operator = null;
      }
    }
    if (!request.operator) {
      throw new HttpError(401, 'unauthorized', 'You are not logged in, or your session expired: log in at /login.');
    }
  });

  app.decorate('requireRole', function requireRole(role: Role) {
    return async function checkRole(request: FastifyRequest) {
      const op = request.operator;
      if (!op) throw new HttpError(401, 'unauthorized', 'You are not logged in, or your session expired: log in at /login.');
      if (ROLES.indexOf(op.role) < ROLES.indexOf(role)) {
        throw new HttpError(403, 'forbidden', `This needs the ${role} role; you are logged in as ${op.role}. Ask an admin of ${op.tenant}.`);
      }
    };
  });

  app.post(
    '/api/session',
    { schema: { body: LoginBody, response: { 200: MeReply } }, validatorCompiler: () => checkLoginBody },
    async function login(request, reply) {
      const { username, password } = request.body as LoginBody;
      await countAttempt(request, username);
      const account = await findLogin(database.db, username);
      dummyHash ??= hashPassword(randomUUID());
      const stored = account?.passwordHash ?? (await dummyHash);
      const ok = await passwordChecks.run(() => verifyPassword(password, stored));
      if (ok === null) {
        throw new HttpError(503, 'login_busy', 'The server is checking many logins at once; try again in a second.', { 'retry-after': '1' });
      }
      if (!account || !ok) throw new HttpError(401, 'invalid_credentials', 'Wrong username or password.');
      // A success clears the username's count and gives the address its attempt back (an office
      // behind one address logs in at shift change); a failure keeps both.
      await Promise.all([perUser.reset(userKey(username)), perAddress.giveBack(request.ip)]).catch((err: unknown) =>
        request.log.warn({ err }, 'could not reset the login limits after a login'),
      );
      if (needsRehash(account.passwordHash)) {
        // The cost was raised since this password was set: store it at today's cost while we know it.
        rehashPassword(database.db, account.tenant, account.username, await hashPassword(password)).catch((err: unknown) =>
          request.log.warn({ err }, 'could not store a password hash at the current cost'),
        );
      }
      const payload: SessionPayload = { u: account.username, t: account.tenant, c: account.createdAt, exp: Date.now() + sessionTtlMs, sid: randomUUID() };
      reply.setCookie(SESSION_COOKIE, encodePayload(payload), {
        signed: true,
        httpOnly: true,
        sameSite: 'strict',
        secure: request.protocol === 'https',
        path: '/',
        maxAge: sessionTtlMs / 1000,
      });
      request.log.info({ username: account.username, tenant: account.tenant }, 'operator logged in');
      return { username: account.username, tenant: account.tenant, role: account.role };
    },
  );

  app.delete('/api/session', async function logout(request, reply) {
    const op = request.operator;
    reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' });
    if (op) {
      const until = Date.now() + sessionTtlMs;
      revoked.set(op.sid, until);
      for (const [sid, t] of revoked) if (t <= Date.now()) revoked.delete(sid);
      options.onRevoke?.(op.sid);
      request.log.info({ username: op.username }, 'operator logged out');
      if (options.revocations) {
        try {
          await options.revocations.revoke(op.sid, until);
        } catch (err) {
          request.log.error({ err }, 'could not share a logout with the other instances');
          throw new HttpError(
            503,
            'logout_not_shared',
            'You are logged out in this browser, but the other server instances could not be told (Redis does not answer); log out again in a few seconds.',
            { 'retry-after': '2' },
          );
        }
      }
    }
    return reply.code(204).send();
  });

  app.get('/api/me', { onRequest: app.authenticate, schema: { response: { 200: MeReply } } }, async function me(request) {
    const op = request.operator as Operator;
    return { username: op.username, tenant: op.tenant, role: op.role };
  });

  app.get('/api/demo', async function demo() {
    if (options.demoAccounts.length === 0) {
      throw new HttpError(404, 'not_found', 'Demo mode is off on this server (FLEETWIRE_DEMO=0): there are no demo accounts.');
    }
    return { accounts: options.demoAccounts, deviceKeys: options.demoDeviceKeys };
  });
}

/** The auth plugin; wrapped with fastify-plugin because it decorates the parent (request.operator, authenticate). */
export default fp(authPlugin, { name: 'fleetwire-auth', fastify: '5.x' });
