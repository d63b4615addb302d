import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisClient } from '../store/redis-client.js';

/**
 * Where Tundra's Redis is: one server (`url`), or a Redis Cluster reached through some of its nodes (`clusterNodes`
 * non-empty; the client discovers the others and follows slot moves).
 */
export interface RedisTarget {
  url: string;
  clusterNodes: readonly string[];
}

/** The target the common settings name (`REDIS_URL`, `TUNDRA_REDIS_CLUSTER_NODES`). */
export function redisTarget(config: {
  REDIS_URL: string;
  TUNDRA_REDIS_CLUSTER_NODES?: readonly string[];
}): RedisTarget {
  return { url: config.REDIS_URL, clusterNodes: config.TUNDRA_REDIS_CLUSTER_NODES ?? [] };
}

/** Host and port of a node URL, for ioredis's Cluster; its credentials and TLS go to every node's options. */
function clusterNode(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}

function nodeOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A connection to the target with the given per-connection options: a `Redis` for one server, a `Cluster` for a
 * cluster, whose `enableOfflineQueue` applies to the cluster as a whole and whose other options go to each node.
 */
function connectTo(
  target: RedisTarget,
  options: RedisOptions,
  clusterOptions: Omit<ClusterOptions, 'redisOptions'> = {},
): RedisClient {
  if (target.clusterNodes.length === 0) return new Redis(target.url, options);
  const { enableOfflineQueue, lazyConnect, ...perNode } = options;
  return new Cluster(target.clusterNodes.map(clusterNode), {
    ...clusterOptions,
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    redisOptions: { ...nodeOptions(target.clusterNodes[0]!), ...perNode },
  });
}

/**
 * Reads go to a Cluster's primaries (ioredis's default, named on purpose): a replica lags, and Tundra reads what it
 * has just written (a run after its transition, a job after its add).
 */
const primariesOnly: Omit<ClusterOptions, 'redisOptions'> = { scaleReads: 'master' };

/**
 * A Cluster's options for a connection that waits through an outage. While a primary is down and until its replica
 * is promoted (`cluster-node-timeout`, 15 s by default, plus an election), ioredis retries a command of its slots
 * every 100 ms (`retryDelayOnFailover`, `retryDelayOnClusterDown`: the refused connection, then `CLUSTERDOWN` once
 * the Cluster has marked the primary failed), refreshing the slot map each time, and counts each retry against
 * `maxRedirections`. Its default (16) gives up after about 1.6 s, so a handler's transition or enqueue failed in the
 * middle of every failover (`Too many Cluster redirections`) and the step it carried was interrupted. With no limit,
 * the command waits for the new primary, as `maxRetriesPerRequest: null` waits for one server to come back.
 */
const clusterWaitThroughFailover: Omit<ClusterOptions, 'redisOptions'> = {
  ...primariesOnly,
  maxRedirections: Number.POSITIVE_INFINITY,
};

export interface RedisConnectionOptions {
  /**
   * Commands fail at once while the connection is down instead of waiting for the reconnect: for request paths
   * that must answer quickly (the operator API answers 503). Without it a command waits through any outage, which
   * BullMQ workers need (they block on Redis and must not fail), and which the ingester bounds itself.
   */
  failFast?: boolean;
  /**
   * The connection BullMQ's workers use (and duplicate for their blocking BZPOPMIN). On a Cluster it keeps ioredis's
   * bound of about 1.6 s of retries, and a worker's loop issues a failed command again by itself. Without the bound a
   * worker sometimes took no more jobs after a failover (once in 8 runs of the failover test, once in 6 failovers of
   * a bare worker; with it, none in 6): likely its BZPOPMIN, retried past BullMQ's watchdog (block time + 1 s), which
   * then reconnects the client under it.
   */
  bullmqWorkers?: boolean;
}

/**
 * A Redis connection for the store and for BullMQ. It reconnects by itself and says so: a warning for each error,
 * and `redis connection restored` (info) once it is back after a drop.
 */
