import type { ProtocolRun, StepRun } from '@tundra/core';
import type { RunCommands, TransitionOutcome } from '@tundra/core/server';

/** Who CI's verdicts are recorded as. */
export const ciActor = { kind: 'ci', name: 'ci' } as const;

/**
 * How one CI verdict is written on the steps it decides. Shared by `ci.result` (a verdict as it arrives) and the
 * `step.qa` wrapper (a verdict recorded before the step waited), so that "CI passed this step" and "CI failed this
 * step" are the same transitions whichever way the verdict reached the step.
 */
export interface CiDecision {
  /** Shown on the step and on the board: which CI result said so. */
  reason: string;
  /** The idempotency key of each step's transition: the same verdict handled twice changes the step once. */
  stepKey(step: StepRun): string;
  /** The idempotency key of the run's `resumed` when a green result clears a CI block. */
  resumeKey: string;
  /**
   * Transition each step only at the version it was read at: for a decision taken on the step as it was, which a
   * concurrent `ci.result` may have decided meanwhile.
   */
  pinVersion?: boolean;
  /** Recorded with each step's event. */
  payload?: Record<string, unknown>;
}

/** One step after the other, in plan order: each transition's effects are dispatched before the next. */
async function transitionEach(
  commands: RunCommands,
  steps: readonly StepRun[],
  event: 'ci_failed' | 'qa_passed',
  decision: CiDecision,
): Promise<TransitionOutcome<StepRun>[]> {
  const outcomes: TransitionOutcome<StepRun>[] = [];
  for (const step of steps) {
    outcomes.push(await commands.transitionStep(step, event, stepCommand(step, decision)));
  }
  return outcomes;
}

/** CI failed these steps: each is blocked with the result as reason (the planner then blocks the run). */
export async function failStepsByCi(
  commands: RunCommands,
  // The same shape as passStepsByCi, which needs the run: callers pick one of the two.
  _run: ProtocolRun,
  steps: readonly StepRun[],
  decision: CiDecision,
): Promise<TransitionOutcome<StepRun>[]> {
  return transitionEach(commands, steps, 'ci_failed', decision);
}

/** CI passed these steps: each passes QA, and a run that a CI failure blocked resumes with its next step. */
export async function passStepsByCi(
  commands: RunCommands,
  run: ProtocolRun,
  steps: readonly StepRun[],
  decision: CiDecision,
): Promise<TransitionOutcome<StepRun>[]> {
  const outcomes = await transitionEach(commands, steps, 'qa_passed', decision);
  if (run.status === 'blocked' && steps.length > 0) {
    await commands.transitionRun(run, 'resumed', {
      actor: ciActor,
      idempotencyKey: decision.resumeKey,
      reason: decision.reason,
      patch: () => ({ reason: null }),
    });
  }
  return outcomes;
}

function stepCommand(step: StepRun, decision: CiDecision) {
  return {
    actor: ciActor,
    idempotencyKey: decision.stepKey(step),
    ...(decision.pinVersion ? { expectedVersion: step.version } : {}),
    ...(decision.payload ? { payload: decision.payload } : {}),
    reason: decision.reason,
    patch: () => ({ resultSummary: decision.reason }),
  };
}
