/** fleetwire's server configuration, read once from the environment and checked at start. */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import path from 'node:path';
import { DEMO_FLEET_SIZE } from './demo/fleet';

/** Which bus carries events between ingest and streams. */
export type BusKind = 'memory' | 'redis';

/** The server's settings, typed and validated. */
export interface Config {
  port: number;
  host: string;
  bus: BusKind;
  redisUrl: string;
  /**
   * Which peers' X-Forwarded-For/-Proto to believe (a reverse proxy such as nginx): false, or a comma
   * list of addresses/CIDRs (never "any peer": anyone could then choose their own address).
   */
  trustProxy: false | string;
  /** Prefix of every Redis key fleetwire writes (several deployments or test runs can share one Redis). */
  redisPrefix: string;
  /** A PostgreSQL server's URL; undefined: the embedded database in `dataDir`. */
  databaseUrl: string | undefined;
  /** Where the embedded database lives (created when missing). */
  dataDir: string;
  /** Demo tenants, accounts, device keys, fleet and simulator. */
  demo: boolean;
  /** Demo mode was asked for explicitly on a non-loopback HOST (the server warns). */
  demoExposed: boolean;
  /** Simulated telemetry events per second across the whole demo fleet; 0 = simulator off. */
  simRate: number;
  /** How much faster than real time the simulated trucks drive (1 = honest ETAs). */
  simTimeScale: number;
  /** Trucks of the demo tenant acme (globex keeps its 10): a larger fleet for load and UI benchmarks. */
  demoTrucks: number;
  sessionSecret: string;
  /** How long a session lasts, ms. */
  sessionTtlMs: number;
  /** Days of telemetry history kept in the database; 0: none is kept. */
  historyDays: number;
  /** Telemetry rows waiting for the database past which ingest answers 503. */
  historyMaxPending: number;
  /** When set, `/metrics` needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Login attempts per username per minute, from any address, counted before the password is checked. */
  loginAttemptsPerUser: number;
  /** Login attempts per client address per minute, for any username. */
  loginAttemptsPerAddress: number;
  /** Password checks (scrypt) running at once; as many again wait, the rest are refused with 503. */
  loginConcurrency: number;
  /** Telemetry events per second per device key (averaged over 10 s, so a device may send a backlog in one request). */
  ingestRate: number;
  /** Telemetry events waiting to be published per tenant past which ingest answers 503. */
  ingestQueue: number;
  /** Open streams per session past which `GET /api/stream` answers 429. */
  streamsPerSession: number;
  /** Longest time a client may take to send a whole request, ms (0: none). */
  requestTimeoutMs: number;
  /** Open connections past which new ones are refused. */
  maxConnections: number;
  /** True when the secret was generated for this process (sessions end with it). */
  sessionSecretGenerated: boolean;
  /** Events kept per tenant for resuming streams. */
  retention: number;
  staticDir: string;
  /** Interval of the stream heartbeat comment, ms. */
  heartbeatMs: number;
  logLevel: string;
  /**
   * A MapLibre style URL for the dashboard's fleet map (`FLEETWIRE_MAP_STYLE`); undefined: the
   * country outlines shipped with the app, which need no tile server.
   */
  mapStyle: string | undefined;
}

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Default ring size per tenant: ~10 minutes of a busy 80-event/s tenant, ~15 MB of frames. */
export const DEFAULT_RETENTION = 50_000;
/**
 * Heartbeat interval (ms). design.md asks for a comment at least every 15 s; 10 s leaves room for
 * timer drift and keeps idle proxies (often 30–60 s timeouts) from cutting the stream.
 */
