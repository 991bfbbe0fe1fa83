/**
 * The fleet's live state in Redis: every instance answers the same `/api/fleet`. The Redis bus writes last
 * state and alerts in the same script as the stream entries, so a snapshot read in one
 * transaction always agrees with its `lastEventId`.
 */
import type { Redis } from 'ioredis';
import type { Alert, FleetSnapshot, Telemetry, TruckInfo, TruckSnapshot } from '../../src/shared/fleet';
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

/** A LiveState whose state lives in Redis, written by the bus's publish script. */
export class RedisLiveState implements LiveState {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly url: string,
  ) {}

  async putTruck(info: TruckInfo): Promise<void> {
    try {
      await this.redis.hset(this.keys.trucks(info.tenant), info.id, JSON.stringify(info));
    } catch (err) {
      throw new RedisUnavailableError(this.url, err, 'the truck was not registered');
    }
  }

  /** The bus's script already stored these events. */
  apply(): void {
    // Nothing to do here: the script wrote last state and alerts atomically with the entries.
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
}
