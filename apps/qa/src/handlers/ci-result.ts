import type { JobPayload, ProtocolRun, StepRun } from '@tundra/core';
import type { JobHandler, JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { ciQaJobId, onCiSuccess, stepsCoveredBy } from '../ci-verdicts.js';

export interface CiResultDeps {
  store: StateStore;
  commands: RunCommands;
  /** Where the `step.qa` jobs a green CI run asks for go. */
  queues: Pick<JobQueues, 'enqueue'>;
  /**
   * TUNDRA_AUTO_QA_ON_CI: a green CI run decides QA of the steps it covers: it passes them under the `ci` policy
   * and enqueues their `step.qa` job (trigger `ci`) under the others.
   */
  autoQaOnCi: boolean;
  unmatched: Counter<'outcome'>;
}

const actor = { kind: 'ci', name: 'ci' } as const;

/**
 * `ci.result`: a CI run or a merge on a run's branch. Success passes QA of the steps it covers when CI is the
 * judge (`ci` policy), or asks for their QA when it is only the trigger (other policies); failure blocks the steps
 * that are waiting (the run blocks with them); a merge completes the run. A result for a branch no active run uses
 * is counted and dropped.
 */
export function createCiResultHandler(deps: CiResultDeps): JobHandler<'ci.result'> {
  return async (payload, { logger }) => {
    const run = await findRunByBranch(deps.store, payload.projectId, payload.branch);
    if (!run) {
      deps.unmatched.inc({ outcome: payload.outcome });
      logger.info({ branch: payload.branch }, 'CI result for no active run');
      return { outcome: 'unmatched' };
    }
    const log = logger.child({ protocolRunId: run.id, correlationId: run.correlationId });
    const key = `ci:${payload.sourceEventId}`;
    const reason = `CI ${payload.outcome} on ${payload.branch}${payload.sha ? ` at ${payload.sha.slice(0, 12)}` : ''}${payload.url ? ` (${payload.url})` : ''}`;
    if (payload.outcome === 'merged') {
      const outcome = await deps.commands.run(run.id, 'pr_merged', { actor, idempotencyKey: key, reason });
      log.info({ outcome: outcome.kind }, 'merge event');
      return { outcome: outcome.kind };
    }
    const project = await deps.store.projects.get(run.projectId);
    const covered = stepsCoveredBy(await deps.store.runs.listSteps(run.id), payload.sha);
    if (payload.outcome === 'failure') {
      const waiting = covered.filter((step) => step.status === 'needs_qa');
      for (const step of waiting) {
        await deps.commands.step(run.id, step.id, 'ci_failed', {
          actor,
          idempotencyKey: `${key}:${step.id}`,
          reason,
          patch: () => ({ resultSummary: reason }),
        });
      }
      log.info({ steps: waiting.length }, 'CI failed');
      return { outcome: 'failed', steps: waiting.length };
    }
    const action = onCiSuccess(project?.qaPolicy.kind ?? null, deps.autoQaOnCi, covered);
    switch (action.kind) {
      case 'ignore':
        log.info({ reason: action.reason }, 'CI passed; QA is not decided by CI here');
        return { outcome: 'ignored', reason: action.reason };
      case 'pass':
        return { outcome: 'passed', steps: await passSteps(deps, run, action.steps, key, reason, log) };
      case 'enqueue_qa':
        return { outcome: 'qa_enqueued', steps: await enqueueQa(deps, run, action.steps, payload, log) };
      default: {
        const unexpected: never = action;
        throw new Error(`unexpected CI action ${JSON.stringify(unexpected)}`);
      }
    }
  };
}

async function passSteps(
  deps: CiResultDeps,
  run: ProtocolRun,
  deciding: readonly StepRun[],
  key: string,
  reason: string,
  log: Logger,
): Promise<number> {
  for (const step of deciding) {
    await deps.commands.step(run.id, step.id, 'qa_passed', {
      actor,
      idempotencyKey: `${key}:${step.id}`,
      reason,
      patch: () => ({ resultSummary: reason }),
    });
  }
  // A green run clears a CI block: the run carries on with its next step.
  if (run.status === 'blocked' && deciding.length > 0) {
    await deps.commands.run(run.id, 'resumed', {
      actor,
      idempotencyKey: `${key}:resume`,
      reason,
      patch: () => ({ reason: null }),
    });
  }
  log.info({ steps: deciding.length }, 'CI passed QA');
  return deciding.length;
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
