import { createKeys, type Keys } from './keys.js';
import { loadStoreScripts, type StoreScripts } from './lua-script.js';
import type { RedisClient } from './redis-client.js';

export interface StoreOptions {
  redis: RedisClient;
  /** Key prefix; defaults to `tundra`. Tests pass their own so they never share keys. */
  prefix?: string;
  /** The clock; injected so tests and replays can fix time. */
  now?: () => Date;
  /** Approximate cap of each run's event stream. */
  runStreamMaxLen?: number;
  /** Approximate cap of the project's event stream. */
  projectStreamMaxLen?: number;
  /** How long an idempotency key is remembered. */
  idempotencyTtlSeconds?: number;
}

/** What every store class shares: the connection, the keys, the scripts and the limits. */
export interface StoreContext {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly scripts: StoreScripts;
  readonly now: () => Date;
  readonly runStreamMaxLen: number;
  readonly projectStreamMaxLen: number;
  readonly idempotencyTtlSeconds: number;
}

export function createStoreContext(options: StoreOptions): StoreContext {
  return {
    redis: options.redis,
    keys: createKeys(options.prefix),
    scripts: loadStoreScripts(),
    now: options.now ?? (() => new Date()),
    runStreamMaxLen: options.runStreamMaxLen ?? 10_000,
    projectStreamMaxLen: options.projectStreamMaxLen ?? 100_000,
    idempotencyTtlSeconds: options.idempotencyTtlSeconds ?? 7 * 24 * 3600,
  };
}
