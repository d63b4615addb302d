import {
  createLogger,
  createMetricsRegistry,
  type RunningService,
  startWorkerApp,
} from '@tundra/core/server';
import type { TestRedis } from '@tundra/testkit';
import type { Registry } from 'prom-client';
import { reporterConfigSchema } from '../src/config.js';
import { createReporterHandlers } from '../src/reporter-handlers.js';

export interface TestReporterOptions {
  redis: Pick<TestRedis, 'url' | 'clusterNodes' | 'prefix' | 'env'>;
  taigaUrl: string;
  reportsDir: string;
  env?: Record<string, string>;
}

/** The reporter app in this process, as its main wires it, against the test's Redis and Taiga sandbox. */
export async function startTestReporter(
  options: TestReporterOptions,
): Promise<RunningService & { registry: Registry }> {
  const env = {
    ...options.redis.env,
    TUNDRA_REDIS_PREFIX: options.redis.prefix,
    TUNDRA_TAIGA_URL: options.taigaUrl,
    TUNDRA_TAIGA_USERNAME: 'taiga-bot',
    TUNDRA_TAIGA_PASSWORD: 'bot12345',
    TUNDRA_REPORTS_DIR: options.reportsDir,
    TUNDRA_TAIGA_WEB_URL: 'http://taiga.test',
    ...options.env,
  };
  const config = reporterConfigSchema.parse(env);
  const registry = createMetricsRegistry('reporter');
  const running = await startWorkerApp({
    app: 'reporter',
    logger: createLogger({
      app: 'reporter-test',
      level: process.env.TEST_LOG_LEVEL ?? 'warn',
      format: 'json',
    }),
    registry,
    redis: { url: options.redis.url, clusterNodes: options.redis.clusterNodes },
    prefix: options.redis.prefix,
    opsPort: 0,
    opsHost: '127.0.0.1',
    concurrency: 2,
    createHandlers: (deps) => createReporterHandlers(deps, config, env),
  });
  return { ...running, registry };
}
