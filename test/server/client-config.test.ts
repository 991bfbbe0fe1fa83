// GET /api/config and FLEETWIRE_MAP_STYLE: the fleet map's style setting, and the CSP that lets it load.
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ConfigError, loadConfig } from '../../server/config';
import { loginCookie, makeApp } from './helpers';

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

describe('FLEETWIRE_MAP_STYLE', () => {
  it('is unset by default, and reads an http(s) URL or a path on this server', () => {
    expect(loadConfig({}).mapStyle).toBeUndefined();
    expect(loadConfig({ FLEETWIRE_MAP_STYLE: ' https://tiles.example.com/styles/basic.json ' }).mapStyle).toBe(
      'https://tiles.example.com/styles/basic.json',
    );
    expect(loadConfig({ FLEETWIRE_MAP_STYLE: '/styles/fleet.json' }).mapStyle).toBe('/styles/fleet.json');
  });

  it.each(['tiles.example.com/style.json', 'ftp://tiles.example.com/style.json', '//tiles.example.com/style.json', 'javascript:alert(1)'])(
    'refuses %j naming the variable',
    (value) => {
      expect(() => loadConfig({ FLEETWIRE_MAP_STYLE: value })).toThrow(ConfigError);
      expect(() => loadConfig({ FLEETWIRE_MAP_STYLE: value })).toThrow('FLEETWIRE_MAP_STYLE');
    },
  );
});

describe('GET /api/config', () => {
  it('needs a session', async () => {
    app = await makeApp();
    const res = await app.inject({ method: 'GET', url: '/api/config' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers no map style when none is set, and the page CSP allows no other origin', async () => {
    app = await makeApp();
    const res = await app.inject({ method: 'GET', url: '/api/config', headers: { cookie: await loginCookie(app) } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ mapStyle: null });
    expect(res.headers['content-security-policy']).toContain("connect-src 'self';");
  });

  it('answers the style URL, and lets the page fetch from its origin alone', async () => {
    app = await makeApp({ mapStyle: 'https://tiles.example.com/styles/basic.json?key=abc' });
    const res = await app.inject({ method: 'GET', url: '/api/config', headers: { cookie: await loginCookie(app) } });
    expect(res.json()).toEqual({ mapStyle: 'https://tiles.example.com/styles/basic.json?key=abc' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self' https://tiles.example.com;");
    // Scripts and workers stay same-origin whatever the style.
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("worker-src 'self';");
  });
});
