// Operators: login, logout, cookie flags, 401s, the login rate limit and the Origin check.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_LOGIN_ATTEMPTS_PER_USER } from '../../server/config';
import { freshDatabase } from '../support/database';
import { loginCookie, makeApp } from './helpers';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('sessions', () => {
  it('logs in with a demo account and sets an HttpOnly, SameSite=Strict cookie, not Secure over http', async () => {
    app = await makeApp();
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { username: 'ana', password: 'fleetwire' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ username: 'ana', tenant: 'acme', role: 'admin' });
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(/HttpOnly/);
    expect(raw).toMatch(/SameSite=Strict/);
    expect(raw).toMatch(/Path=\//);
    expect(raw).not.toMatch(/Secure/);
    // Only a signed token: the password never travels back.
    expect(raw).not.toContain('fleetwire;');
  });

  it('marks the cookie Secure when served over https, and does not trust X-Forwarded-Proto by default', async () => {
    app = await makeApp();
    const plain = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: 'ana', password: 'fleetwire' },
    });
    expect(String(plain.headers['set-cookie'])).not.toMatch(/Secure/);
    await app.close();
    app = await makeApp({ trustProxy: '127.0.0.1' });
    const proxied = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'x-forwarded-proto': 'https' },
      payload: { username: 'bo', password: 'fleetwire' },
    });
    expect(String(proxied.headers['set-cookie'])).toMatch(/Secure/);
  });

  it('answers /api/me with the operator, and 401 JSON without or with a forged cookie', async () => {
    app = await makeApp();
    const cookie = await loginCookie(app, 'bo');
    const me = await app.inject({ url: '/api/me', headers: { cookie } });
    expect(me.json()).toEqual({ username: 'bo', tenant: 'globex', role: 'admin' });

    const none = await app.inject({ url: '/api/me' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'unauthorized', message: expect.stringMatching(/log in/) });

    // Same payload, signature of another value: the signature check must refuse it.
    const [name, value] = cookie.split('=') as [string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ u: 'bo', t: 'acme', exp: Date.now() + 1e6, sid: 'x' })).toString('base64url');
    const forged = `${name}=${forgedPayload}.${value.split('.').pop()}`;
    expect((await app.inject({ url: '/api/me', headers: { cookie: forged } })).statusCode).toBe(401);
  });

  it('refuses wrong credentials with 401 and a message', async () => {
    app = await makeApp();
    for (const payload of [
      { username: 'ana', password: 'nope' },
      { username: 'nobody', password: 'fleetwire' },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/api/session', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'invalid_credentials', message: 'Wrong username or password.' });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('400s a login body without a password, naming the field', async () => {
    app = await makeApp();
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { username: 'ana' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/password/);
  });

  it('logs out: the cookie is cleared and a kept copy of it no longer works', async () => {
    app = await makeApp();
    const cookie = await loginCookie(app);
    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/fleetwire_session=;/);
    expect((await app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
  });

  it('429s after a burst of failed logins, even with the right password, while others can still log in', async () => {
    app = await makeApp();
    for (let i = 0; i < DEFAULT_LOGIN_ATTEMPTS_PER_USER; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/session', payload: { username: 'ana', password: `wrong${i}` } });
      expect(res.statusCode).toBe(401);
    }
    const limited = await app.inject({ method: 'POST', url: '/api/session', payload: { username: 'ana', password: 'wrong' } });
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/Too many login attempts.*wait \d+ s/) });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    const right = await app.inject({ method: 'POST', url: '/api/session', payload: { username: 'ana', password: 'fleetwire' } });
    expect(right.statusCode).toBe(429);
    // The limit is per username: bo is unaffected.
    expect((await app.inject({ method: 'POST', url: '/api/session', payload: { username: 'bo', password: 'fleetwire' } })).statusCode).toBe(200);
  });

  it('does not count successful logins towards the limit', async () => {
    app = await makeApp();
    for (let i = 0; i < DEFAULT_LOGIN_ATTEMPTS_PER_USER + 5; i++) await loginCookie(app);
  });
});

describe('Origin check', () => {
  it('403s a state-changing request from another origin, and changes nothing', async () => {
    app = await makeApp();
    const cookie = await loginCookie(app);
    const res = await app.inject({
      method: 'DELETE',
      url: '/api/session',
      headers: { cookie, origin: 'https://evil.example', host: 'localhost:8080' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'bad_origin', message: expect.stringContaining('https://evil.example') });
    expect((await app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(200);

    const login = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { origin: 'null' },
      payload: { username: 'ana', password: 'fleetwire' },
    });
    expect(login.statusCode).toBe(403);
  });

  it('accepts a same-origin request and one without Origin', async () => {
    app = await makeApp();
    const same = await app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { origin: 'http://localhost:8080', host: 'localhost:8080' },
      payload: { username: 'ana', password: 'fleetwire' },
    });
    expect(same.statusCode).toBe(200);
  });

  it('does not apply to device ingest, which authenticates with a Bearer key', async () => {
    app = await makeApp();
    const res = await app.inject({
      method: 'POST',
      url: '/api/ingest',
      headers: { authorization: 'Bearer demo-acme', origin: 'https://elsewhere.example' },
      payload: { truckId: 'acme-01', ts: Date.now(), lat: 1, lon: 1, speedKph: 1, headingDeg: 1 },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('demo accounts', () => {
  it('lists them in demo mode and 404s without', async () => {
    app = await makeApp();
    const res = await app.inject({ url: '/api/demo' });
    expect(res.json().accounts).toEqual(
      expect.arrayContaining([{ username: 'ana', password: 'fleetwire', tenant: 'acme', role: 'admin' }]),
    );
    await app.close();
    // A database demo mode never seeded: no demo accounts to log in with.
    const empty = await freshDatabase();
    app = await makeApp({ demo: false }, { database: empty });
    expect((await app.inject({ url: '/api/demo' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/session', payload: { username: 'ana', password: 'fleetwire' } })).statusCode).toBe(401);
    await app.close();
    await empty.close();
  });
});
