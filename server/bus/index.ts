/** Picks the bus implementation the configuration asks for. */
import type { Config } from '../config';
import { ConfigError } from '../config';
import type { Bus } from './bus';
import { MemoryBus } from './memory';

export type { Bus, BusEvent, BusListener, BusTapListener, UnpublishedEvent } from './bus';
export { MemoryBus } from './memory';

/** Creates the configured bus; a Redis bus is a drop-in implementation of `Bus`. */
export function createBus(config: Pick<Config, 'bus' | 'retention'>): Bus {
  if (config.bus === 'redis') {
    throw new ConfigError(
      'FLEETWIRE_BUS=redis is not available yet: unset FLEETWIRE_BUS (or set it to "memory") to use the in-memory bus',
    );
  }
  return new MemoryBus({ retention: config.retention });
}
