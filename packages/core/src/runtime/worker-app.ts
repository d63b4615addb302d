import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { QueueName } from '../contracts/jobs.js';
import { EffectDispatcher } from '../flow/effect-dispatcher.js';
import { createTransitionCounter } from '../flow/flow-metrics.js';
import { RunCommands } from '../flow/run-commands.js';
import { createJobMetrics } from '../jobs/job-metrics.js';
import { JobQueues } from '../jobs/job-queues.js';
import { type JobHandlers, startWorkers } from '../jobs/worker-host.js';
import { registerStateGauges } from '../metrics/state-gauges.js';
import { createStateStore, type StateStore } from '../store/index.js';
import type { RedisClient } from '../store/redis-client.js';
import { createOpsApp } from './ops-app.js';
import { connectionsReady, createRedis, createRedisProbe, type RedisTarget } from './redis.js';
import { closeServer, listen, type RunningService } from './run-service.js';

/** What a worker app's handlers are built from. */
export interface WorkerDeps {
  logger: Logger;
  registry: Registry;
  redis: RedisClient;
  store: StateStore;
  queues: JobQueues;
  /** Transitions with their effects carried out: what handlers use to change runs and steps. */
  commands: RunCommands;
  dispatcher: EffectDispatcher;
}

export interface WorkerAppOptions {
  app: string;
  logger: Logger;
  registry: Registry;
  redis: RedisTarget;
  prefix: string;
  opsPort: number;
  opsHost: string;
  concurrency: number;
  /** Per queue, where it differs from `concurrency`. */
  queueConcurrency?: Partial<Record<QueueName, number>>;
  /** BullMQ's job lock and stalled-job check (defaults: 30 s each). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  createHandlers(deps: WorkerDeps): WorkerHandlers | Promise<WorkerHandlers>;
  /** Called once the app runs, e.g. to log where it listens (tests read the port from here). */
  onListening?(port: number): void;
}

/** An app's job handlers, and how to close what they opened (subscriptions, schedulers) after the workers stop. */
export interface WorkerHandlers {
  handlers: JobHandlers;
  stop?(): Promise<void>;
}

/**
 * Starts a worker app: one Redis connection for the store and producers, one for the BullMQ workers (they block),
 * the ops server (/health, /ready, /metrics), and a worker per queue the handlers cover. Stopping closes the
 * workers first (in-flight jobs finish), then the server and connections.
 */
export async function startWorkerApp(options: WorkerAppOptions): Promise<RunningService> {
  const { logger, registry } = options;
  const redis = createRedis(options.redis, logger, `${options.app}-store`);
  const workerConnection = createRedis(options.redis, logger, `${options.app}-workers`, {
    bullmqWorkers: true,
  });
  await Promise.all([redis.connect(), workerConnection.connect()]);
  const probe = await createRedisProbe(options.redis, logger, `${options.app}-readiness`);
  const store = createStateStore({ redis, prefix: options.prefix });
  const queues = new JobQueues(redis, options.prefix);
  // Queue depths, runs and steps per status and the oldest ages, read from Redis when Prometheus scrapes.
  registerStateGauges({
    registry,
    redis,
    keys: store.keys,
    queues,
    projects: () => redis.zrange(store.keys.projects(), 0, -1),
  });
  const dispatcher = new EffectDispatcher({ queues, redis, keys: store.keys });
  const commands = new RunCommands(store, dispatcher, createTransitionCounter(registry));
  const app = await options.createHandlers({ logger, registry, redis, store, queues, commands, dispatcher });
  const workers = startWorkers({
    connection: workerConnection,
    prefix: options.prefix,
    handlers: app.handlers,
    concurrency: options.concurrency,
    ...(options.queueConcurrency ? { queueConcurrency: options.queueConcurrency } : {}),
    ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledIntervalMs: options.stalledIntervalMs }),
    logger,
    metrics: createJobMetrics(registry),
  });
  await Promise.all(workers.workers.map((worker) => worker.waitUntilReady()));

  const server = createServer(
    createOpsApp({
      app: options.app,
      registry,
      readiness: async () => {
        const redisOk = await probe.ping();
        const connectionsOk = connectionsReady(redis, workerConnection);
        const workersOk = workers.workers.every((worker) => worker.isRunning());
        return {
          ready: redisOk && connectionsOk && workersOk,
          checks: { redis: redisOk, connections: connectionsOk, workers: workersOk },
        };
      },
    }),
  );
  const { port } = await listen(server, options.opsPort, options.opsHost);
  logger.info({ port, queues: workers.workers.map((worker) => worker.name) }, 'ops server listening');
  options.onListening?.(port);

  return {
    async stop() {
      await workers.close();
      await app.stop?.();
      await closeServer(server);
      await queues.close();
      await Promise.all([redis.quit(), workerConnection.quit(), probe.close()]);
    },
  };
}