export function createRedis(
  target: RedisTarget,
  logger: Logger,
  name: string,
  options: RedisConnectionOptions = {},
): RedisClient {
  const redis = connectTo(
    target,
    {
      connectionName: name,
      lazyConnect: true,
      ...(options.failFast
        ? { maxRetriesPerRequest: 0, enableOfflineQueue: false }
        : { maxRetriesPerRequest: null }),
    },
    // A fail-fast connection keeps the bound too: the API answers 503 after those 1.6 s.
    options.failFast || options.bullmqWorkers ? primariesOnly : clusterWaitThroughFailover,
  );
  redis.on('error', (error) => logger.warn({ err: error, connection: name }, 'redis connection error'));
  logRestores(redis, logger, name);
  return redis;
}

/**
 * A new connection to the same Redis as `redis` (one server or the same Cluster), named, not yet connected: for a
 * reader that blocks (XREAD BLOCK) and must not hold up the shared connection's other commands.
 */
export function duplicateRedis(redis: RedisClient, name: string): RedisClient {
  if (redis instanceof Cluster) {
    return redis.duplicate([], {
      lazyConnect: true,
      redisOptions: { ...redis.options.redisOptions, connectionName: name },
    });
  }
  return redis.duplicate({ lazyConnect: true, connectionName: name });
}

/** Logs `redis connection restored` (info) each time the connection is ready again after a drop. */
function logRestores(redis: RedisClient, logger: Logger, name: string): void {
  let dropped = false;
  redis.on('close', () => {
    dropped = true;
  });
  redis.on('ready', () => {
    if (!dropped) return;
    dropped = false;
    logger.info({ connection: name }, 'redis connection restored');
  });
}

/** Whether every one of the connections is up now (ioredis's own view; no command is sent). */
export function connectionsReady(...connections: RedisClient[]): boolean {
  return connections.every((connection) => connection.status === 'ready');
}

/** How long a readiness PING may take before Redis counts as unreachable. */
export const readinessPingTimeoutMs = 1_000;

/**
 * Readiness's own connection to Redis. It never queues a command (a PING while it is down fails at once) and never
 * retries one, reconnects every 200 ms while Redis is gone, and each PING has a time limit: `/ready` answers within
 * that limit whatever Redis does, instead of waiting on a connection that waits out the outage.
 */
export interface RedisProbe {
  /** Whether Redis answered PING within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function createRedisProbe(
  target: RedisTarget,
  logger: Logger,
  name: string,
): Promise<RedisProbe> {
  const redis = connectTo(
    target,
    {
      connectionName: name,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: readinessPingTimeoutMs,
      retryStrategy: () => 200,
    },
    { clusterRetryStrategy: () => 200 },
  );
  // The store's connections report the outage; the probe's own errors would only repeat them five times a second.
  redis.on('error', () => undefined);
  logRestores(redis, logger, name);
  await redis.connect();
  return {
    async ping(timeoutMs = readinessPingTimeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      try {
        return await Promise.race([
          redis.ping().then(
            (reply) => reply === 'PONG',
            () => false,
          ),
          late,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      logger.debug({ connection: name }, 'readiness probe closed');
    },
  };
}

/**
 * Whether an error means Redis could not be reached (the connection is down or dropped the command), as opposed
 * to an error Redis answered with or a bug: the API answers the first kind 503.
 */
export function isRedisUnavailable(error: unknown, connection: RedisClient): boolean {
  if (connection.status !== 'ready') return true;
  if (!(error instanceof Error)) return false;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    // A Cluster that lost every node, or is (re)discovering its slots with the offline queue off.
    error.name === 'ClusterAllFailedError' ||
    error.message.startsWith("Cluster isn't ready") ||
    // A Cluster's primary is down and not yet failed over: ioredis retried its slot until `maxRedirections`.
    error.message.startsWith('Too many Cluster redirections') ||
    error.message === 'Connection is closed.' ||
    error.message.startsWith("Stream isn't writeable")
  );
}
