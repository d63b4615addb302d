import {
  createLogger,
  createMetricsRegistry,
  type RunningService,
  startWorkerApp,
} from '@tundra/core/server';
import type { TestRedis } from '@tundra/testkit';
import type { Logger } from 'pino';
import { plannerConfigSchema } from '../src/config.js';
import { createPlannerHandlers } from '../src/planner-handlers.js';

export interface TestPlannerOptions {
  redis: Pick<TestRedis, 'url' | 'clusterNodes' | 'prefix' | 'env'>;
  taigaUrl: string;
  bot: { username: string; password: string };
  concurrency?: number;
  /** Where the planner logs; at TEST_LOG_LEVEL (warn by default) on stdout otherwise. */
  logger?: Logger;
  /** More of the planner's environment (what its plan engines inherit, say). */
  env?: Record<string, string | undefined>;
}

/**
 * The planner app in this process, as its main wires it, against the test's Redis and Taiga sandbox (reconciler
 * off: tests drive it themselves). Logs at TEST_LOG_LEVEL, warn by default.
 */
export function startTestPlanner(options: TestPlannerOptions): Promise<RunningService> {
  const env = {
    ...options.redis.env,
    TUNDRA_REDIS_PREFIX: options.redis.prefix,
    TUNDRA_TAIGA_URL: options.taigaUrl,
    TUNDRA_TAIGA_USERNAME: options.bot.username,
    TUNDRA_TAIGA_PASSWORD: options.bot.password,
    TUNDRA_RECONCILE_ENABLED: 'false',
    PATH: process.env.PATH ?? '',
    ...options.env,
  };
  const config = plannerConfigSchema.parse(env);
  return startWorkerApp({
    app: 'planner',
    logger:
      options.logger ??
      createLogger({
        app: 'planner-test',
        level: process.env.TEST_LOG_LEVEL ?? 'warn',
        format: 'json',
      }),
    registry: createMetricsRegistry('planner'),
    redis: { url: options.redis.url, clusterNodes: options.redis.clusterNodes },
    prefix: options.redis.prefix,
    opsPort: 0,
    opsHost: '127.0.0.1',
    concurrency: options.concurrency ?? 4,
    createHandlers: (deps) => createPlannerHandlers(deps, config, env),
  });
}
