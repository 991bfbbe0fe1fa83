/** Logged-out sessions shared by every instance: a Redis key per revoked session, expiring with it. */
import type { RedisBus } from '../bus/redis';
import type { SessionRevocations } from '../plugins/auth';

/** Notice kind on the bus's control stream: every instance closes the session's streams. */
export const REVOKE_SIGNAL = 'revoke';

/** SessionRevocations in Redis; the bus tells every instance so open streams of the session end. */
export class RedisRevocations implements SessionRevocations {
  constructor(private readonly bus: RedisBus) {}

  async revoke(sid: string, untilMs: number): Promise<void> {
    await this.bus.redis.set(this.bus.keys.revoked(sid), '1', 'PXAT', Math.ceil(untilMs));
    await this.bus.signal(REVOKE_SIGNAL, sid);
  }

  async isRevoked(sid: string): Promise<boolean> {
    return (await this.bus.redis.exists(this.bus.keys.revoked(sid))) === 1;
  }
}
