/**
 * Redis for tests: is the machine's Redis there (skip loudly, or fail under CI), a key prefix per
 * run with cleanup, and private `redis-server` children for tests that stop, flush or restart Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** The shared Redis the tests use unless they start their own. */
export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Answers whether a Redis responds to PING at `url` within a second. */
export async function redisAnswers(url = SHARED_REDIS_URL): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * True when the shared Redis answers. Otherwise: under CI (`CI=true`, where CI starts redis-server)
 * it throws, so the suite fails instead of silently passing; elsewhere it warns loudly and the
 * caller skips its tests.
 */
export async function requireRedis(suite: string): Promise<boolean> {
  if (await redisAnswers()) return true;
  const why = `nothing answers PING at ${SHARED_REDIS_URL}`;
  if (process.env.CI === 'true') {
    throw new Error(`${suite}: ${why}, and CI=true: CI must start redis-server before the tests.`);
  }
  console.warn(
    `\n*** SKIPPING ${suite}: ${why}. Start Redis 7+ (redis-server) or set REDIS_URL to run the Redis bus tests. ***\n`,
  );
  return false;
}

/** A key prefix no other run uses, e.g. `fwtest:1234:ab12cd:`. */
export function uniquePrefix(label = 'fwtest'): string {
  return `${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under `prefix` (test cleanup). */
export async function deletePrefix(prefix: string, url = SHARED_REDIS_URL): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } catch {
    // Redis went away (a fault test): nothing to clean.
  } finally {
    client.disconnect();
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A private redis-server child that tests may stop, pause, flush and restart. */
export interface OwnRedis {
  url: string;
  port: number;
  /** Starts (or starts again) the server on the same port. */
  start(): Promise<void>;
  /** Stops it: SIGTERM (with AOF: writes it out first) or SIGKILL (a crash). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>;
}

/**
 * Starts `redis-server` on a free port. `persistence: 'aof'` keeps data across restarts (appendonly
 * in a temporary directory); 'none' loses everything on a restart, like a cache-only deployment.
 */
export async function startOwnRedis(persistence: 'none' | 'aof' = 'none'): Promise<OwnRedis> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'fleetwire-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
    args.push('--appendonly', persistence === 'aof' ? 'yes' : 'no');
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let out = '';
    let failed: Error | null = null;
    proc.on('error', (err) => {
      // ENOENT: no redis-server binary on this machine.
      failed = err;
    });
    proc.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    proc.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    while (!(await redisAnswers(url))) {
      if (failed) throw new Error(`could not run redis-server (install it, e.g. apt-get install redis-server): ${(failed as Error).message}`);
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`redis-server on ${port} did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGCONT');
    proc.kill(signal);
    await exited;
    child = null;
  };
  await start();
  return {
    url,
    port,
    start,
    stop,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async destroy() {
      await stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
