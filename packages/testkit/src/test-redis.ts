import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startRedisServer } from './redis-server.js';

/** A Redis for one test file: where it is, a key prefix of its own, and a way to clean up. */
export interface TestRedis {
  url: string;
  /** Unique to this fixture: pass it to the store and to BullMQ so no two test files share keys. */
  prefix: string;
  /** A connection for the test's own use (closed by `stop`). */
  client: Redis;
  /** A new connection with the options BullMQ wants (closed by `stop`). */
  connect(): Redis;
  stop(): Promise<void>;
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function startBackingRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  if (await dockerAnswers()) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    return { url: container.getConnectionUrl(), stop: async () => void (await container.stop()) };
  }
  return startRedisServer();
}

/**
 * A real Redis for a test file: `REDIS_URL` when set; otherwise a testcontainers Redis when a Docker engine
 * answers; otherwise a `redis-server` process on a free port. Keys live under a random prefix that `stop` deletes.
 */
export async function createTestRedis(): Promise<TestRedis> {
  const backing = await startBackingRedis();
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const connections: Redis[] = [];
  const connect = () => {
    const redis = new Redis(backing.url, { maxRetriesPerRequest: null });
    connections.push(redis);
    return redis;
  };
  const client = connect();
  return {
    url: backing.url,
    prefix,
    client,
    connect,
    async stop() {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        if (keys.length > 0) await client.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
      await Promise.all(connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
      await backing.stop();
    },
  };
}
