import type { JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import { sameCommitVerdict } from '../ci-verdicts.js';

export interface SameCommitVerdictDeps {
  store: StateStore;
  commands: RunCommands;
  /** TUNDRA_AUTO_QA_ON_CI: only where CI decides QA automatically does an earlier verdict carry over. */
  autoQaOnCi: boolean;
}

const actor = { kind: 'ci', name: 'ci' } as const;

/**
 * Wraps the `step.qa` handler: under the `ci` policy, a step that changed nothing (its commit is an earlier,
 * accepted step's) passes at once with that commit's verdict, since no CI run will come for it; every other job
 * goes to `inner` unchanged. A wrapper rather than a branch inside `step.qa` so that the CI rules stay in one
 * place (`ci-verdicts.ts`) next to `ci.result`'s.
 */
export function withSameCommitVerdict(
  inner: JobHandler<'step.qa'>,
  deps: SameCommitVerdictDeps,
): JobHandler<'step.qa'> {
  return async (payload, context) => {
    const run = await deps.store.runs.getRun(payload.protocolRunId);
    const project = run && (await deps.store.projects.get(run.projectId));
    if (!run || !project || project.qaPolicy.kind !== 'ci') return inner(payload, context);
    const steps = await deps.store.runs.listSteps(run.id);
    const step = steps.find((candidate) => candidate.id === payload.stepRunId);
    if (!step) return inner(payload, context);
    const verdict = sameCommitVerdict({
      policy: project.qaPolicy.kind,
      autoQaOnCi: deps.autoQaOnCi,
      steps,
      step,
    });
    if (verdict.kind === 'wait') return inner(payload, context);
    const sha = step.commitSha?.slice(0, 12) ?? '';
    const reason = `no change: ${sha} was already accepted at step ${verdict.from.order + 1}`;
    const outcome = await deps.commands.step(run.id, step.id, 'qa_passed', {
      actor,
      // Per waiting state: a duplicate job replays, a later wait of the same step (after a retry) decides anew.
      idempotencyKey: `ci-same-commit:${step.id}:${step.version}`,
      expectedVersion: step.version,
      reason,
      payload: { commitSha: step.commitSha, carriedFromStepRunId: verdict.from.id },
      patch: () => ({ resultSummary: reason }),
    });
    context.logger.info(
      { commitSha: step.commitSha, fromStepRunId: verdict.from.id, outcome: outcome.kind },
      'step changed nothing: the verdict on its commit carries over',
    );
    return { outcome: outcome.kind, carriedFrom: verdict.from.id };
  };
}