export const DEFAULT_HEARTBEAT_MS = 10_000;
/** Default prefix of fleetwire's Redis keys. */
export const DEFAULT_REDIS_PREFIX = 'fleetwire:';
/** Default session lifetime: one working day and a bit, s. */
export const DEFAULT_SESSION_TTL_S = 43_200;
/** Default days of telemetry history kept. */
export const DEFAULT_HISTORY_DAYS = 30;
/** Default history backlog bound: about 20 s of a 5,000 event/s fleet. */
export const DEFAULT_HISTORY_MAX_PENDING = 100_000;
/** Login attempts per username per minute (a person mistyping never gets near it). */
export const DEFAULT_LOGIN_ATTEMPTS_PER_USER = 10;
/** Login attempts per address per minute: an office behind one NAT logs in at shift change. */
export const DEFAULT_LOGIN_ATTEMPTS_PER_ADDRESS = 30;
/** Password checks at once: two of libuv's four threads, the rest stay for files and DNS. */
export const DEFAULT_LOGIN_CONCURRENCY = 2;
/** Events per second per device key: a gateway of a few hundred trucks, or a backlog sent at once. */
export const DEFAULT_INGEST_RATE = 1_000;
/** Events waiting to be published per tenant: a few seconds of a busy tenant. */
export const DEFAULT_INGEST_QUEUE = 50_000;
/** Streams per session: one per browser (the shared hub), with room for reconnects and a second device. */
export const DEFAULT_STREAMS_PER_SESSION = 10;
/** Seconds a client may take to send a request (headers and body): slow-loris clients are cut. */
export const DEFAULT_REQUEST_TIMEOUT_S = 30;
/** Open connections at once (each browser holds one stream and a few requests). */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/** Whether a listen address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Session secrets shorter than this (characters) are guessable; HMAC keys want ≥ 256 bits. */
const MIN_SECRET_LENGTH = 32;

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function numberVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function flagVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name} must be 1 or 0, got "${raw}"`);
}

/** Reads and validates the configuration; throws ConfigError naming the variable at fault. */
export function loadConfig(env: Env = process.env): Config {
  const busRaw = (env.FLEETWIRE_BUS ?? 'memory').trim() || 'memory';
  if (busRaw !== 'memory' && busRaw !== 'redis') {
    throw new ConfigError(`FLEETWIRE_BUS must be "memory" or "redis", got "${busRaw}"`);
  }
  const redisUrl = env.REDIS_URL?.trim() || 'redis://127.0.0.1:6379';
  if (!/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);
  }
  const redisPrefix = env.FLEETWIRE_REDIS_PREFIX?.trim() || DEFAULT_REDIS_PREFIX;
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError(`FLEETWIRE_REDIS_PREFIX must be 1 to 64 letters, digits or ":_.-", got "${redisPrefix}"`);
  }
  const trustRaw = env.FLEETWIRE_TRUST_PROXY?.trim() ?? '';
  const trustProxy = trustRaw === '' || trustRaw === '0' || trustRaw === 'false' ? false : trustRaw;
  if (trustProxy === '1' || trustProxy === 'true') {
    throw new ConfigError(
      `FLEETWIRE_TRUST_PROXY=${trustRaw} would believe an X-Forwarded-For header from anyone, so any client could choose its own address; set it to your reverse proxy's address or network instead (e.g. "127.0.0.1" or "10.0.0.0/8", a comma list for several)`,
    );
  }
  if (typeof trustProxy === 'string' && !trustProxy.split(',').every((part) => isAddressOrCidr(part.trim()))) {
    throw new ConfigError(`FLEETWIRE_TRUST_PROXY must be a comma list of proxy addresses/CIDRs (e.g. "10.0.0.0/8, 127.0.0.1") or 0, got "${trustRaw}"`);
  }
  const secretRaw = env.FLEETWIRE_SESSION_SECRET;
  if (secretRaw !== undefined && secretRaw !== '' && secretRaw.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `FLEETWIRE_SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  const sessionSecretGenerated = !secretRaw;
  const host = env.HOST?.trim() || '127.0.0.1';
  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql:// (unset it to use the embedded database)');
  }
  // Demo accounts have published passwords: on by default only where nobody else can reach the server.
  const demo = flagVar(env, 'FLEETWIRE_DEMO', isLoopback(host));
  const metricsToken = env.FLEETWIRE_METRICS_TOKEN?.trim() || undefined;
  const mapStyle = env.FLEETWIRE_MAP_STYLE?.trim() || undefined;
  if (mapStyle !== undefined && !isMapStyleUrl(mapStyle)) {
    throw new ConfigError(
      `FLEETWIRE_MAP_STYLE must be an http(s) URL or a path on this server of a MapLibre style (e.g. "https://tiles.example.com/styles/basic/style.json"), got "${mapStyle}"`,
    );
  }
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('FLEETWIRE_METRICS_TOKEN must be at least 16 characters (e.g. `openssl rand -hex 16`)');
  }
  return {
    port: intVar(env, 'PORT', 8080, 0, 65_535),
    host,
    bus: busRaw,
    redisUrl,
    redisPrefix,
    trustProxy,
    databaseUrl,
    dataDir: path.resolve(env.FLEETWIRE_DATA_DIR?.trim() || 'data'),
    demo,
    demoExposed: demo && !isLoopback(host),
    simRate: numberVar(env, 'FLEETWIRE_SIM_RATE', 5, 0, 10_000),
    simTimeScale: numberVar(env, 'FLEETWIRE_SIM_TIME_SCALE', 1, 1, 100),
    demoTrucks: intVar(env, 'FLEETWIRE_DEMO_TRUCKS', DEMO_FLEET_SIZE.acme, DEMO_FLEET_SIZE.acme, 1_000),
    sessionSecret: secretRaw || randomBytes(32).toString('hex'),
    sessionSecretGenerated,
    sessionTtlMs: intVar(env, 'FLEETWIRE_SESSION_TTL_S', DEFAULT_SESSION_TTL_S, 5, 30 * 86_400) * 1000,
    historyDays: intVar(env, 'FLEETWIRE_HISTORY_DAYS', DEFAULT_HISTORY_DAYS, 0, 3_650),
    historyMaxPending: intVar(env, 'FLEETWIRE_HISTORY_MAX_PENDING', DEFAULT_HISTORY_MAX_PENDING, 1_000, 10_000_000),
    metricsToken,
    loginAttemptsPerUser: intVar(env, 'FLEETWIRE_LOGIN_ATTEMPTS_PER_USER', DEFAULT_LOGIN_ATTEMPTS_PER_USER, 1, 10_000),
    loginAttemptsPerAddress: intVar(env, 'FLEETWIRE_LOGIN_ATTEMPTS_PER_ADDRESS', DEFAULT_LOGIN_ATTEMPTS_PER_ADDRESS, 1, 100_000),
    loginConcurrency: intVar(env, 'FLEETWIRE_LOGIN_CONCURRENCY', DEFAULT_LOGIN_CONCURRENCY, 1, 64),
    ingestRate: intVar(env, 'FLEETWIRE_INGEST_RATE', DEFAULT_INGEST_RATE, 1, 1_000_000),
    ingestQueue: intVar(env, 'FLEETWIRE_INGEST_QUEUE', DEFAULT_INGEST_QUEUE, 1_000, 10_000_000),
    streamsPerSession: intVar(env, 'FLEETWIRE_STREAMS_PER_SESSION', DEFAULT_STREAMS_PER_SESSION, 1, 100_000),
    requestTimeoutMs: intVar(env, 'FLEETWIRE_REQUEST_TIMEOUT_S', DEFAULT_REQUEST_TIMEOUT_S, 0, 3_600) * 1000,
    maxConnections: intVar(env, 'FLEETWIRE_MAX_CONNECTIONS', DEFAULT_MAX_CONNECTIONS, 10, 1_000_000),
    retention: intVar(env, 'FLEETWIRE_RETENTION', DEFAULT_RETENTION, 1, 10_000_000),
    staticDir: path.resolve(env.FLEETWIRE_STATIC_DIR?.trim() || 'dist/client'),
    heartbeatMs: intVar(env, 'FLEETWIRE_HEARTBEAT_MS', DEFAULT_HEARTBEAT_MS, 10, 15_000),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
    mapStyle,
  };
}

/** An IPv4 or IPv6 address, optionally with a /prefix length. */
function isAddressOrCidr(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (rest.length > 0 || !address) return false;
  const version = isIP(address);
  if (version === 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

/** An absolute http(s) URL, or a path on this server ("/styles/fleet.json"). */
function isMapStyleUrl(value: string): boolean {
  if (value.startsWith('/')) return !value.startsWith('//');
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    // Not a URL at all: refused by the caller with the variable's name.
    return false;
  }
}

/**
 * The origin the map style is fetched from when it is not this server's, for the Content Security
 * Policy's `connect-src`; null for a path on this server or no style.
 */
export function mapStyleOrigin(config: Pick<Config, 'mapStyle'>): string | null {
  if (!config.mapStyle || config.mapStyle.startsWith('/')) return null;
  return new URL(config.mapStyle).origin;
}
