/** The Redis key layout shared by the Redis bus, fleet store, alert trackers and sessions. */

/** Every key fleetwire uses in Redis, under one prefix. */
export interface RedisKeys {
  readonly prefix: string;
  /** String: epoch ms of this Redis's data; a flush or a restart without persistence changes it. */
  readonly epoch: string;
  /** Set of tenants that have a stream. */
  readonly tenants: string;
  /** Stream of instance-to-instance notices (new tenant, revoked session), read by the same loop. */
  readonly control: string;
  /** Set of tenants with alert trackers (the alert sweep's work list). */
  readonly trackerTenants: string;
  /** Prefix of the request limits' counters (server/limits.ts). */
  readonly rateLimit: string;
  /** Stream of a tenant's events; entry id = SSE event id. */
  stream(tenant: string): string;
  /** String: id of the tenant's newest event (written with it, so snapshots agree with the stream). */
  lastId(tenant: string): string;
  /** Hash truck id → TruckInfo JSON, one tenant. */
  trucks(tenant: string): string;
  /** Hash truck id → `<ts>|<event id>|<telemetry JSON>`: last state per truck. */
  lastState(tenant: string): string;
  /** Hash alert id → Alert JSON of active alerts. */
  alerts(tenant: string): string;
  /** Hash truck id → alert tracker JSON. */
  trackers(tenant: string): string;
  /** String with an expiry: a logged-out session id. */
  revoked(sid: string): string;
  /** String with an expiry: which instance acts on a change every instance heard of. */
  claim(digest: string): string;
}

/** The key layout under `prefix` (e.g. `fleetwire:`). */
export function redisKeys(prefix: string): RedisKeys {
  return {
    prefix,
    epoch: `${prefix}epoch`,
    tenants: `${prefix}tenants`,
    control: `${prefix}control`,
    trackerTenants: `${prefix}alert-tenants`,
    rateLimit: `${prefix}rate-limit:`,
    stream: (tenant) => `${prefix}stream:${tenant}`,
    lastId: (tenant) => `${prefix}last-id:${tenant}`,
    trucks: (tenant) => `${prefix}trucks:${tenant}`,
    lastState: (tenant) => `${prefix}last:${tenant}`,
    alerts: (tenant) => `${prefix}alerts:${tenant}`,
    trackers: (tenant) => `${prefix}alert-trackers:${tenant}`,
    revoked: (sid) => `${prefix}revoked:${sid}`,
    claim: (digest) => `${prefix}claim:${digest}`,
  };
}
