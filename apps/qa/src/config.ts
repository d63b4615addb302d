import { commonEnv, envBoolean, envPort, envPositiveInt, forgeEnv } from '@tundra/core/server';
import { z } from 'zod';

/** The QA app's environment: the settings every app has, plus its own. */
export const qaConfigSchema = z.object({
  ...commonEnv,
  TUNDRA_QA_PORT: envPort.default(9103),
  TUNDRA_QA_CONCURRENCY: envPositiveInt.default(4),
  TUNDRA_AUTO_QA_AFTER_EXEC: envBoolean.default(true),
  TUNDRA_AUTO_QA_ON_CI: envBoolean.default(true),
  TUNDRA_QA_TIMEOUT_MS: envPositiveInt.default(1_800_000),
  TUNDRA_WORKSPACES_DIR: z.string().min(1).default('.tundra/workspaces'),
  TUNDRA_ENGINE_KILL_GRACE_MS: envPositiveInt.default(10_000),
  // Pull-request delivery: the merged branch is deleted on the forge when the project asks (`delivery.deleteBranch`).
  ...forgeEnv,
});
export type QaConfig = z.infer<typeof qaConfigSchema>;
