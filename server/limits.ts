/**
 * The request limits that hold under attack: attempts counted per key over a fixed window
 * (rate-limiter-flexible: in this process on the memory bus, in Redis with the Redis bus so that
 * every instance counts together, atomically), and a cap on concurrent password hashing.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { HttpError } from './errors';

/** A counter of attempts per key: `points` per `durationS`. */
export interface LimitOptions {
  /** Names the counter; with Redis also the key prefix. */
  name: string;
  points: number;
  durationS: number;
  /** Count in this Redis (all instances together) instead of in this process. */
  redis?: Redis;
  /** Prefix of the Redis keys (the deployment's `…rate-limit:`). */
  redisPrefix?: string;
}

/** One limit: `take` counts first and tells whether the attempt is within it. */
export class Limit {
  private readonly limiter: RateLimiterAbstract;

  constructor(options: LimitOptions) {
    const base = { points: options.points, duration: options.durationS };
    this.limiter = options.redis
      ? new RateLimiterRedis({ ...base, storeClient: options.redis, keyPrefix: `${options.redisPrefix ?? 'fleetwire:rate-limit:'}${options.name}` })
      : new RateLimiterMemory({ ...base, keyPrefix: options.name });
  }

  /**
   * Counts `points` against `key` (atomically, before the work they stand for is done); resolves
   * with null when within the limit, or with the milliseconds until the window ends when over it.
   * Rejects when the counter's store (Redis) fails: callers refuse rather than go uncounted.
   */
  async take(key: string, points = 1): Promise<number | null> {
    try {
      await this.limiter.consume(key, points);
      return null;
    } catch (outcome) {
      if (outcome instanceof RateLimiterRes) return Math.max(1, outcome.msBeforeNext);
      throw outcome;
    }
  }

  /** Gives `points` back to `key` (an attempt that turned out legitimate). */
  async giveBack(key: string, points = 1): Promise<void> {
    await this.limiter.reward(key, points);
  }

  /** Forgets `key`'s count. */
  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/** The 429 every limit answers with: JSON `{error, message}` and `Retry-After` in whole seconds. */
export function tooManyRequests(retryAfterMs: number, message: (seconds: number) => string): HttpError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new HttpError(429, 'rate_limited', message(seconds), { 'retry-after': String(seconds) });
}

/**
 * At most `concurrency` tasks at once, `queue` more waiting their turn; beyond that `run` refuses at
 * once (null), so a burst of logins cannot take every thread of libuv's pool from static files and
 * the database, nor pile up memory.
 */
export class Slots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly queue: number,
  ) {}

  /** Runs `task` in a slot; resolves with null without running it when every slot and place in line is taken. */
  async run<T>(task: () => Promise<T>): Promise<T | null> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.queue) return null;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      // The slot passes to the next in line, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Tasks running and waiting now (for metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
