import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { createLogger } from '../logging/logger.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import { type RunningService, runService } from './run-service.js';

/** The settings every app has, whatever its own schema adds. */
export interface AppSettings {
  NODE_ENV: string;
  TUNDRA_LOG_LEVEL: string;
  TUNDRA_LOG_FORMAT?: 'json' | 'pretty' | undefined;
  TUNDRA_SHUTDOWN_TIMEOUT_MS: number;
}

export interface AppMainOptions<S extends z.ZodType<AppSettings>> {
  app: string;
  schema: S;
  env: Record<string, string | undefined>;
  start(context: { config: z.infer<S>; logger: Logger; registry: Registry }): Promise<RunningService>;
}

/**
 * `main()` of every app: validate the environment (every problem in one message on stderr, exit code 2), make the
 * logger and the metrics registry, then run the app until SIGTERM/SIGINT.
 */
export async function runAppMain<S extends z.ZodType<AppSettings>>(
  options: AppMainOptions<S>,
): Promise<void> {
  let config: z.infer<S>;
  try {
    config = loadConfig(options.app, options.schema, options.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const logger = createLogger({
    app: options.app,
    level: config.TUNDRA_LOG_LEVEL,
    format: config.TUNDRA_LOG_FORMAT,
    nodeEnv: config.NODE_ENV,
  });
  const registry = createMetricsRegistry(options.app);
  await runService({
    app: options.app,
    logger,
    shutdownTimeoutMs: config.TUNDRA_SHUTDOWN_TIMEOUT_MS,
    start: () => options.start({ config, logger, registry }),
  });
}
