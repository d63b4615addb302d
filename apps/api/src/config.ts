import { commonEnv, envPort, envPositiveInt, httpEnv, httpTimeoutsConsistent } from '@tundra/core/server';
import { TaigaClientEnv } from '@tundra/taiga';
import { z } from 'zod';

/** The API's environment: the settings every app has, the Taiga client's, and its own. */
export const apiConfigSchema = z
  .object({
    ...commonEnv,
    ...httpEnv,
    ...TaigaClientEnv.shape,
    TUNDRA_API_PORT: envPort.default(8081),
    TUNDRA_API_HOST: z.string().min(1).default('0.0.0.0'),
    TUNDRA_API_TOKEN: z.string().min(16, 'at least 16 characters'),
    TUNDRA_API_SSE_HEARTBEAT_MS: envPositiveInt.default(15_000),
    TUNDRA_TAIGA_WEB_URL: z.url().optional(),
    /** Where Taiga's server reaches the ingester: the URL of the webhooks `tundra projects apply` registers. */
    TUNDRA_INGESTER_PUBLIC_URL: z.url().optional(),
    /** Where the API reaches the ingester, for the console's inbox replays (its `POST /admin/inbox/replay`). */
    TUNDRA_INGESTER_URL: z.url().optional(),
    /** How long `/projects/{id}/reports/{kind}` answers are served from Redis. */
    TUNDRA_API_REPORT_CACHE_SECONDS: envPositiveInt.default(300),
  })
  .refine(httpTimeoutsConsistent.check, httpTimeoutsConsistent.params);
export type ApiConfig = z.infer<typeof apiConfigSchema>;
