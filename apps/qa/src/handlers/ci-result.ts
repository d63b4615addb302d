import type { ProtocolRun, StepRun } from '@tundra/core';
import type { JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';

export interface CiResultDeps {
  store: StateStore;
  commands: RunCommands;
  /** TUNDRA_AUTO_QA_ON_CI: a green CI run passes QA of the steps it covers. */
  autoQaOnCi: boolean;
  unmatched: Counter<'outcome'>;
}

const actor = { kind: 'ci', name: 'ci' } as const;

/** The steps a CI result for `sha` covers: up to the step that made `sha`, or all of them when `sha` is unknown. */
export function stepsCoveredBy(steps: readonly StepRun[], sha: string | null): StepRun[] {
  const ordered = [...steps].sort((a, b) => a.order - b.order);
  const made = sha === null ? -1 : ordered.findIndex((step) => step.commitSha === sha);
  return made < 0 ? ordered : ordered.slice(0, made + 1);
}

/**
 * `ci.result`: a CI run or a merge on a run's branch. Success passes QA of the steps it covers (when CI is the
 * judge), failure blocks the step that is waiting (the run blocks with it), a merge completes the run. A result
 * for a branch no active run uses is counted and dropped.
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
    if (!deps.autoQaOnCi || project?.qaPolicy.kind !== 'ci') {
      log.info('CI passed; QA is not decided by CI here');
      return { outcome: 'ignored' };
    }
    return { outcome: 'passed', steps: await passSteps(deps, run, covered, key, reason, log) };
  };
}

async function passSteps(
  deps: CiResultDeps,
  run: ProtocolRun,
  covered: StepRun[],
  key: string,
  reason: string,
  log: Logger,
): Promise<number> {
  const deciding = covered.filter((step) => step.status === 'needs_qa' || step.status === 'blocked');
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
