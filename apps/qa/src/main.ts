import { runWorkerMain } from '@tundra/core/server';
import { qaConfigSchema } from './config.js';
import { createQaHandlers } from './qa-handlers.js';

await runWorkerMain({
  app: 'qa',
  schema: qaConfigSchema,
  env: process.env,
  opsPort: (config) => config.TUNDRA_QA_PORT,
  concurrency: (config) => config.TUNDRA_QA_CONCURRENCY,
  createHandlers: (deps, config) => createQaHandlers(deps, config, { env: process.env }),
});
