import type { JobPayload, ProtocolRun, StepRun } from '@tundra/core';
import type { JobHandler, JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { CiVerdictStore } from '../ci-verdict-store.js';
import { ciQaJobId, ciReason, onCiSuccess, stepsCoveredBy } from '../ci-verdicts.js';
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
    const run = await findRunByBranch(deps.store, payload.projectId, payload.branch);
    if (!run) {
      deps.unmatched.inc({ outcome: payload.outcome });
      logger.info({ branch: payload.branch }, 'CI result for no active run');
      return { outcome: 'unmatched' };
    }
    const log = logger.child({ protocolRunId: run.id, correlationId: run.correlationId });
    const key = `ci:${payload.sourceEventId}`;
    const reason = ciReason(payload);
    if (payload.outcome === 'merged') {
      const outcome = await deps.commands.run(run.id, 'pr_merged', {
        actor: ciActor,
        idempotencyKey: key,
        reason,
      });
      log.info({ outcome: outcome.kind }, 'merge event');
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

async function findRunByBranch(
  store: StateStore,
  projectId: string,
  branch: string,
): Promise<ProtocolRun | null> {
  for (const status of ['running', 'blocked', 'paused'] as const) {
    const { ids } = await store.runs.listRunIds(projectId, { status, limit: 1_000 });
    for (const id of ids) {
      const run = await store.runs.getRun(id);
      if (run?.branch === branch) return run;
    }
  }
  return null;
}
