import type { z } from 'zod';
import type { QueueName } from '../contracts/jobs.js';
import { type AppSettings, runAppMain } from './app-main.js';
import { redisTarget } from './redis.js';
import { startWorkerApp, type WorkerDeps, type WorkerHandlers } from './worker-app.js';

/** The settings every worker app has, whatever its own schema calls them. */
export interface WorkerSettings extends AppSettings {
  REDIS_URL: string;
  TUNDRA_REDIS_CLUSTER_NODES?: string[] | undefined;
  TUNDRA_REDIS_PREFIX: string;
  TUNDRA_OPS_HOST: string;
  TUNDRA_JOB_LOCK_MS: number;
  TUNDRA_STALLED_INTERVAL_MS: number;
}

export interface WorkerMainOptions<S extends z.ZodType<WorkerSettings>> {
  app: string;
  schema: S;
  env: Record<string, string | undefined>;
  opsPort(config: z.infer<S>): number;
  concurrency(config: z.infer<S>): number;
  /** Queues whose jobs wait on the network more than they work (the write-back): a concurrency of their own. */
  queueConcurrency?(config: z.infer<S>): Partial<Record<QueueName, number>>;
  createHandlers(deps: WorkerDeps, config: z.infer<S>): WorkerHandlers | Promise<WorkerHandlers>;
}

/** `main()` of a worker app: `runAppMain` with the worker app's queues, ops server and handlers. */
export async function runWorkerMain<S extends z.ZodType<WorkerSettings>>(
  options: WorkerMainOptions<S>,
): Promise<void> {
  await runAppMain({
    app: options.app,
    schema: options.schema,
    env: options.env,
    start: ({ config, logger, registry }) =>
      startWorkerApp({
        app: options.app,
        logger,
        registry,
        redis: redisTarget(config),
        prefix: config.TUNDRA_REDIS_PREFIX,
        opsPort: options.opsPort(config),
        opsHost: config.TUNDRA_OPS_HOST,
        concurrency: options.concurrency(config),
        ...(options.queueConcurrency ? { queueConcurrency: options.queueConcurrency(config) } : {}),
        lockDurationMs: config.TUNDRA_JOB_LOCK_MS,
        stalledIntervalMs: config.TUNDRA_STALLED_INTERVAL_MS,
        createHandlers: (deps) => options.createHandlers(deps, config),
      }),
  });
}
