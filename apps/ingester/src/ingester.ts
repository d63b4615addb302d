import {
  closeServer,
  connectionsReady,
  createHttpServer,
  createKeys,
  createRedis,
  createRedisProbe,
  createStateStore,
  httpTimeouts,
  JobQueues,
  listen,
  RateLimitedLog,
  type RunningService,
  redisTarget,
} from '@tundra/core/server';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createRequestListener, ingesterErrorBody } from './app.js';
import type { IngesterConfig } from './config.js';
import { IngestService } from './ingest/ingest-service.js';
import { ProjectCache } from './ingest/project-cache.js';
import { startRecoveryLoop } from './ingest/recovery.js';
import { ReplayService } from './ingest/replay.js';
import { createIngestMetrics } from './metrics.js';
import { createAdapters } from './sources/adapters.js';
import { Inbox, loadInboxScripts } from './store/inbox.js';

export interface IngesterOptions {
  config: IngesterConfig;
  logger: Logger;
  registry: Registry;
  /** Where a project's Taiga webhook key comes from: the environment variable it names, by default. */
  taigaWebhookKey?: (ref: string) => string | undefined;
  /** Called once listening, with the bound port (tests listen on port 0). */
  onListening?: (port: number) => void;
}

/**
 * Starts the ingester: one Redis connection (inbox, project reads and BullMQ producers share it), the HTTP server and
 * the inbox recovery loop. Stopping stops accepting, lets in-flight requests finish, then closes queues and Redis.
 */
export async function startIngester(
  options: IngesterOptions,
): Promise<RunningService & { port: number; settled(): Promise<void> }> {
  const { config, logger, registry } = options;
  const redis = createRedis(redisTarget(config), logger, 'ingester');
  await redis.connect();
  const probe = await createRedisProbe(redisTarget(config), logger, 'ingester-readiness');
  const store = createStateStore({ redis, prefix: config.TUNDRA_REDIS_PREFIX });
  const queues = new JobQueues(redis, config.TUNDRA_REDIS_PREFIX);
  const metrics = createIngestMetrics(registry);
  const inbox = new Inbox(
    redis,
    createKeys(config.TUNDRA_REDIS_PREFIX).ingest,
    loadInboxScripts(),
    {
      dedupeTtlSeconds: config.TUNDRA_DEDUPE_TTL_SECONDS,
      maxLen: config.TUNDRA_INBOX_MAX_LEN,
      maxAgeMs: config.TUNDRA_INBOX_MAX_AGE_SECONDS * 1000,
      recoveryGraceMs: config.TUNDRA_INBOX_RECOVERY_GRACE_MS,
    },
    () => new Date(),
  );
  const bot = {
    username: config.TUNDRA_TAIGA_BOT_USERNAME ?? null,
    userId: config.TUNDRA_TAIGA_BOT_USER_ID ?? null,
  };
  const service = new IngestService({
    inbox,
    queues,
    items: store.items,
    projects: new ProjectCache(store.projects, config.TUNDRA_PROJECT_CACHE_TTL_MS),
    adapters: createAdapters(
      {
        githubWebhookSecret: config.TUNDRA_GITHUB_WEBHOOK_SECRET,
        gitlabWebhookToken: config.TUNDRA_GITLAB_WEBHOOK_TOKEN,
        ciToken: config.TUNDRA_CI_TOKEN,
        taigaWebhookKey: options.taigaWebhookKey ?? ((ref) => process.env[ref]),
      },
      bot,
    ),
    bot,
    logger,
    onJobsAdded: (delays) => {
      for (const seconds of delays) metrics.jobsAddedDelay.observe(seconds);
    },
  });
  let closing = false;
  const timeouts = httpTimeouts(config);
  const rejectionLog = new RateLimitedLog(logger, config.TUNDRA_REJECTION_LOG_INTERVAL_MS);
  const listener = createRequestListener({
    service,
    replay: new ReplayService({ inbox, service, metrics, logger }),
    metrics,
    registry,
    logger,
    maxBodyBytes: config.TUNDRA_INGEST_MAX_BODY_BYTES,
    bodyTimeoutMs: timeouts.bodyTimeoutMs,
    rejectionLog,
    apiToken: config.TUNDRA_API_TOKEN,
    redisWaitMs: config.TUNDRA_INGEST_REDIS_WAIT_MS,
    readiness: async () => {
      const redisOk = await probe.ping();
      const connectionOk = connectionsReady(redis);
      return {
        ready: redisOk && connectionOk && !closing,
        checks: { redis: redisOk, connections: connectionOk, queues: !closing },
      };
    },
  });
  // Taiga opens a new connection per webhook; keep-alive senders (GitHub, load tests) get a generous idle window
  // (TUNDRA_HTTP_KEEP_ALIVE_TIMEOUT_MS, 65 s by default).
  const server = createHttpServer(listener, {
    timeouts,
    registry,
    log: rejectionLog,
    errorBody: ingesterErrorBody,
  });
  const { port } = await listen(server, config.TUNDRA_INGESTER_PORT, config.TUNDRA_INGESTER_HOST);
  logger.info({ port }, 'ingester listening');
  options.onListening?.(port);
  const recovery = startRecoveryLoop({
    inbox,
    service,
    metrics,
    logger,
    intervalMs: config.TUNDRA_INBOX_RECOVERY_INTERVAL_MS,
  });

  return {
    port,
    settled: () => service.settled(),
    async stop() {
      closing = true;
      await recovery.stop();
      await closeServer(server);
      await service.settled();
      await queues.close();
      await Promise.all([redis.quit(), probe.close()]);
      rejectionLog.flush();
    },
  };
}
