/**
 * Alert trackers in Redis. The instance that accepts a sample (or runs a sweep) reads the trucks'
 * trackers, evaluates, and publishes the events together with the new trackers, guarded by what it
 * read (compare-and-set inside the publish script). If another instance changed a tracker in
 * between, nothing is published and the ingestor evaluates again on fresh state: each alert starts
 * and clears exactly once however many instances take samples or sweep.
 */
import type { Redis } from 'ioredis';
import { RedisUnavailableError } from '../bus/redis';
import { TrackerTransaction, type AlertTracker, type AlertTransaction, type TrackerEntry } from '../alerts';
import type { RedisKeys } from './keys';

/** An AlertTracker whose state is shared by every instance through Redis. */
export class RedisAlertTracker implements AlertTracker {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly url: string,
  ) {}

  async begin(tenant: string, truckIds: readonly string[] | 'all'): Promise<AlertTransaction> {
    const raw = new Map<string, string>();
    const key = this.keys.trackers(tenant);
    try {
      if (truckIds === 'all') {
        for (const [id, value] of Object.entries(await this.redis.hgetall(key))) raw.set(id, value);
      } else {
        const ids = [...new Set(truckIds)];
        if (ids.length > 0) {
          const values = await this.redis.hmget(key, ...ids);
          ids.forEach((id, i) => {
            const value = values[i];
            if (typeof value === 'string') raw.set(id, value);
          });
        }
      }
    } catch (err) {
      throw new RedisUnavailableError(this.url, err);
    }
    const base = new Map<string, TrackerEntry>();
    for (const [id, value] of raw) base.set(id, JSON.parse(value) as TrackerEntry);
    // The publish stored the trackers; there is nothing to keep in this process.
    return new TrackerTransaction(tenant, base, () => undefined, raw);
  }

  async tenants(): Promise<string[]> {
    try {
      return await this.redis.smembers(this.keys.trackerTenants);
    } catch (err) {
      throw new RedisUnavailableError(this.url, err, 'the alert sweep was skipped');
    }
  }
}
