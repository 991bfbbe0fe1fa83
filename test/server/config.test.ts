// Configuration from the environment: defaults, and errors that name the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_RETENTION, loadConfig } from '../../server/config';

describe('loadConfig', () => {
  it('defaults to the embedded setup', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', bus: 'memory', demo: true, simRate: 5, retention: DEFAULT_RETENTION });
    expect(c.heartbeatMs).toBeLessThanOrEqual(15_000);
    expect(c.sessionSecretGenerated).toBe(true);
    expect(c.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(c.staticDir).toMatch(/dist[/\\]client$/);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      FLEETWIRE_DEMO: '0',
      FLEETWIRE_SIM_RATE: '0',
      FLEETWIRE_SESSION_SECRET: 's'.repeat(40),
      FLEETWIRE_RETENTION: '10',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(c).toMatchObject({ port: 9000, host: '0.0.0.0', demo: false, simRate: 0, retention: 10, redisUrl: 'redis://cache:6379', sessionSecretGenerated: false });
  });

  it('reads the Redis key prefix and the trusted proxies', () => {
    expect(loadConfig({})).toMatchObject({ redisPrefix: 'fleetwire:', trustProxy: false });
    expect(loadConfig({ FLEETWIRE_REDIS_PREFIX: 'fw-eu:', FLEETWIRE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' })).toMatchObject({
      redisPrefix: 'fw-eu:',
      trustProxy: '10.0.0.0/8, 127.0.0.1',
    });
    expect(loadConfig({ FLEETWIRE_TRUST_PROXY: '::1, 2001:db8::/32' }).trustProxy).toBe('::1, 2001:db8::/32');
  });

  it.each(['1', 'true'])('refuses FLEETWIRE_TRUST_PROXY=%s (anyone could choose their address) and says what to set', (value) => {
    expect(() => loadConfig({ FLEETWIRE_TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ FLEETWIRE_TRUST_PROXY: value })).toThrow(/FLEETWIRE_TRUST_PROXY.*reverse proxy's address.*127\.0\.0\.1/);
  });

  it('reads every limit, and refuses values out of range naming the variable', () => {
    const c = loadConfig({
      FLEETWIRE_LOGIN_ATTEMPTS_PER_USER: '3',
      FLEETWIRE_LOGIN_ATTEMPTS_PER_ADDRESS: '9',
      FLEETWIRE_LOGIN_CONCURRENCY: '4',
      FLEETWIRE_INGEST_RATE: '50',
      FLEETWIRE_INGEST_QUEUE: '2000',
      FLEETWIRE_STREAMS_PER_SESSION: '2',
      FLEETWIRE_REQUEST_TIMEOUT_S: '12',
      FLEETWIRE_MAX_CONNECTIONS: '500',
    });
    expect(c).toMatchObject({
      loginAttemptsPerUser: 3,
      loginAttemptsPerAddress: 9,
      loginConcurrency: 4,
      ingestRate: 50,
      ingestQueue: 2000,
      streamsPerSession: 2,
      requestTimeoutMs: 12_000,
      maxConnections: 500,
    });
    for (const name of [
      'FLEETWIRE_LOGIN_ATTEMPTS_PER_USER',
      'FLEETWIRE_LOGIN_ATTEMPTS_PER_ADDRESS',
      'FLEETWIRE_LOGIN_CONCURRENCY',
      'FLEETWIRE_INGEST_RATE',
      'FLEETWIRE_STREAMS_PER_SESSION',
    ]) {
      for (const bad of ['0', '-1', 'many', '1.5']) expect(() => loadConfig({ [name]: bad }), `${name}=${bad}`).toThrow(name);
    }
  });

  it.each([
    [{ PORT: '-1' }, 'PORT'],
    [{ FLEETWIRE_BUS: 'kafka' }, 'FLEETWIRE_BUS'],
    [{ FLEETWIRE_DEMO: 'yes please' }, 'FLEETWIRE_DEMO'],
    [{ FLEETWIRE_SIM_RATE: 'fast' }, 'FLEETWIRE_SIM_RATE'],
    [{ FLEETWIRE_RETENTION: '0' }, 'FLEETWIRE_RETENTION'],
    [{ FLEETWIRE_SESSION_SECRET: 'short' }, 'FLEETWIRE_SESSION_SECRET'],
    [{ REDIS_URL: 'localhost:6379' }, 'REDIS_URL'],
    [{ FLEETWIRE_REDIS_PREFIX: 'has space' }, 'FLEETWIRE_REDIS_PREFIX'],
    [{ FLEETWIRE_TRUST_PROXY: 'yes' }, 'FLEETWIRE_TRUST_PROXY'],
    [{ FLEETWIRE_TRUST_PROXY: '10.0.0.0/33' }, 'FLEETWIRE_TRUST_PROXY'],
    [{ FLEETWIRE_TRUST_PROXY: '10.0.0.0/8, nginx' }, 'FLEETWIRE_TRUST_PROXY'],
    [{ FLEETWIRE_TRUST_PROXY: '999.1.1.1' }, 'FLEETWIRE_TRUST_PROXY'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });
});
