import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * A Redis connection for the store and for BullMQ. `maxRetriesPerRequest: null` is what BullMQ workers need
 * (they block on Redis and must wait through a reconnect rather than fail).
 */
export function createRedis(url: string, logger: Logger, name: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    connectionName: name,
    lazyConnect: true,
  });
  redis.on('error', (error) => logger.warn({ err: error, connection: name }, 'redis connection error'));
  return redis;
}

/** Whether Redis answers a PING, for readiness. */
export async function redisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
