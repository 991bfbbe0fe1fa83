/** Builds the fleetwire Fastify app from a configuration, without listening (tests build one per test). */
import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import { constants as zlibConstants } from 'node:zlib';
import type { TruckInfo } from '../src/shared/fleet';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { AlertEngine, type AlertTracker } from './alerts';
import { RedisBus, createBus, type Bus } from './bus';
import { mapStyleOrigin, type Config } from './config';
import { DEMO_ACCOUNTS, DEMO_DEVICE_KEYS, DEMO_TENANT_NAMES, DEMO_TENANTS, buildDemoFleet } from './demo/fleet';
import { clientErrorResponse, describeError } from './errors';
import { Ingestor } from './ingest';
import { Limit, Slots } from './limits';
import { FleetwireMetrics } from './metrics';
import alertsPlugin from './plugins/alerts';
import adminPlugin from './plugins/admin';
import authPlugin, { LOGIN_WINDOW_S } from './plugins/auth';
import clientConfigPlugin from './plugins/client-config';
import fleetPlugin from './plugins/fleet';
import healthPlugin from './plugins/health';
import ingestPlugin, { INGEST_BODY_LIMIT_BYTES, INGEST_RATE_WINDOW_S } from './plugins/ingest';
import metricsPlugin from './plugins/metrics';
import osmandPlugin from './plugins/osmand';
import simulatorPlugin from './plugins/simulator';
import staticPlugin from './plugins/static';
import streamPlugin from './plugins/stream';
import { RedisAlertTracker } from './redis/alerts';
import { REVOKE_SIGNAL, RedisRevocations } from './redis/sessions';
import { RedisLiveState } from './redis/live-state';
import { MemoryLiveState, type LiveState } from './live-state';
import { Directory, HistoryWriter, lastSamples, openDatabase, seedDemo, type Database } from './store';
import { Broadcaster } from './stream/broadcaster';

/** Knobs tests and the entry point use on top of the configuration. */
export interface AppOptions {
  /** Fastify logger options; default: pino at config.logLevel. Tests pass false. */
  logger?: FastifyServerOptions['logger'];
  /** A bus to use instead of the configured one (tests: a MemoryBus with a chosen epoch). */
  bus?: Bus;
  /** An open database to use instead of the configured one; the app does not close it. */
  database?: Database;
  /** Unsent bytes after which a stream client is cut (default MAX_BUFFERED_BYTES). */
  maxBufferedBytes?: number;
  /** A catch-up the client does not read for this long is cut, ms (default REPLAY_STALL_MS). */
  replayStallMs?: number;
  /** Process metrics (CPU, memory, event loop) on /metrics; the real server turns them on. */
  processMetrics?: boolean;
  alertSweepMs?: number;
  now?: () => number;
  /** Random source of the simulator. */
  random?: () => number;
}

/** The app plus the parts tests and the entry point reach for. */
export interface FleetwireServices {
  bus: Bus;
  /** Live state of the fleet (last positions, active alerts) for snapshots. */
  state: LiveState;
  database: Database;
  directory: Directory;
  history: HistoryWriter;
  ingestor: Ingestor;
  metrics: FleetwireMetrics;
  broadcaster: Broadcaster;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's services (bus, store, ingest, metrics, streams). */
    fleetwire: FleetwireServices;
  }
}

/** The Content Security Policy; a map style of another origin (FLEETWIRE_MAP_STYLE) is the one outside host allowed. */
function cspDirectives(config: Pick<Config, 'mapStyle'>) {
  const mapOrigin = mapStyleOrigin(config);
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    // Same-origin files only: components style through adopted stylesheets and set inline values
    // with CSSOM (element.style), which the policy allows; no style attribute or <style> element.
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    // MapLibre fetches a style, its tiles, sprites and glyphs (images included) with fetch().
    connectSrc: mapOrigin ? ["'self'", mapOrigin] : ["'self'"],
    workerSrc: ["'self'"],
    manifestSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  };
}

