import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freeClusterPort } from './free-port.js';
import { type RedisProcess, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /**
   * Replicas of each primary (0 by default). With one or more, the Cluster fails over by itself: when a primary
   * stops answering for `nodeTimeoutMs`, the other primaries mark it failed and promote one of its replicas.
   */
  replicas?: number;
  /** `cluster-node-timeout`: how long a node may not answer before it counts as failed (5,000 ms by default). */
  nodeTimeoutMs?: number;
}

/** One `redis-server` of the Cluster, primary or replica (which it is changes with failovers: ask `primaryFor`). */
export interface RedisClusterNode {
  url: string;
  port: number;
  /** SIGKILL, as a crash: its directory (and `nodes.conf`) stays for `restart`. */
  kill(): Promise<void>;
  /**
   * Starts a killed node again on its port from its directory (nothing when it runs). It rejoins the Cluster with the
   * identity its `nodes.conf` keeps; a primary whose slots were taken over meanwhile comes back as a replica of the
   * new primary.
   */
  start(): Promise<void>;
}

export interface RedisClusterProcess {
  /** The nodes' URLs, for `TUNDRA_REDIS_CLUSTER_NODES`. */
  nodes: string[];
  /** Every node, in the order of `nodes`. */
  members: RedisClusterNode[];
  /** The node that is the primary of the key's slot now, as the live nodes see it (`CLUSTER KEYSLOT`, `SHARDS`). */
  primaryFor(key: string): Promise<RedisClusterNode>;
  /**
   * Resolves once the Cluster is whole again in the eyes of every live node: `cluster_state:ok` with all 16,384
   * slots served, each slot's primary a live node, and every other live node a replica whose link to its primary is
   * up and whose copy is done (so that it can take over). After a kill, that is the moment the failover has ended.
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  /** SIGTERM to every live node, then removes their directories. */
  stop(): Promise<void>;
}

/** How often the Cluster's own state is asked while waiting on it. */
const pollMs = 50;

/**
 * Starts a real Redis Cluster on loopback: `primaries` × (1 + `replicas`) `redis-server --cluster-enabled yes`
 * processes, each in a directory of its own under one temporary directory, joined with `redis-cli --cluster create
 * --cluster-replicas`, which splits the 16,384 slots among the primaries and gives each its replicas. Resolves once
 * the Cluster is healthy (`waitUntilHealthy`), never after a fixed time.
 */
export async function startRedisCluster(
  primaries = 3,
  options: RedisClusterOptions = {},
): Promise<RedisClusterProcess> {
  const replicas = options.replicas ?? 0;
  const nodeArgs = [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    'nodes.conf',
    '--cluster-node-timeout',
    String(options.nodeTimeoutMs ?? 5000),
  ];
  const root = mkdtempSync(join(tmpdir(), 'tundra-redis-cluster-'));
  const servers: RedisProcess[] = [];
  const alive = new Set<number>();
  const stop = async () => {
    await Promise.all(servers.filter((server) => alive.has(server.port)).map((server) => server.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  const members = (): RedisClusterNode[] =>
    servers.map((server, index) => ({
      url: server.url,
      port: server.port,
      async kill() {
        await servers[index]!.kill();
        alive.delete(server.port);
      },
      async start() {
        if (alive.has(server.port)) return;
        servers[index] = await startRedisServer({ dir: server.dir, port: server.port, args: nodeArgs });
        alive.add(server.port);
      },
    }));
  try {
    for (let i = 0; i < primaries * (1 + replicas); i++) {
      const server = await startRedisServer({
        dir: join(root, `node-${i}`),
        port: await freeClusterPort(),
        args: nodeArgs,
      });
      servers.push(server);
      alive.add(server.port);
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((server) => `127.0.0.1:${server.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
    const cluster: RedisClusterProcess = {
      nodes: servers.map((server) => server.url),
      members: members(),
      async primaryFor(key) {
        const port = await withNode(anyLive(alive), async (redis) => {
          const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
          const shard = (await shards(redis)).find((one) =>
            one.slots.some(([start, end]) => slot >= start && slot <= end),
          );
          const primary = shard?.nodes.find((node) => node.role === 'master');
          if (!primary) throw new Error(`no primary serves slot ${slot} (key ${key})`);
          return primary.port;
        });
        return cluster.members.find((member) => member.port === port)!;
      },
      waitUntilHealthy: (timeoutMs = 30_000) => waitUntilHealthy(alive, timeoutMs),
      stop,
    };
    await cluster.waitUntilHealthy();
    return cluster;
  } catch (error) {
    await stop();
    throw error;
  }
}

function anyLive(alive: ReadonlySet<number>): number {
  const [port] = alive;
  if (port === undefined) throw new Error('no node of the Redis Cluster is running');
  return port;
}

async function withNode<T>(port: number, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 0, lazyConnect: true });
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

interface ShardNode {
  port: number;
  role: string;
  health: string;
}

interface Shard {
  slots: [number, number][];
  nodes: ShardNode[];
}

/** `CLUSTER SHARDS` (Redis 7), whose replies are flat `[name, value, …]` lists, as objects. */
async function shards(redis: Redis): Promise<Shard[]> {
  const reply = (await redis.call('CLUSTER', 'SHARDS')) as unknown[][];
  return reply.map((flat) => {
    const shard = pairs(flat);
    const slots = (shard.slots as number[]) ?? [];
    const ranges: [number, number][] = [];
    for (let i = 0; i < slots.length; i += 2) ranges.push([Number(slots[i]), Number(slots[i + 1])]);
    const nodes = ((shard.nodes as unknown[][]) ?? []).map((node) => {
      const fields = pairs(node);
      return { port: Number(fields.port), role: String(fields.role), health: String(fields.health) };
    });
    return { slots: ranges, nodes };
  });
}

function pairs(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** What is still missing for the Cluster to count as healthy in one live node's eyes, or null when nothing is. */
async function missing(port: number, alive: ReadonlySet<number>): Promise<string | null> {
  return withNode(port, async (redis) => {
    const info = String(await redis.call('CLUSTER', 'INFO'));
    if (!info.includes('cluster_state:ok')) return 'cluster_state is not ok';
    if (!info.includes('cluster_slots_ok:16384')) return 'not every slot is served';
    const serving = new Set<number>();
    for (const shard of await shards(redis)) {
      if (shard.slots.length === 0) continue;
      const primary = shard.nodes.find((node) => node.role === 'master' && node.health === 'online');
      if (!primary || !alive.has(primary.port)) return `slots ${shard.slots[0]} have no live primary`;
      serving.add(primary.port);
    }
    const replication = String(await redis.info('replication'));
    if (replication.includes('role:master')) {
      // A killed primary started again comes back as a primary without slots, and only then turns into a replica of
      // the node that took them over: until it has, and has copied its data, it could not take over in turn.
      return serving.has(port) ? null : 'a primary without slots, not yet a replica';
    }
    if (!replication.includes('master_link_status:up')) return 'its link to its primary is down';
    if (!replication.includes('master_sync_in_progress:0')) return 'it is still copying its primary';
    return null;
  });
}

async function waitUntilHealthy(alive: ReadonlySet<number>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reasons = await Promise.all(
      [...alive].map(async (port) => {
        const reason = await missing(port, alive).catch((error: Error) => error.message);
        return reason === null ? null : `127.0.0.1:${port}: ${reason}`;
      }),
    );
    const unhealthy = reasons.filter((reason) => reason !== null);
    if (unhealthy.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`the Redis Cluster is not healthy after ${timeoutMs} ms: ${unhealthy.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
