import { runWorkerMain } from '@tundra/core/server';
import { reporterConfigSchema } from './config.js';
import { createReporterHandlers } from './reporter-handlers.js';

await runWorkerMain({
  app: 'reporter',
  schema: reporterConfigSchema,
  env: process.env,
  opsPort: (config) => config.TUNDRA_REPORTER_PORT,
  concurrency: (config) => config.TUNDRA_REPORTER_CONCURRENCY,
  createHandlers: (deps, config) => createReporterHandlers(deps, config, process.env),
});
