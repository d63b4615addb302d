import type { JobHandler } from '@tundra/core/server';
import { type PlanRunDeps, planRun } from '../planning/plan-run.js';

/** `run.replan`: plans again a run an operator sent back to `planning` (its old steps are replaced). */
export function createReplanRunHandler(deps: PlanRunDeps): JobHandler<'run.replan'> {
  return async (payload, { logger, job }) => {
    const outcome = await planRun(deps, payload.protocolRunId, {
      logger,
      lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    });
    return { outcome };
  };
}
