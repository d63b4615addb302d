import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, commonEnv, loadConfig } from '../config/load-config.js';
import { redisTarget } from './redis.js';

const schema = z.object(commonEnv);

describe('where the apps find Redis', () => {
  it('is REDIS_URL, one server, unless cluster nodes are named', () => {
    expect(redisTarget(loadConfig('test', schema, {}))).toEqual({
      url: 'redis://127.0.0.1:6379',
      clusterNodes: [],
    });
  });

  it('is a Redis Cluster through the nodes TUNDRA_REDIS_CLUSTER_NODES lists, spaces and empty items ignored', () => {
    const config = loadConfig('test', schema, {
      TUNDRA_REDIS_CLUSTER_NODES: 'redis://10.0.0.1:7001, rediss://:secret@10.0.0.2:7002,',
    });
    expect(redisTarget(config).clusterNodes).toEqual([
      'redis://10.0.0.1:7001',
      'rediss://:secret@10.0.0.2:7002',
    ]);
  });

  it.each(['10.0.0.1:7001', 'http://10.0.0.1:7001', ' , '])('refuses %j, naming the variable', (nodes) => {
    const attempt = () => loadConfig('test', schema, { TUNDRA_REDIS_CLUSTER_NODES: nodes });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/TUNDRA_REDIS_CLUSTER_NODES: expected (at least one|comma-separated)/);
  });
});
