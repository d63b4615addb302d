import { QueueName } from '@tundra/core';
import { runWorkerMain } from '@tundra/core/server';
import { plannerConfigSchema } from './config.js';
import { createPlannerHandlers } from './planner-handlers.js';

await runWorkerMain({
  app: 'planner',
  schema: plannerConfigSchema,
  env: process.env,
  opsPort: (config) => config.TUNDRA_PLANNER_PORT,
  concurrency: (config) => config.TUNDRA_PLANNER_CONCURRENCY,
  queueConcurrency: (config) => ({ [QueueName.WriteBack]: config.TUNDRA_WRITE_BACK_CONCURRENCY }),
  createHandlers: (deps, config) => createPlannerHandlers(deps, config, process.env),
});
