/** Picks the bus implementation the configuration asks for. */
import type { Config } from '../config';
import type { Bus } from './bus';
import { MemoryBus } from './memory';
import { RedisBus, type BusLogger } from './redis';

export type { Bus, BusEvent, BusHealth, BusListener, BusStats, BusTapListener, GuardedWrite, PublishOptions, ReplayPage, UnpublishedEvent } from './bus';
export { PublishConflictError, REPLAY_PAGE } from './bus';
export { MemoryBus } from './memory';
export { RedisBus } from './redis';

/** Creates the configured bus; a RedisBus must be `start()`ed before use (buildApp does). */
export function createBus(config: Pick<Config, 'bus' | 'retention' | 'redisUrl' | 'redisPrefix'>, log?: BusLogger): Bus {
  if (config.bus === 'redis') {
    return new RedisBus({ url: config.redisUrl, prefix: config.redisPrefix, retention: config.retention, log });
  }
  return new MemoryBus({ retention: config.retention });
}
