import { randomBytes } from 'node:crypto';
import { queuePrefix, type RedisClient } from '@tundra/core/server';
import { Cluster, Redis } from 'ioredis';
import { startRedisServer } from './redis-server.js';

/** A Redis for one test file: where it is, a key prefix of its own, and a way to clean up. */
export interface TestRedis {
  /** The one server's URL (`REDIS_URL`); with a Cluster, its first node's. */
  url: string;
  /** A Redis Cluster's node URLs (`TUNDRA_REDIS_CLUSTER_NODES`); empty for one server. */
  clusterNodes: string[];
  /** Unique to this fixture: pass it to the store and to BullMQ so no two test files share keys. */
  prefix: string;
  /** BullMQ's prefix for this fixture's queues (`queuePrefix(prefix)`), for tests that open a Queue themselves. */
  queuePrefix: string;
  /** A connection for the test's own use (closed by `stop`). */
  client: RedisClient;
  /** A new connection with the options BullMQ wants (closed by `stop`). */
  connect(): RedisClient;
  /** The environment an app started by the test needs to reach this Redis. */
  env: { REDIS_URL: string; TUNDRA_REDIS_CLUSTER_NODES?: string };
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

interface BackingRedis {
  url: string;
  clusterNodes: string[];
  stop(): Promise<void>;
}

async function startBackingRedis(): Promise<BackingRedis> {
  // `pnpm test:cluster` starts a Cluster and names its nodes here; every test file then runs against it.
  const clusterNodes = (process.env.TUNDRA_REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .filter((node) => node !== '');
  if (clusterNodes.length > 0) return { url: clusterNodes[0]!, clusterNodes, stop: async () => undefined };
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, clusterNodes, stop: async () => undefined };
  if (await dockerAnswers()) {
    const { RedisContainer } = await import('@testcontainers/redis');
    const container = await new RedisContainer('redis:7-alpine').start();
    return {
      url: container.getConnectionUrl(),
      clusterNodes,
      stop: async () => void (await container.stop()),
    };
  }
  return { ...(await startRedisServer()), clusterNodes };
}

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

/**
 * A real Redis for a test file: the Cluster `TUNDRA_REDIS_CLUSTER_NODES` names when set, else `REDIS_URL` when set;
 * otherwise a testcontainers Redis when a Docker engine answers; otherwise a `redis-server` process on a free port.
 * Keys live under a random prefix that `stop` deletes.
 */
export async function createTestRedis(): Promise<TestRedis> {
  const backing = await startBackingRedis();
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  const connections: RedisClient[] = [];
  const connect = () => {
    const redis =
      backing.clusterNodes.length > 0
        ? new Cluster(backing.clusterNodes.map(hostPort), { redisOptions: { maxRetriesPerRequest: null } })
        : new Redis(backing.url, { maxRetriesPerRequest: null });
    connections.push(redis);
    return redis;
  };
  const client = connect();
  // Connected before it is handed out: apps that check their connection's state (the API answers 503 while it is not
  // ready) see what they would in production, where the connection is made before serving.
  await client.ping();
  return {
    url: backing.url,
    clusterNodes: backing.clusterNodes,
    prefix,
    queuePrefix: queuePrefix(prefix),
    client,
    connect,
    env: {
      REDIS_URL: backing.url,
      ...(backing.clusterNodes.length > 0
        ? { TUNDRA_REDIS_CLUSTER_NODES: backing.clusterNodes.join(',') }
        : {}),
    },
    async stop() {
      // A Cluster's keys are spread over its primaries: each is scanned.
      const servers = client instanceof Cluster ? client.nodes('master') : [client];
      for (const server of servers) {
        let cursor = '0';
        do {
          const [next, keys] = await server.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          // One UNLINK per key: a Cluster refuses a multi-key command across slots.
          await Promise.all(keys.map((key) => server.unlink(key)));
          cursor = next;
        } while (cursor !== '0');
      }
      await Promise.all(connections.map((redis) => redis.quit().catch(() => redis.disconnect())));
      await backing.stop();
    },
  };
}
