import { type DeliveryConfig, deliveryOf, type ProjectLimits } from '../contracts/project.js';
import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';

/**
 * The idempotency key of cancelling a step because its run was cancelled. The planner (cancel_steps) and the
 * executor (stopping the step's engine) may both get there first; one key makes it one transition.
 */
export function cancelledWithRunKey(stepId: string): string {
  return `cancelled-with-run:${stepId}`;
}

/** What a running run needs next, decided from its steps alone. */
export type NextAction =
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'execute'; readonly step: StepRun }
  | { readonly kind: 'retry'; readonly step: StepRun }
  | { readonly kind: 'block'; readonly step: StepRun; readonly reason: string }
  | { readonly kind: 'complete' }
  | { readonly kind: 'cancel_steps'; readonly steps: readonly StepRun[] }
  | { readonly kind: 'await_merge' }
  /** Every step is done and the project delivers by pull request: open it (or update it) and wait for review. */
  | { readonly kind: 'deliver' };

/**
 * A cancelled run's unfinished steps are cancelled with it. Steps run one after another in plan order. The first step that is not completed (or cancelled) decides: a
 * pending one is executed; a failed one is retried while attempts remain, else the run is blocked with the reason;
 * a blocked one blocks the run; a running or needs_qa one means waiting. With every step done, the run completes,
 * goes to review as a pull request (`pull-request` delivery), or waits for its PR/MR to be merged (`waitForMerge`).
 */
export function decideNextAction(
  run: Pick<ProtocolRun, 'status'>,
  steps: readonly StepRun[],
  project: {
    limits: Pick<ProjectLimits, 'maxAttempts'>;
    waitForMerge: boolean;
    delivery?: DeliveryConfig | undefined;
  },
): NextAction {
  if (run.status === 'cancelled') {
    const unfinished = steps.filter((step) => step.status !== 'completed' && step.status !== 'cancelled');
    return unfinished.length > 0
      ? { kind: 'cancel_steps', steps: unfinished }
      : { kind: 'wait', reason: 'the run is cancelled' };
  }
  if (run.status !== 'running') return { kind: 'wait', reason: `the run is ${run.status}` };
  const ordered = [...steps].sort((a, b) => a.order - b.order);
  const current = ordered.find(
    (step): step is StepRun & { status: Exclude<StepRun['status'], 'completed' | 'cancelled'> } =>
      step.status !== 'completed' && step.status !== 'cancelled',
  );
  if (!current) {
    if (deliveryOf(project).kind === 'pull-request') return { kind: 'deliver' };
    return project.waitForMerge ? { kind: 'await_merge' } : { kind: 'complete' };
  }
  switch (current.status) {
    case 'pending':
      return { kind: 'execute', step: current };
    case 'running':
    case 'needs_qa':
      return { kind: 'wait', reason: `step ${current.order + 1} is ${current.status}` };
    case 'failed':
      if (current.attempts < project.limits.maxAttempts) return { kind: 'retry', step: current };
      return {
        kind: 'block',
        step: current,
        reason:
          `step ${current.order + 1} "${current.title}" failed after ${current.attempts} attempt` +
          `${current.attempts === 1 ? '' : 's'}` +
          (current.resultSummary ? `: ${current.resultSummary}` : ''),
      };
    case 'blocked':
      return {
        kind: 'block',
        step: current,
        reason:
          `step ${current.order + 1} "${current.title}" is blocked` +
          (current.resultSummary ? `: ${current.resultSummary}` : ''),
      };
    default: {
      const unexpected: never = current.status;
      throw new Error(`unexpected step status ${String(unexpected)}`);
    }
  }
}
