import { commonEnv, envPort, envPositiveInt } from '@tundra/core/server';
import { TaigaClientEnv } from '@tundra/taiga';
import { z } from 'zod';

/** The API's environment: the settings every app has, the Taiga client's, and its own. */
export const apiConfigSchema = z.object({
  ...commonEnv,
  ...TaigaClientEnv.shape,
  TUNDRA_API_PORT: envPort.default(8081),
  TUNDRA_API_HOST: z.string().min(1).default('0.0.0.0'),
  TUNDRA_API_TOKEN: z.string().min(16, 'at least 16 characters'),
  TUNDRA_API_SSE_HEARTBEAT_MS: envPositiveInt.default(15_000),
  TUNDRA_TAIGA_WEB_URL: z.url().optional(),
});
export type ApiConfig = z.infer<typeof apiConfigSchema>;
