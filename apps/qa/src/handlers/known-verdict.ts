import type { JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import { ciReason, knownVerdict } from '../ci-verdicts.js';
import type { CiVerdictStore } from '../store/ci-verdict-store.js';
import { ciActor, failStepsByCi, passStepsByCi } from './ci-transitions.js';

export interface KnownVerdictDeps {
  store: StateStore;
  commands: RunCommands;
  /** CI's verdicts recorded per commit by `ci.result`. */
  verdicts: Pick<CiVerdictStore, 'get'>;
  /** TUNDRA_AUTO_QA_ON_CI: only where CI decides QA automatically does a success known before carry over. */
  autoQaOnCi: boolean;
}

/**
 * Wraps the `step.qa` handler: under the `ci` policy, a step that starts waiting for QA at a commit whose verdict
 * is already known takes it at once, since no new CI result will come for it: a step that changed nothing passes
 * with the earlier accepted step at its commit; a step whose commit CI reported on before the step waited (fast CI,
 * or a blocked step retried without change) passes or is blocked as that result would have done. Every other job
 * goes to `inner` unchanged. A wrapper rather than a branch inside `step.qa` so that the CI rules stay in one
 * place (`ci-verdicts.ts`) next to `ci.result`'s.
 */
export function withKnownVerdict(
  inner: JobHandler<'step.qa'>,
  deps: KnownVerdictDeps,
): JobHandler<'step.qa'> {
  return async (payload, context) => {
    const run = await deps.store.runs.getRun(payload.protocolRunId);
    const project = run && (await deps.store.projects.get(run.projectId));
    if (!run || !project || project.qaPolicy.kind !== 'ci') return inner(payload, context);
    const steps = await deps.store.runs.listSteps(run.id);
    const step = steps.find((candidate) => candidate.id === payload.stepRunId);
    if (!step) return inner(payload, context);
    // Read once the step waits (the transition to `needs_qa` enqueued this job): `ci.result` records a verdict
    // before it looks for waiting steps, so a result that found this step not yet waiting is seen here.
    const ci =
      step.status === 'needs_qa' && step.commitSha !== null
        ? await deps.verdicts.get(run.id, step.commitSha)
        : null;
    const verdict = knownVerdict({
      policy: project.qaPolicy.kind,
      autoQaOnCi: deps.autoQaOnCi,
      steps,
      step,
      ci,
    });
    const sha = step.commitSha?.slice(0, 12) ?? '';
    switch (verdict.kind) {
      case 'wait':
        return inner(payload, context);
      case 'carry_over': {
        const reason = `no change: ${sha} was already accepted at step ${verdict.from.order + 1}`;
        const outcome = await deps.commands.transitionStep(step, 'qa_passed', {
          actor: ciActor,
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
      }
      case 'ci_passed':
      case 'ci_failed': {
        const { ci: known } = verdict;
        const decision = {
          reason: ciReason({ ...known, branch: run.branch, sha: step.commitSha }),
          // Per waiting state, as above: the same verdict blocks a step again after a retry that changed nothing.
          stepKey: () => `ci-known:${step.id}:${step.version}`,
          resumeKey: `ci-known:${step.id}:${step.version}:resume`,
          // `ci.result` may decide the step meanwhile, from a newer result: that one stands.
          pinVersion: true,
          payload: {
            commitSha: step.commitSha,
            ciSourceEventId: known.sourceEventId,
            ciReportedAt: known.at,
          },
        };
        const apply = verdict.kind === 'ci_passed' ? passStepsByCi : failStepsByCi;
        const [outcome] = await apply(deps.commands, run, [step], decision);
        context.logger.info(
          { commitSha: step.commitSha, ci: known, outcome: outcome?.kind },
          'CI reported on the commit before the step waited: its verdict decides the step',
        );
        return { outcome: outcome?.kind ?? 'none', ci: known.outcome };
      }
      default: {
        const unexpected: never = verdict;
        throw new Error(`unexpected known verdict ${JSON.stringify(unexpected)}`);
      }
    }
  };
}
