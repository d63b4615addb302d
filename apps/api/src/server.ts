import {
  closeServer,
  connectionsReady,
  createHttpServer,
  createRedis,
  createRedisProbe,
  currentJobContext,
  httpTimeouts,
  JobQueues,
  listen,
  RateLimitedLog,
  type RunningService,
  redisTarget,
} from '@tundra/core/server';
import { createTaigaClient, type TaigaClientSettings } from '@tundra/taiga';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { apiErrorBody, createApp } from './app.js';
import type { ApiConfig } from './config.js';
import { apiReports } from './reports/api-reports.js';
import {
  createTaigaItemResolver,
  createTaigaProjectValidator,
  createTaigaTaskRefs,
} from './taiga/taiga-adapters.js';
import { createTaigaWebhooks } from './taiga/taiga-webhooks.js';

/** Hands one inbox entry to the ingester's replay endpoint, with the admin token it shares with the API. */
function ingesterReplay(baseUrl: string, adminToken: string) {
  return async (deliveryId: string) => {
    const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/admin/inbox/replay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      // `eventId`, the name ingesters before and after its rename to `deliveryId` both take: the API and the
      // ingester are upgraded one after the other.
      body: JSON.stringify({ eventId: deliveryId }),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  };
}

export interface StartApiOptions {
  config: ApiConfig;
  taiga: TaigaClientSettings;
  logger: Logger;
  registry: Registry;
  /** A project's webhook key by its variable's name; the process environment by default (shared with the ingester). */
  webhookKey?: (ref: string) => string | undefined;
}

/**
 * Starts the API: the store connection, the job producers, the Taiga client, the HTTP server. Stopping ends the
 * live tails first (the server would wait for them), then the server, then the connections.
 */
export async function startApi(options: StartApiOptions): Promise<RunningService & { port: number }> {
  const { config, logger, registry } = options;
  // Fail fast: a request during a Redis outage is answered 503 at once rather than held until Redis is back.
  const redis = createRedis(redisTarget(config), logger, 'api-store', { failFast: true });
  await redis.connect();
  const probe = await createRedisProbe(redisTarget(config), logger, 'api-readiness');
  const queues = new JobQueues(redis, config.TUNDRA_REDIS_PREFIX);
  // A request that works for a run (a start) runs its Taiga calls in that run's context: X-Correlation-Id.
  const taiga = createTaigaClient({ ...options.taiga, registry, logger, context: currentJobContext });
  const timeouts = httpTimeouts(config);
  const rejectionLog = new RateLimitedLog(logger, config.TUNDRA_REJECTION_LOG_INTERVAL_MS);
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
    bodyTimeoutMs: timeouts.bodyTimeoutMs,
    rejectionLog,
    webhooks: createTaigaWebhooks(taiga, {
      ingesterPublicUrl: config.TUNDRA_INGESTER_PUBLIC_URL ?? null,
      webhookKey: options.webhookKey ?? ((ref) => process.env[ref]),
    }),
    reports: apiReports({
      redis,
      queues,
      taiga,
      registry,
      logger,
      prefix: config.TUNDRA_REDIS_PREFIX,
      cacheTtlSeconds: config.TUNDRA_API_REPORT_CACHE_SECONDS,
    }),
    taigaWebUrl: config.TUNDRA_TAIGA_WEB_URL ?? null,
    ...(config.TUNDRA_INGESTER_URL
      ? { inboxReplay: ingesterReplay(config.TUNDRA_INGESTER_URL, config.TUNDRA_API_TOKEN) }
      : {}),
    readiness: async () => {
      const redisOk = await probe.ping();
      const connectionOk = connectionsReady(redis);
      return { ready: redisOk && connectionOk, checks: { redis: redisOk, connections: connectionOk } };
    },
  });
  const server = createHttpServer(api.app, {
    timeouts,
    registry,
    log: rejectionLog,
    errorBody: apiErrorBody,
  });
  const { port } = await listen(server, config.TUNDRA_API_PORT, config.TUNDRA_API_HOST);
  logger.info({ port }, 'api listening');
  return {
    port,
    async stop() {
      api.closeStreams();
      await closeServer(server);
      await queues.close();
      await Promise.all([redis.quit(), probe.close()]);
      rejectionLog.flush();
    },
  };
}
