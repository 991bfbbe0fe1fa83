/**
 * The Lua scripts of the Redis bus. A script runs atomically and alone on the Redis server, so a
 * published batch — stream entries, last state, alerts, alert trackers — is stored whole or
 * not at all, and every guard (epoch, tracker compare-and-set) is checked before the first write.
 */
import type { Redis } from 'ioredis';

/**
 * Returns the epoch, creating it when missing (first start, FLUSHALL, restart without persistence).
 * The epoch is Redis's clock in ms minus one, taken in its own script: every entry appended later
 * has a larger id, so `<epoch>-0` means "before the first event of this epoch" and any id below it
 * belongs to data that is gone.
 */
const ENSURE_EPOCH = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  local t = redis.call('TIME')
  epoch = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - 1)
  redis.call('SET', KEYS[1], epoch)
end
return epoch
`;

/**
 * Publishes one batch. KEYS: 1 epoch, 2 stream, 3 last id, 4 tenants, 5 control, 6 tenant trucks,
 * 7 last state, 8 alerts, 9 alert trackers, 10 tracker tenants. ARGV: 1 expected epoch, 2 retention,
 * 3 tenant, 4 event count, 5 guarded write count, then 4 per event (type, data JSON, a, b), then 3 per
 * write (field, expected: '' = absent or '=' .. value, next). Replies {'ok', epoch, {ids}},
 * {'epoch', current or ''} or {'conflict', field}; nothing is written unless it replies 'ok'.
 * Telemetry history lives in the database (server/store/history.ts), not here.
 */
const PUBLISH = `
local epoch = redis.call('GET', KEYS[1])
if epoch ~= ARGV[1] then return {'epoch', epoch or ''} end
local n = tonumber(ARGV[4])
local w = tonumber(ARGV[5])
local wbase = 6 + 4 * n
for j = 0, w - 1 do
  local field = ARGV[wbase + 3 * j]
  local expected = ARGV[wbase + 3 * j + 1]
  local current = redis.call('HGET', KEYS[9], field)
  if expected == '' then
    if current then return {'conflict', field} end
  elseif (not current) or ('=' .. current) ~= expected then
    return {'conflict', field}
  end
end
local ids = {}
for i = 0, n - 1 do
  local t, d, a, b = ARGV[6 + 4 * i], ARGV[7 + 4 * i], ARGV[8 + 4 * i], ARGV[9 + 4 * i]
  local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 't', t, 'd', d, 'e', epoch)
  ids[i + 1] = id
  if t == 'telemetry' then
    local current = redis.call('HGET', KEYS[7], a)
    local currentTs = current and tonumber(string.match(current, '^([^|]+)|'))
    if (not currentTs) or tonumber(b) >= currentTs then
      redis.call('HSET', KEYS[7], a, b .. '|' .. id .. '|' .. d)
    end
  elseif t == 'alert' then
    if b == 'active' then redis.call('HSET', KEYS[8], a, d) else redis.call('HDEL', KEYS[8], a) end
  elseif t == 'truck' then
    redis.call('HSET', KEYS[6], a, d)
  end
end
if n > 0 then
  redis.call('SET', KEYS[3], ids[n])
  if redis.call('SADD', KEYS[4], ARGV[3]) == 1 then
    redis.call('XADD', KEYS[5], 'MAXLEN', '~', '1000', '*', 'k', 'tenant', 'v', ARGV[3], 'e', epoch)
  end
end
for j = 0, w - 1 do
  redis.call('HSET', KEYS[9], ARGV[wbase + 3 * j], ARGV[wbase + 3 * j + 2])
end
if w > 0 then redis.call('SADD', KEYS[10], ARGV[3]) end
return {'ok', epoch, ids}
`;

type ScriptCall = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

/** The scripts, loaded once per connection (EVALSHA with EVAL as fallback, by ioredis). */
export interface FleetwireScripts {
  ensureEpoch(epochKey: string): Promise<string>;
  publish(keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/** Defines the scripts on a connection. */
export function defineScripts(redis: Redis): FleetwireScripts {
  redis.defineCommand('fleetwireEnsureEpoch', { lua: ENSURE_EPOCH });
  redis.defineCommand('fleetwirePublish', { lua: PUBLISH });
  // defineCommand adds methods at run time; they are typed here, once.
  const commands = redis as unknown as { fleetwireEnsureEpoch: ScriptCall; fleetwirePublish: ScriptCall };
  return {
    ensureEpoch: async (epochKey) => String(await commands.fleetwireEnsureEpoch(1, epochKey)),
    publish: (keys, args) => commands.fleetwirePublish(keys.length, ...keys, ...args),
  };
}
