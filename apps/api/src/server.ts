import { createServer } from 'node:http';
import {
  closeServer,
  createRedis,
  currentJobContext,
  JobQueues,
  listen,
  type RunningService,
  redisReachable,
} from '@tundra/core/server';
import { createTaigaClient, type TaigaClientSettings } from '@tundra/taiga';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createApp } from './app.js';
import type { ApiConfig } from './config.js';
import {
  createTaigaItemResolver,
  createTaigaProjectValidator,
  createTaigaTaskRefs,
} from './taiga/taiga-adapters.js';

export interface StartApiOptions {
  config: ApiConfig;
  taiga: TaigaClientSettings;
  logger: Logger;
  registry: Registry;
}

/**
 * Starts the API: the store connection, the job producers, the Taiga client, the HTTP server. Stopping ends the
 * live tails first (the server would wait for them), then the server, then the connections.
 */
export async function startApi(options: StartApiOptions): Promise<RunningService & { port: number }> {
  const { config, logger, registry } = options;
  const redis = createRedis(config.REDIS_URL, logger, 'api-store');
  await redis.connect();
  const queues = new JobQueues(redis, config.TUNDRA_REDIS_PREFIX);
  // A request that works for a run (a start) runs its Taiga calls in that run's context: X-Correlation-Id.
  const taiga = createTaigaClient({ ...options.taiga, registry, logger, context: currentJobContext });
  const api = createApp({
    logger,
    registry,
    redis,
    prefix: config.TUNDRA_REDIS_PREFIX,
    queues,
    adminToken: config.TUNDRA_API_TOKEN,
    validator: createTaigaProjectValidator(taiga),
    resolver: createTaigaItemResolver(taiga),
    taskRefs: createTaigaTaskRefs(taiga),
    links: {
      webUrl: config.TUNDRA_TAIGA_WEB_URL ?? null,
      apiUrl: `${options.taiga.baseUrl.replace(/\/+$/, '')}/api/v1`,
    },
    sseHeartbeatMs: config.TUNDRA_API_SSE_HEARTBEAT_MS,
    readiness: async () => {
      const redisOk = await redisReachable(redis);
      return { ready: redisOk, checks: { redis: redisOk } };
    },
  });
  const server = createServer(api.app);
  const { port } = await listen(server, config.TUNDRA_API_PORT, config.TUNDRA_API_HOST);
  logger.info({ port }, 'api listening');
  return {
    port,
    async stop() {
      api.closeStreams();
      await closeServer(server);
      await queues.close();
      await redis.quit();
    },
  };
}
