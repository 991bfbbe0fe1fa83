/**
 * The fleet store in Redis: every instance answers the same `/api/fleet`. The Redis bus writes last
 * state, history and alerts in the same script as the stream entries, so a snapshot read in one
 * transaction always agrees with its `lastEventId`.
 */
import type { Redis } from 'ioredis';
import type { Alert, FleetSnapshot, Telemetry, TruckInfo, TruckSnapshot } from '../../src/shared/fleet';
import type { BusEvent } from '../bus';
import { RedisUnavailableError } from '../bus/redis';
import type { LiveState } from '../live-state';
import type { RedisKeys } from './keys';

/** Splits `<a>|<b>|<rest>` (rest may contain `|`). */
function splitRecord(value: string, parts: 2 | 3): string[] {
  const out: string[] = [];
  let from = 0;
  for (let i = 0; i < parts - 1; i++) {
    const bar = value.indexOf('|', from);
    if (bar < 0) return [];
    out.push(value.slice(from, bar));
    from = bar + 1;
  }
  out.push(value.slice(from));
  return out;
}

/** A LiveState whose state lives in Redis; truck identities are cached here for ingest's lookups. */
export class RedisLiveState implements LiveState {
  /**
   * Truck identities by id. Ingest looks up every sample's truck; a round trip each would cost more
   * than the publish. Kept current by `truck` events from the read loop (every instance sees them)
   * and cleared when Redis loses its data.
   */
  private readonly cache = new Map<string, TruckInfo>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly url: string,
  ) {}

  async putTruck(info: TruckInfo): Promise<void> {
    try {
      await this.redis
        .multi()
        .hset(this.keys.trucks(info.tenant), info.id, JSON.stringify(info))
        .hset(this.keys.trucksAll, info.id, JSON.stringify(info))
        .exec();
    } catch (err) {
      throw new RedisUnavailableError(this.url, err, 'the truck was not registered');
    }
    this.cache.set(info.id, info);
  }

  async truck(id: string): Promise<TruckInfo | undefined> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    let raw: string | null;
    try {
      raw = await this.redis.hget(this.keys.trucksAll, id);
    } catch (err) {
      throw new RedisUnavailableError(this.url, err, 'the truck cannot be looked up');
    }
    if (raw === null) return undefined;
    const info = JSON.parse(raw) as TruckInfo;
    this.cache.set(id, info);
    return info;
  }

  /** The bus already stored these events; only the local identity cache follows `truck` events. */
  apply(_tenant: string, events: readonly BusEvent[]): void {
    for (const event of events) if (event.type === 'truck') this.cache.set(event.data.id, event.data);
  }

  /** Drops cached identities (Redis lost its data). */
  forget(): void {
    this.cache.clear();
  }

  async snapshot(tenant: string, epoch: string): Promise<FleetSnapshot> {
    const k = this.keys;
    let results: [Error | null, unknown][] | null;
    try {
      // One transaction: the trucks, their states and alerts, and the last id all describe the same moment.
      results = await this.redis
        .multi()
        .get(k.epoch)
        .get(k.lastId(tenant))
        .hgetall(k.trucks(tenant))
        .hgetall(k.lastState(tenant))
        .hgetall(k.alerts(tenant))
        .exec();
    } catch (err) {
      throw new RedisUnavailableError(this.url, err, 'the fleet cannot be read');
    }
    if (!results) throw new RedisUnavailableError(this.url, new Error('transaction aborted'), 'the fleet cannot be read');
    for (const [err] of results) if (err) throw err;
    const [currentEpoch, lastId, trucks, states, alerts] = results.map(([, v]) => v) as [
      string | null,
      string | null,
      Record<string, string>,
      Record<string, string>,
      Record<string, string>,
    ];
    const alertsByTruck = new Map<string, Alert[]>();
    for (const raw of Object.values(alerts)) {
      const alert = JSON.parse(raw) as Alert;
      alertsByTruck.set(alert.truckId, [...(alertsByTruck.get(alert.truckId) ?? []), alert]);
    }
    const out: TruckSnapshot[] = [];
    for (const [id, raw] of Object.entries(trucks)) {
      const info = JSON.parse(raw) as TruckInfo;
      const state = states[id];
      const [, eventId, json] = state ? splitRecord(state, 3) : [];
      const list = (alertsByTruck.get(id) ?? []).sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
      out.push({
        ...info,
        last: json ? (JSON.parse(json) as Telemetry) : null,
        lastEventId: eventId ?? null,
        alerts: list,
      });
    }
    out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { epoch: currentEpoch ?? epoch, lastEventId: lastId, trucks: out };
  }

  async history(truckId: string, since: number): Promise<Telemetry[]> {
    let members: string[];
    try {
      members = await this.redis.zrangebyscore(this.keys.history(truckId), since, '+inf');
    } catch (err) {
      throw new RedisUnavailableError(this.url, err, 'the history cannot be read');
    }
    const out: Telemetry[] = [];
    for (const m of members) {
      const [, json] = splitRecord(m, 2);
      if (json) out.push(JSON.parse(json) as Telemetry);
    }
    return out;
  }
}
