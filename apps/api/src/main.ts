import { runAppMain } from '@tundra/core/server';
import { taigaClientSettingsFromEnv } from '@tundra/taiga';
import { apiConfigSchema } from './config.js';
import { startApi } from './server.js';

await runAppMain({
  app: 'api',
  schema: apiConfigSchema,
  env: process.env,
  start: ({ config, logger, registry }) =>
    startApi({ config, taiga: taigaClientSettingsFromEnv(process.env), logger, registry }),
});
