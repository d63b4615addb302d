import { createHash } from 'node:crypto';
import { assertOneSlot } from './key-slots.js';
import type { RedisClient } from './redis-client.js';
import { loadLuaScript } from './script-loader.js';

/**
 * One Lua script, loaded once at start and run by its SHA. A Redis that lost its script cache (a restart, a
 * failover) answers NOSCRIPT, and the script is sent again in full. Its keys must share one Redis Cluster slot,
 * checked before each run (`assertOneSlot`).
 */
export class LuaScript {
  readonly sha: string;
  private readonly body: string;

  /** `dir` holds `<name>.lua`; the core store's own scripts by default. */
  constructor(
    readonly name: string,
    dir?: string,
  ) {
    this.body = loadLuaScript(name, dir);
    this.sha = createHash('sha1').update(this.body).digest('hex');
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number | Buffer)[],
  ): Promise<unknown[]> {
    assertOneSlot(this.name, keys);
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as unknown[];
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('NOSCRIPT')) {
        return (await redis.eval(this.body, keys.length, ...keys, ...args)) as unknown[];
      }
      throw error;
    }
  }
}

/** The store's scripts, one per atomic operation. */
export function loadStoreScripts() {
  return {
    storePlan: new LuaScript('store-plan'),
    putProject: new LuaScript('put-project'),
  } as const;
}
export type StoreScripts = ReturnType<typeof loadStoreScripts>;
