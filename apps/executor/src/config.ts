import { resolve } from 'node:path';
import { commonEnv, envPort, envPositiveInt, jobHandoverBoundMs } from '@tundra/core/server';
import { agentEngineEnv } from '@tundra/engine';
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
    TUNDRA_STEP_LEASE_MS: envPositiveInt.default(4_000),
    TUNDRA_SLOT_WAIT_MS: envPositiveInt.default(5_000),
    ...agentEngineEnv,
    /** The repository's conventions files, comma-separated: the first one found goes into the context file. */
    TUNDRA_CONTEXT_CONVENTIONS_FILES: z
      .string()
      .default('AGENTS.md,CLAUDE.md')
      .transform((list) =>
        list
          .split(',')
          .map((name) => name.trim())
          .filter((name) => name !== ''),
      ),
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

/**
 * The longest a step whose executor died waits before another executor starts it again: BullMQ hands the job on
 * (`jobHandoverBoundMs`), and a job that arrives while the dead executor's lease still runs waits for it to lapse.
 */
export function stepHandoverBoundMs(
  config: Pick<ExecutorConfig, 'TUNDRA_JOB_LOCK_MS' | 'TUNDRA_STALLED_INTERVAL_MS' | 'TUNDRA_STEP_LEASE_MS'>,
): number {
  const job = jobHandoverBoundMs({
    lockMs: config.TUNDRA_JOB_LOCK_MS,
    stalledIntervalMs: config.TUNDRA_STALLED_INTERVAL_MS,
  });
  return Math.max(job, config.TUNDRA_STEP_LEASE_MS);
}

/** Where workspaces live, relative paths taken from the working directory. */
export function workspacesRoot(config: Pick<ExecutorConfig, 'TUNDRA_WORKSPACES_DIR'>, cwd: string): string {
  return resolve(cwd, config.TUNDRA_WORKSPACES_DIR);
}
