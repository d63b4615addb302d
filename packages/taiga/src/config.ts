import { z } from 'zod';
import type { RetryPolicy } from './backoff.js';

/** The client's settings as environment variables; everything but the credentials has a default. */
export const TaigaClientEnv = z.object({
  TUNDRA_TAIGA_URL: z.url(),
  TUNDRA_TAIGA_USERNAME: z.string().min(1),
  TUNDRA_TAIGA_PASSWORD: z.string().min(1),
  TUNDRA_TAIGA_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  TUNDRA_TAIGA_RETRY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  TUNDRA_TAIGA_RETRY_BASE_DELAY_MS: z.coerce.number().int().min(1).default(200),
  TUNDRA_TAIGA_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(1).default(5_000),
  TUNDRA_TAIGA_RETRY_MAX_TOTAL_MS: z.coerce.number().int().min(1).default(30_000),
  TUNDRA_TAIGA_CONFLICT_RETRIES: z.coerce.number().int().min(0).default(3),
});
export type TaigaClientEnv = z.infer<typeof TaigaClientEnv>;

export interface TaigaClientSettings {
  baseUrl: string;
  username: string;
  password: string;
  timeoutMs: number;
  retry: RetryPolicy;
  conflictRetries: number;
}

/** The client settings from an environment; throws zod's error naming the bad variables. */
export function taigaClientSettingsFromEnv(env: Record<string, string | undefined>): TaigaClientSettings {
  const parsed = TaigaClientEnv.parse(env);
  return {
    baseUrl: parsed.TUNDRA_TAIGA_URL,
    username: parsed.TUNDRA_TAIGA_USERNAME,
    password: parsed.TUNDRA_TAIGA_PASSWORD,
    timeoutMs: parsed.TUNDRA_TAIGA_TIMEOUT_MS,
    retry: {
      maxAttempts: parsed.TUNDRA_TAIGA_RETRY_MAX_ATTEMPTS,
      baseDelayMs: parsed.TUNDRA_TAIGA_RETRY_BASE_DELAY_MS,
      maxDelayMs: parsed.TUNDRA_TAIGA_RETRY_MAX_DELAY_MS,
      maxTotalMs: parsed.TUNDRA_TAIGA_RETRY_MAX_TOTAL_MS,
    },
    conflictRetries: parsed.TUNDRA_TAIGA_CONFLICT_RETRIES,
  };
}
