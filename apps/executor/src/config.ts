import { resolve } from 'node:path';
import { commonEnv, envPort, envPositiveInt } from '@tundra/core/server';
import { z } from 'zod';

/** The executor's environment: the settings every app has, plus its own. */
export const executorConfigSchema = z
  .object({
    ...commonEnv,
    TUNDRA_EXECUTOR_PORT: envPort.default(9102),
    TUNDRA_EXECUTOR_CONCURRENCY: envPositiveInt.default(2),
    TUNDRA_WORKSPACES_DIR: z.string().min(1).default('.tundra/workspaces'),
    TUNDRA_GIT_AUTHOR_NAME: z.string().min(1).default('Tundra'),
    TUNDRA_GIT_AUTHOR_EMAIL: z.string().min(3).default('tundra@localhost'),
    TUNDRA_STEP_LOG_MAX_LEN: envPositiveInt.default(10_000),
    TUNDRA_ENGINE_KILL_GRACE_MS: envPositiveInt.default(10_000),
    TUNDRA_STEP_LEASE_MS: envPositiveInt.default(15_000),
    TUNDRA_SLOT_WAIT_MS: envPositiveInt.default(5_000),
  })
  .refine((env) => env.TUNDRA_STEP_LEASE_MS < env.TUNDRA_JOB_LOCK_MS, {
    // By the time BullMQ hands a crashed executor's job to another, the step's lease must have expired, so the
    // redelivery is recognised as one.
    path: ['TUNDRA_STEP_LEASE_MS'],
    message: 'must be shorter than TUNDRA_JOB_LOCK_MS',
    // Zod skips an object's checks once any field failed; this one needs only its two fields, so a start-up with
    // other problems still reports it too.
    when: (payload) =>
      !payload.issues.some((issue) =>
        ['TUNDRA_STEP_LEASE_MS', 'TUNDRA_JOB_LOCK_MS'].includes(String(issue.path?.[0])),
      ),
  });
export type ExecutorConfig = z.infer<typeof executorConfigSchema>;

/** Where workspaces live, relative paths taken from the working directory. */
export function workspacesRoot(config: Pick<ExecutorConfig, 'TUNDRA_WORKSPACES_DIR'>, cwd: string): string {
  return resolve(cwd, config.TUNDRA_WORKSPACES_DIR);
}

/**
 * The environment engines inherit: the executor's own, without its Redis URL and Tundra settings. Engines need
 * PATH, HOME and their API keys; they have no business with Tundra's state.
 */
export function engineBaseEnv(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => name !== 'REDIS_URL' && !name.startsWith('TUNDRA_')),
  );
}
