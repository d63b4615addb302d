import { commonEnv, envBoolean, envPort, envPositiveInt, forgeEnv } from '@tundra/core/server';
import { agentEngineEnv } from '@tundra/engine';
import { TaigaClientEnv } from '@tundra/taiga';
import { z } from 'zod';

/** The planner's environment: the settings every app has, Taiga's, and its own. */
export const plannerConfigSchema = z.object({
  ...commonEnv,
  ...TaigaClientEnv.shape,
  TUNDRA_PLANNER_PORT: envPort.default(9101),
  TUNDRA_PLANNER_CONCURRENCY: envPositiveInt.default(4),
  /**
   * Write-back jobs at once: each waits on Taiga (a PATCH takes about 250 ms on a real server) far more than it
   * works, so four, the planner's own concurrency, queued comments seconds behind their transitions.
   */
  TUNDRA_WRITE_BACK_CONCURRENCY: envPositiveInt.default(16),
  TUNDRA_PLAN_TIMEOUT_MS: envPositiveInt.default(600_000),
  TUNDRA_ENGINE_KILL_GRACE_MS: envPositiveInt.default(10_000),
  ...agentEngineEnv,
  TUNDRA_RECONCILE_INTERVAL_MS: envPositiveInt.default(60_000),
  TUNDRA_RECONCILE_ENABLED: envBoolean.default(true),
  TUNDRA_STUCK_GRACE_MS: envPositiveInt.default(120_000),
  TUNDRA_STEP_RETRY_BASE_DELAY_MS: envPositiveInt.default(5_000),
  TUNDRA_STEP_RETRY_MAX_DELAY_MS: envPositiveInt.default(300_000),
  TUNDRA_TAIGA_STATUS_CACHE_MS: envPositiveInt.default(60_000),
  TUNDRA_TAIGA_MEMBERS_CACHE_MS: envPositiveInt.default(60_000),
  TUNDRA_VERIFY_MAPPINGS_ON_START: envBoolean.default(true),
  TUNDRA_TAIGA_WEB_URL: z.url().optional(),
  ...forgeEnv,
});
export type PlannerConfig = z.infer<typeof plannerConfigSchema>;
