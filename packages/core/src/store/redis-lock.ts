import { randomUUID } from 'node:crypto';
import { ScriptCode } from './codes.js';
import { LuaScript } from './lua-script.js';
import type { RedisClient } from './redis-client.js';

/**
 * A lease-style lock: SET NX PX to take it, compare-and-set to renew or give it back, so a holder that overran its
 * TTL never touches a lock someone else holds by then. For work that must not run twice at once for one key (one
 * run's Taiga write-back, one step's execution), not for correctness across a Redis failover.
 */
export class RedisLock {
  private readonly renewScript = new LuaScript('renew-lock');
  private readonly releaseScript = new LuaScript('release-lock');

  constructor(private readonly redis: RedisClient) {}

  /** The holder's token (the one given, or a new one), or null when the lock is taken. */
  async acquire(key: string, ttlMs: number, token: string = randomUUID()): Promise<string | null> {
    return (await this.redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK' ? token : null;
  }

  /** Extends the lock while `token` still holds it; false when it expired or another holder has it. */
  async renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    const [code] = await this.renewScript.run(this.redis, [key], [token, ttlMs]);
    return code === ScriptCode.Ok;
  }

  async unlock(key: string, token: string): Promise<void> {
    await this.releaseScript.run(this.redis, [key], [token]);
  }
}
