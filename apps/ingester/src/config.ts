import { commonEnv, envPort, envPositiveInt, httpEnv, httpTimeoutsConsistent } from '@tundra/core/server';
import { z } from 'zod';

const optionalSecret = z.string().min(16, 'at least 16 characters').optional();

/**
 * The ingester's environment: the settings every app has, plus its own. Secrets are optional one by one: a source
 * whose secret is unset answers 401 to everything it is sent, so an installation turns on only what it uses.
 */
export const ingesterConfigSchema = z
  .object({
    ...commonEnv,
    ...httpEnv,
    TUNDRA_INGESTER_PORT: envPort.default(8080),
    TUNDRA_INGESTER_HOST: z.string().min(1).default('0.0.0.0'),
    TUNDRA_INGEST_MAX_BODY_BYTES: envPositiveInt.default(1_048_576),
    /** Longer than any sender's redelivery window (GitHub lets a person redeliver for 3 days). */
    TUNDRA_DEDUPE_TTL_SECONDS: envPositiveInt.default(7 * 24 * 3600),
    TUNDRA_INBOX_MAX_LEN: envPositiveInt.default(50_000),
    TUNDRA_INBOX_MAX_AGE_SECONDS: envPositiveInt.default(7 * 24 * 3600),
    TUNDRA_INBOX_RECOVERY_INTERVAL_MS: envPositiveInt.default(30_000),
    TUNDRA_INBOX_RECOVERY_GRACE_MS: envPositiveInt.default(10_000),
    TUNDRA_PROJECT_CACHE_TTL_MS: envPositiveInt.default(5_000),
    /** How long a webhook waits for Redis (an outage, a reconnect) before it is answered 503 with Retry-After. */
    TUNDRA_INGEST_REDIS_WAIT_MS: envPositiveInt.default(5_000),
    TUNDRA_GITHUB_WEBHOOK_SECRET: optionalSecret,
    TUNDRA_GITLAB_WEBHOOK_TOKEN: optionalSecret,
    TUNDRA_CI_TOKEN: optionalSecret,
    TUNDRA_API_TOKEN: optionalSecret,
    TUNDRA_TAIGA_BOT_USERNAME: z.string().min(1).optional(),
    TUNDRA_TAIGA_BOT_USER_ID: envPositiveInt.optional(),
  })
  .refine(
    (env) => env.TUNDRA_TAIGA_BOT_USERNAME !== undefined || env.TUNDRA_TAIGA_BOT_USER_ID !== undefined,
    {
      // Without the bot's identity Tundra's own Taiga writes would come back as webhooks and trigger it again.
      path: ['TUNDRA_TAIGA_BOT_USERNAME'],
      message:
        'set TUNDRA_TAIGA_BOT_USERNAME or TUNDRA_TAIGA_BOT_USER_ID (loop prevention needs the bot user)',
      // Zod skips an object's checks once a field failed; this one only asks whether either is set, so it always
      // runs, and a start-up with several problems lists them all at once.
      when: () => true,
    },
  )
  .refine(httpTimeoutsConsistent.check, httpTimeoutsConsistent.params);
export type IngesterConfig = z.infer<typeof ingesterConfigSchema>;
