import type { Cluster, Redis } from 'ioredis';

/**
 * A connection to Tundra's Redis: one server (`Redis`) or a Redis Cluster (`Cluster`, which routes each command to
 * the primary of its key's slot). Both speak the same commands; the store's code takes either. What differs is
 * only that a script, a MULTI or a pipeline on a Cluster must keep its keys in one slot (see keys.ts).
 */
export type RedisClient = Redis | Cluster;
