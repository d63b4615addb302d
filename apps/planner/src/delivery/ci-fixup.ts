import {
  ciFailureItem,
  ciLogTailBytes,
  defaultCiFixAttempts,
  deliveryOf,
  feedbackKey,
  isFixupStepId,
  type Project,
  type PullRequestDelivery,
  tundraReplyMarker,
} from '@tundra/core';
import type { Logger } from 'pino';
import { appendFixup, handledFeedback, type PullRequestRun, type ReviewLoopDeps } from './review-loop.js';

const actor = { kind: 'system', name: 'planner' } as const;

/**
 * CI failed on `sha` while the run was in review: when the project allows it (`limits.ciFixAttempts`), one fix-up
 * step carries each failing job's name, link and log tail. Only the PR's head counts (a result for an older commit
 * is stale), each failing job once; past the attempts the run blocks with the reason, in Taiga and on the PR.
 */
export async function startCiFixup(
  deps: ReviewLoopDeps,
  run: PullRequestRun,
  project: Project,
  sha: string,
  logger: Logger,
): Promise<{ outcome: string; round?: number }> {
  const limit = project.limits.ciFixAttempts ?? defaultCiFixAttempts;
  if (limit === 0) return { outcome: 'ci_fix_not_allowed' };
  const [steps, events] = await Promise.all([
    deps.store.runs.listSteps(run.id),
    deps.store.events.readRun(run.id, { count: 10_000 }),
  ]);
  const head = [...steps].sort((a, b) => a.order - b.order).at(-1)?.commitSha;
  if (head !== sha) {
    logger.info({ sha, head }, 'CI failure on a commit that is not the head: nothing to fix');
    return { outcome: 'stale' };
  }
  const forge = deps.forgeFor(deliveryOf(project) as PullRequestDelivery);
  const handled = handledFeedback(events);
  const failing = (await forge.ciStatus(sha)).jobs.filter(
    (job) =>
      job.state === 'failure' && !handled.has(feedbackKey({ kind: 'ci_failure', id: `${sha}:${job.id}` })),
  );
  if (failing.length === 0) return { outcome: 'nothing_failed' };
  const used = steps.filter((step) => isFixupStepId(step.id, 'ci')).length;
  if (used >= limit) {
    const reason = `CI still fails after ${used} CI fix-up attempt${used === 1 ? '' : 's'}, the project's limit (limits.ciFixAttempts): a person takes it from here`;
    const blocked = await deps.commands.transitionRun(run.id, 'blocked', {
      actor,
      reason,
      patch: () => ({ reason }),
      idempotencyKey: `ci-fix-limit:${run.id}:${run.version}`,
    });
    if (blocked.kind === 'applied')
      await forge.comment(
        run.pullRequest.number,
        `⛔ Tundra stopped: ${reason}.\n\n${tundraReplyMarker(run.id)}`,
      );
    logger.info({ attempts: used, outcome: blocked.kind }, 'CI fix-up attempts used up: run blocked');
    return { outcome: 'limit_reached' };
  }
  const items = await Promise.all(
    failing.map(async (job) =>
      ciFailureItem(sha, job, await logTail(() => forge.jobLogTail(job.id, ciLogTailBytes))),
    ),
  );
  return appendFixup(deps, run, project, { cause: 'ci', round: used + 1, items }, logger);
}

/** A log the forge will not give (expired, or a job without one) leaves the step its name and link. */
async function logTail(read: () => Promise<string>): Promise<string> {
  try {
    return await read();
  } catch {
    return '';
  }
}