interface AjvErrorLike {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Fastify schema errors as one sentence naming the field. */
function formatSchemaErrors(errors: readonly AjvErrorLike[], dataVar: string): Error {
  const e = errors[0];
  if (!e) return new Error(`The ${dataVar} is invalid.`);
  const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'required') {
    const missing = String(e.params.missingProperty ?? '');
    return new Error(`${field ? `${field}.` : ''}${missing} is required in the ${dataVar}.`);
  }
  if (e.keyword === 'additionalProperties') {
    return new Error(`"${String(e.params.additionalProperty)}" is not a field of the ${dataVar}.`);
  }
  return new Error(`${field || `the ${dataVar}`} ${e.message ?? 'is invalid'}`);
}

/**
 * A request as logged: method, URL and client address, with secrets in the query string (an OsmAnd
 * device's key travels as `id=`) replaced.
 */
function requestForLog(request: { method: string; url: string; ip?: string }): Record<string, unknown> {
  return { method: request.method, url: request.url.replace(/([?&](?:id|deviceid)=)[^&]*/gi, '$1***'), remoteAddress: request.ip };
}

/** HSTS for HTTPS answers: a year, subdomains included (helmet's default value). */
const HSTS = 'max-age=31536000; includeSubDomains';
/** Answers below this are sent as they are: headers would outweigh the saving. */
const COMPRESS_MIN_BYTES = 1024;
/** Brotli quality for answers made per request: 4 compresses about as well as gzip -6, several times faster than 11. */
const DYNAMIC_BROTLI_QUALITY = 4;

/** Password checks that may wait for a free slot, per slot; more are refused at once. */
const LOGIN_QUEUE_PER_SLOT = 8;

