import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { type RedisProcess, startRedisServer } from './redis-server.js';

const run = promisify(execFile);

export interface RedisClusterProcess {
  /** The nodes' URLs, for `TUNDRA_REDIS_CLUSTER_NODES`. */
  nodes: string[];
  /** SIGTERM to every node, then removes their directories. */
  stop(): Promise<void>;
}

/**
 * Starts a real Redis Cluster on loopback: `primaries` `redis-server --cluster-enabled yes` processes (no replicas),
 * each in a directory of its own under one temporary directory, joined with `redis-cli --cluster create`, which
 * splits the 16,384 slots among them. Resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(primaries = 3): Promise<RedisClusterProcess> {
  const root = mkdtempSync(join(tmpdir(), 'tundra-redis-cluster-'));
  const servers: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < primaries; i++) {
      servers.push(
        await startRedisServer({
          dir: join(root, `node-${i}`),
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((server) => `127.0.0.1:${server.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await Promise.all(servers.map((server) => waitForClusterOk(server.url)));
    return { nodes: servers.map((server) => server.url), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until the node has learnt the whole cluster's slot map (`redis-cli --cluster create` returns before). */
async function waitForClusterOk(url: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0 });
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      const info = String(await redis.call('CLUSTER', 'INFO'));
      if (info.includes('cluster_state:ok')) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the Redis Cluster node at ${url} never reported cluster_state:ok`);
  } finally {
    redis.disconnect();
  }
}
