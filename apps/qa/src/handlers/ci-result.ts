import type { JobPayload, Project, ProtocolRun, StepRun } from '@tundra/core';
import type { JobHandler, JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { ciQaJobId, ciReason, onCiSuccess, stepsCoveredBy } from '../ci-verdicts.js';
import type { CiVerdictStore } from '../store/ci-verdict-store.js';
import { ciActor, failStepsByCi, passStepsByCi } from './ci-transitions.js';

export interface CiResultDeps {
  store: StateStore;
  commands: RunCommands;
  /** Where the `step.qa` jobs a green CI run asks for go. */
  queues: Pick<JobQueues, 'enqueue'>;
  /** Where each matched result is recorded per commit, for a step that starts waiting after it came. */
  verdicts: Pick<CiVerdictStore, 'record'>;
  /**
   * TUNDRA_AUTO_QA_ON_CI: a green CI run decides QA of the steps it covers: it passes them under the `ci` policy
   * and enqueues their `step.qa` job (trigger `ci`) under the others.
   */
  autoQaOnCi: boolean;
  unmatched: Counter<'outcome'>;
  /** Told once of each run whose pull request was merged or closed (the delivery metrics). */
  onPullRequestEnd?: (before: ProtocolRun, event: 'pr_merged' | 'pr_closed', after: ProtocolRun) => void;
  /**
   * Deletes a merged run's branch on the forge when its project asks (`delivery.deleteBranch`); false when it does
   * not, or the branch is gone already.
   */
  deleteMergedBranch?: (project: Project, branch: string) => Promise<boolean>;
  /** The clock the recorded verdicts are stamped with. */
  now?: () => Date;
}

/**
 * `ci.result`: a CI run or a merge on a run's branch. Success passes QA of the steps it covers when CI is the
 * judge (`ci` policy), or asks for their QA when it is only the trigger (other policies); failure blocks the steps
 * that are waiting (the run blocks with them); a merge completes the run. A result for a branch no active run uses
 * is counted and dropped.
 *
 * A success or failure for a known SHA is recorded for the run before the steps are read: a step that was not
 * waiting yet (its commit pushed, its execution not yet recorded) takes the verdict from there when it starts to
 * wait (`withKnownVerdict`), which reads it only once the step waits. Record, then read here; wait, then read
 * there: whichever comes second sees the other, so no verdict falls between the two.
 */
export function createCiResultHandler(deps: CiResultDeps): JobHandler<'ci.result'> {
  const now = deps.now ?? (() => new Date());
  return async (payload, { logger }) => {
    const run = await deps.store.runs.findRunInStatuses(
      payload.projectId,
      ['in_review', 'running', 'blocked', 'paused'],
      (candidate) => candidate.branch === payload.branch,
    );
    if (!run) {
      deps.unmatched.inc({ outcome: payload.outcome });
      logger.info({ branch: payload.branch }, 'CI result for no active run');
      return { outcome: 'unmatched' };
    }
    const log = logger.child({ protocolRunId: run.id, correlationId: run.correlationId });
    const key = `ci:${payload.sourceEventId}`;
    const reason = ciReason(payload);
    if (payload.outcome === 'merged' || payload.outcome === 'closed') {
      // Keyed by the run, not the delivery: a merge or a close redelivered under a new id changes nothing twice.
      const event = payload.outcome === 'merged' ? 'pr_merged' : 'pr_closed';
      // Before the run completes, so that whoever sees it completed finds the branch gone; a repeat finds it gone.
      if (event === 'pr_merged') await deleteBranchAfterMerge(deps, run, log);
      const outcome = await deps.commands.transitionRun(run, event, {
        actor: ciActor,
        idempotencyKey: `${event}:${run.id}`,
        reason: payload.outcome === 'merged' ? reason : `the pull request was closed without a merge`,
        payload: {
          ...(payload.url ? { pullRequestUrl: payload.url } : {}),
          ...(payload.mergeCommitSha ? { mergeCommitSha: payload.mergeCommitSha } : {}),
        },
      });
      if (outcome.kind === 'applied') deps.onPullRequestEnd?.(run, event, outcome.record);
      log.info({ outcome: outcome.kind, event }, 'pull request ended');
      return { outcome: outcome.kind };
    }
    if (payload.sha !== null) {
      await deps.verdicts.record(run.id, payload.sha, {
        outcome: payload.outcome,
        url: payload.url,
        at: now().toISOString(),
        sourceEventId: payload.sourceEventId,
      });
    }
    const project = await deps.store.projects.get(run.projectId);
    if (payload.outcome === 'failure' && run.status === 'in_review' && run.pullRequest && payload.sha)
      return askForCiFixup(deps, run, run.pullRequest.number, { ...payload, sha: payload.sha }, log);
    const covered = stepsCoveredBy(await deps.store.runs.listSteps(run.id), payload.sha);
    const decision = { reason, stepKey: (step: StepRun) => `${key}:${step.id}`, resumeKey: `${key}:resume` };
    if (payload.outcome === 'failure') {
      const waiting = covered.filter((step) => step.status === 'needs_qa');
      await failStepsByCi(deps.commands, run, waiting, decision);
      log.info({ steps: waiting.length }, 'CI failed');
      return { outcome: 'failed', steps: waiting.length };
    }
    const action = onCiSuccess(project?.qaPolicy.kind ?? null, deps.autoQaOnCi, covered);
    switch (action.kind) {
      case 'ignore':
        log.info({ reason: action.reason }, 'CI passed; QA is not decided by CI here');
        return { outcome: 'ignored', reason: action.reason };
      case 'pass':
        await passStepsByCi(deps.commands, run, action.steps, decision);
        log.info({ steps: action.steps.length }, 'CI passed QA');
        return { outcome: 'passed', steps: action.steps.length };
      case 'enqueue_qa':
        return { outcome: 'qa_enqueued', steps: await enqueueQa(deps, run, action.steps, payload, log) };
      default: {
        const unexpected: never = action;
        throw new Error(`unexpected CI action ${JSON.stringify(unexpected)}`);
      }
    }
  };
}

/** The merged branch goes when the project asks; a forge that refuses leaves it, with a warning, not a retry. */
async function deleteBranchAfterMerge(deps: CiResultDeps, run: ProtocolRun, log: Logger): Promise<void> {
  const project = deps.deleteMergedBranch && (await deps.store.projects.get(run.projectId));
  if (!project || !run.branch) return;
  try {
    const deleted = await deps.deleteMergedBranch!(project, run.branch);
    if (deleted) log.info({ branch: run.branch }, 'merged branch deleted');
  } catch (error) {
    log.warn({ err: error, branch: run.branch }, 'the merged branch could not be deleted');
  }
}

/**
 * CI failed on a pull request in review: the review loop (the planner's `pr.feedback`) decides whether it starts a
 * CI fix-up step (`limits.ciFixAttempts`), reading the failing jobs and their logs from the forge. One job per run
 * and commit, however often the failure is reported.
 */
async function askForCiFixup(
  deps: CiResultDeps,
  run: ProtocolRun,
  number: number,
  payload: JobPayload<'ci.result'> & { sha: string },
  log: Logger,
): Promise<{ outcome: string }> {
  await deps.queues.enqueue(
    'pr.feedback',
    {
      projectId: run.projectId,
      correlationId: run.correlationId,
      sourceEventId: payload.sourceEventId,
      repository: payload.repository,
      number,
      branch: payload.branch,
      kind: 'ci_failure',
      author: 'ci',
      sha: payload.sha,
    },
    { jobId: `ci-fixup-${run.id}-${payload.sha}` },
  );
  log.info({ sha: payload.sha }, 'CI failed on the pull request in review: the review loop decides');
  return { outcome: 'ci_fixup_asked' };
}

/**
 * QA by the project's own policy, triggered by CI: one `step.qa` job per waiting step, with an id that makes the
 * same CI result reported twice enqueue nothing more.
 */
async function enqueueQa(
  deps: CiResultDeps,
  run: ProtocolRun,
  waiting: readonly StepRun[],
  payload: JobPayload<'ci.result'>,
  log: Logger,
): Promise<number> {
  for (const step of waiting) {
    await deps.queues.enqueue(
      'step.qa',
      {
        projectId: run.projectId,
        correlationId: run.correlationId,
        protocolRunId: run.id,
        stepRunId: step.id,
        trigger: 'ci',
      },
      { jobId: ciQaJobId(run.id, step, payload) },
    );
  }
  log.info({ steps: waiting.length }, 'CI passed; QA enqueued');
  return waiting.length;
}