/** Builds the app: plugins registered, services created, nothing listening yet. */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : { level: config.logLevel, ...(typeof options.logger === 'object' ? options.logger : {}), serializers: { req: requestForLog } },
    bodyLimit: INGEST_BODY_LIMIT_BYTES,
    // Prototype-poisoning keys in JSON are refused (400), never merged.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    schemaErrorFormatter: formatSchemaErrors,
    trustProxy: config.trustProxy,
    // A client must send its whole request within this time; streams (long responses) are not cut by it.
    requestTimeout: config.requestTimeoutMs,
    // Errors of the router (a bad percent escape, an over-long path part) in the same `{error, message}` shape.
    frameworkErrors: function frameworkError(err, request, reply) {
      const { status, body, headers } = describeError(err, INGEST_BODY_LIMIT_BYTES);
      // Refused before any hook ran: the API's no-store is set here too.
      const extra = request.url.startsWith('/api/') ? { ...headers, 'cache-control': 'no-store' } : headers;
      return (reply as FastifyReply).code(status).headers(extra).send(body);
    },
    // Requests Node's HTTP parser cannot read (oversized headers, broken request lines): JSON too.
    clientErrorHandler: function clientError(err, socket) {
      if ((err as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return;
      if (socket.writable) socket.end(clientErrorResponse(err as NodeJS.ErrnoException));
      else socket.destroy();
    },
  });
  // Past this many open connections Node refuses new ones at once: a flood cannot exhaust file descriptors.
  app.server.maxConnections = config.maxConnections;
  // Only JSON bodies are accepted; any other type is a 415 instead of a string handed to a route.
  app.removeContentTypeParser(['text/plain']);

  const now = options.now ?? Date.now;
  const database = options.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }, 'server'));
  if (!options.database) {
    app.addHook('onClose', async function closeDatabase() {
      await database.close();
    });
  }
  const fleet = config.demo ? buildDemoFleet(now(), config.simTimeScale, config.demoTrucks) : [];
  if (config.demo) {
    await seedDemo(database.db, {
      tenants: DEMO_TENANTS.map((id) => ({ id, name: DEMO_TENANT_NAMES[id] })),
      operators: DEMO_ACCOUNTS,
      keys: DEMO_DEVICE_KEYS,
      trucks: fleet.map((t) => t.info),
    });
  }

  const bus = options.bus ?? createBus(config, app.log);
  // Redis: connect, read the epoch, start the read loop (throws naming REDIS_URL when unreachable).
  await bus.start?.();
  // With Redis, the fleet's live state and the alert trackers live in Redis too: every instance answers alike.
  const redisBus = bus instanceof RedisBus ? bus : null;
  // Limits count in Redis with the Redis bus, so every instance counts together.
  const limit = (name: string, points: number, durationS: number) =>
    new Limit({ name, points, durationS, ...(redisBus ? { redis: redisBus.redis, redisPrefix: redisBus.keys.rateLimit } : {}) });
  const state: LiveState = redisBus ? new RedisLiveState(redisBus.redis, redisBus.keys, config.redisUrl) : new MemoryLiveState();
  // The live state is a projection of the bus: it sees every event before any stream does.
  bus.tap((tenant, events) => state.apply(tenant, events));
  const metrics = new FleetwireMetrics({ processMetrics: options.processMetrics, tenants: config.demo ? [...DEMO_TENANTS] : [] });
  metrics.watchBus(bus);
  const engine: AlertTracker = redisBus ? new RedisAlertTracker(redisBus.redis, redisBus.keys, config.redisUrl) : new AlertEngine();
  const history = new HistoryWriter(database.db, {
    days: config.historyDays,
    maxPending: config.historyMaxPending,
    now,
    events: {
      onWritten: (rows) => metrics.historyRowsWritten.inc(rows),
      onSkipped: (rows, why) => {
        metrics.historyRowsSkipped.inc(rows);
        app.log.warn({ rows }, `telemetry not kept in the history: ${why}`);
      },
      onError: (err, pending) => app.log.error({ err, pending }, 'writing telemetry history failed; retrying'),
    },
  });
  await history.start();
  metrics.watchHistory(history);
  const broadcaster = new Broadcaster({
    bus,
    metrics,
    heartbeatMs: config.heartbeatMs,
    maxBufferedBytes: options.maxBufferedBytes,
    replayStallMs: options.replayStallMs,
    onSlowClient: (client, bytes) =>
      app.log.warn({ tenant: client.tenant, bufferedBytes: bytes }, 'stream client too slow: disconnected (it resumes by id)'),
  });

  // Set once the ingestor exists; a truck change announced before that is registered at start anyway.
  let announceTrucks: ((tenant: string, trucks: readonly TruckInfo[]) => Promise<void>) | null = null;
  const directory = await Directory.open(
    database,
    {
      onTrucksChanged: (tenant, changed) =>
        announceTrucks?.(tenant, changed).catch((err: unknown) =>
          app.log.error({ err, tenant }, 'could not announce changed trucks; streams show them after their next reset'),
        ),
      onOperatorsRemoved: (tenant, usernames) => broadcaster.closeOperators(tenant, usernames),
      onError: (err, what) => app.log.error({ err }, `directory: ${what} failed`),
    },
    now,
  );
  const ingestor = new Ingestor({ bus, directory, history, metrics, alerts: engine, now: options.now, maxQueuedEvents: config.ingestQueue });
  announceTrucks = async (tenant, trucks) => {
    // Every instance learns of a change; with Redis one of them (the first to claim it) publishes it.
    if (redisBus && !(await redisBus.claim(`trucks:${tenant}:${JSON.stringify(trucks)}`))) return;
    await ingestor.publish(tenant, () => trucks.map((data) => ({ type: 'truck' as const, data })));
  };
  app.decorate('fleetwire', { bus, state, database, directory, history, ingestor, metrics, broadcaster });

  /** Registers every truck of the store in the live state, and where each was last seen. */
  const registerFleet = async (): Promise<void> => {
    await Promise.all(directory.tenantsWithTrucks().flatMap((tenant) => directory.trucksOf(tenant).map((truck) => state.putTruck(truck))));
    if (state instanceof MemoryLiveState) {
      for (const last of await lastSamples(database.db)) state.restoreLast(last.tenant, last.telemetry);
    }
  };
  await registerFleet();
  if (redisBus) {
    // A logout on any instance ends that session's streams on every instance.
    redisBus.onSignal((kind, value) => {
      if (kind === REVOKE_SIGNAL) broadcaster.closeSession(value);
    });
    redisBus.onEpochChange(() => {
      // Redis lost its data: the store's fleet is registered again, then open streams (which hold ids
      // of the lost history) end and resume with a reset that lists every truck.
      registerFleet()
        .catch((err: unknown) => app.log.error({ err }, 'could not register the fleet again after Redis lost its data'))
        .finally(() => broadcaster.endStreams());
    });
  }

  app.setErrorHandler(function handleError(err, request, reply) {
    const { status, body, headers } = describeError(err, request.routeOptions.bodyLimit ?? INGEST_BODY_LIMIT_BYTES);
    if (status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ status, error: body.error }, body.message);
    return reply.code(status).headers(headers).send(body);
  });
  app.setNotFoundHandler(function notFound(request, reply) {
    const path = request.url.split('?')[0];
    return reply.code(404).send({
      error: 'not_found',
      message: `There is no ${request.method} ${path} on this server; the API is under /api (see the README).`,
    });
  });

  // API answers are per operator and per moment: no browser or proxy may keep one.
  app.addHook('onRequest', async function noStore(request, reply) {
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
  // HSTS means something only over HTTPS (directly, or behind a trusted proxy that says so): not on plain HTTP.
  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(config) }, strictTransportSecurity: false });
  app.addHook('onSend', async function strictTransportSecurity(request, reply) {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });
  // Answers compressed by what the browser accepts (brotli, then gzip), with Vary: Accept-Encoding.
  // The built client is compressed at build time (static plugin); streams are never compressed
  // (the stream route writes its own response, which nothing here touches).
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: COMPRESS_MIN_BYTES,
    brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: DYNAMIC_BROTLI_QUALITY } },
  });
  await app.register(metricsPlugin, { metrics, token: config.metricsToken });
  await app.register(healthPlugin, { bus });
  await app.register(authPlugin, {
    sessionSecret: config.sessionSecret,
    sessionTtlMs: config.sessionTtlMs,
    database,
    directory,
    demoAccounts: config.demo ? DEMO_ACCOUNTS : [],
    demoDeviceKeys: config.demo ? Object.keys(DEMO_DEVICE_KEYS) : [],
    onRevoke: (sid) => broadcaster.closeSession(sid),
    revocations: redisBus ? new RedisRevocations(redisBus) : undefined,
    loginLimits: {
      perUser: limit('login-user', config.loginAttemptsPerUser, LOGIN_WINDOW_S),
      perAddress: limit('login-address', config.loginAttemptsPerAddress, LOGIN_WINDOW_S),
      passwordChecks: new Slots(config.loginConcurrency, config.loginConcurrency * LOGIN_QUEUE_PER_SLOT),
    },
  });
  await app.register(fleetPlugin, { bus, state, directory, database, history });
  // Events per device key, averaged over a window, so a device can send a backlog in one request.
  const perDeviceKey = limit('ingest-key', config.ingestRate * INGEST_RATE_WINDOW_S, INGEST_RATE_WINDOW_S);
  await app.register(ingestPlugin, { ingestor, metrics, directory, perDeviceKey });
  await app.register(osmandPlugin, { ingestor, metrics, directory, perDeviceKey });
  await app.register(streamPlugin, { bus, state, metrics, broadcaster, streamsPerSession: config.streamsPerSession });
  await app.register(adminPlugin, { database, directory });
  await app.register(clientConfigPlugin, { mapStyle: config.mapStyle });
  await app.register(staticPlugin, { root: config.staticDir });
  await app.register(alertsPlugin, { engine, ingestor, state, bus, database, history, sweepMs: options.alertSweepMs });
  if (config.demo) {
    await app.register(simulatorPlugin, {
      ingestor,
      fleet,
      rate: config.simRate,
      timeScale: config.simTimeScale,
      now: options.now,
      random: options.random,
    });
  }

  app.addHook('preClose', async function endStreams() {
    // End streams first: the server cannot finish closing while they are open.
    broadcaster.closeAll();
  });
  app.addHook('onClose', async function closeBus() {
    // Accepted telemetry reaches the database before the process goes.
    await history.close();
    await directory.close();
    await bus.close();
  });
  return app;
}
