import { runAppMain } from '@tundra/core/server';
import { ingesterConfigSchema } from './config.js';
import { startIngester } from './ingester.js';

await runAppMain({
  app: 'ingester',
  schema: ingesterConfigSchema,
  env: process.env,
  start: ({ config, logger, registry }) => startIngester({ config, logger, registry }),
});
