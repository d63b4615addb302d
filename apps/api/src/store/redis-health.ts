import { connectionsReady, isRedisUnavailable, type RedisClient } from '@tundra/core/server';

/**
 * What the API asks of its Redis connection outside the repositories: whether it is up, and whether an error came
 * from its being down (answered 503 with Retry-After, not 500).
 */
export class RedisHealth {
  constructor(private readonly redis: RedisClient) {}

  ready(): boolean {
    return connectionsReady(this.redis);
  }

  isOutage(error: unknown): boolean {
    return isRedisUnavailable(error, this.redis);
  }
}
