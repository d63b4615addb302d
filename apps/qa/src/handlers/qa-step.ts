import type { Project, ProtocolRun, StepRun } from '@tundra/core';
import { failsForGood, type JobHandler, type RunCommands, type StateStore } from '@tundra/core/server';

/** The outcome of a project's QA checks on a step's work. */
export interface CheckResult {
  passed: boolean;
  summary: string;
}

export type RunChecks = (project: Project, run: ProtocolRun, step: StepRun) => Promise<CheckResult>;

export interface QaStepDeps {
  store: StateStore;
  commands: RunCommands;
  runChecks: RunChecks;
  /** TUNDRA_AUTO_QA_AFTER_EXEC: run `command` checks as soon as a step is executed, not only when asked. */
  autoQaAfterExec: boolean;
}

const actor = { kind: 'system', name: 'qa' } as const;

/**
 * `step.qa`: decides an executed step by the project's QA policy. `command` runs the checks in the run's worktree
 * (at once after execution when TUNDRA_AUTO_QA_AFTER_EXEC is on, otherwise when an operator asks); `ci` waits for
 * the CI result of the pushed commit (`ci.result`); `manual` waits for a person to approve on the board.
 * Checks that cannot run (the worktree is broken, say) are retried as the job; once the job has no attempt left,
 * that is recorded as failed QA with the error, as the executor records its own errors: the planner then retries
 * the step or, after its last attempt, blocks the run with the reason. The step is never left waiting on a job
 * that is gone.
 */
export function createQaStepHandler(deps: QaStepDeps): JobHandler<'step.qa'> {
  return async (payload, { logger, job }) => {
    const run = await deps.store.runs.getRun(payload.protocolRunId);
    const step = await deps.store.runs.getStep(payload.protocolRunId, payload.stepRunId);
    const project = run && (await deps.store.projects.get(run.projectId));
    if (!run || !step || !project) return { outcome: 'gone' };
    if (step.status !== 'needs_qa') return { outcome: 'not_waiting', status: step.status };
    const policy = project.qaPolicy.kind;
    const runNow =
      policy === 'command' &&
      (payload.trigger === 'manual' ||
        // ci.result only enqueues a `ci` trigger when TUNDRA_AUTO_QA_ON_CI is on.
        payload.trigger === 'ci' ||
        (payload.trigger === 'after_exec' && deps.autoQaAfterExec));
    if (!runNow) {
      logger.info({ policy, trigger: payload.trigger }, 'QA waits for its decision');
      return { outcome: 'waiting', policy };
    }
    let result: CheckResult;
    try {
      result = await deps.runChecks(project, run, step);
    } catch (error) {
      if (!failsForGood(job, error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      logger.error({ err: error }, 'QA checks could not run, and the job has no attempt left');
      result = { passed: false, summary: `QA could not run the checks: ${message}` };
    }
    const outcome = await deps.commands.transitionStep(step, result.passed ? 'qa_passed' : 'qa_failed', {
      actor,
      idempotencyKey: `qa:${step.id}:${step.attempts}`,
      expectedVersion: step.version,
      reason: result.summary,
      patch: () => ({ resultSummary: result.summary }),
    });
    logger.info({ passed: result.passed, outcome: outcome.kind }, 'QA checks done');
    return { outcome: outcome.kind, passed: result.passed };
  };
}
