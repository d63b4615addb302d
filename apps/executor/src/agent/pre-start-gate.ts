import {
  budgetBlockedReason,
  budgetBreach,
  chooseModel,
  type ModelSource,
  type Project,
  type ProtocolRun,
  type Spent,
  type StepRun,
  spendDay,
} from '@tundra/core';
import type { SpendLedger } from '@tundra/core/server';

/** What keeps a step from starting. */
export const GateRefusal = { Budget: 'budget', ModelRefused: 'model_refused' } as const;
export type GateRefusal = (typeof GateRefusal)[keyof typeof GateRefusal];

export type GateDecision =
  | { kind: 'go'; model: string | null; source: ModelSource; spent: Spent }
  | { kind: 'block'; refusal: GateRefusal; reason: string; spent: Spent };

/**
 * What the executor checks before a step starts, so that nothing is spent on it: the model it would run with must
 * be one the project allows, and neither the step, the run nor the project's day may be at its limit already.
 * Either blocks the run with a reason a person can act on.
 */
export async function decideStepStart(input: {
  ledger: SpendLedger;
  project: Project;
  run: ProtocolRun;
  step: StepRun;
  afterFailure: boolean;
  now: Date;
}): Promise<GateDecision> {
  const { project, run, step } = input;
  const spent = await input.ledger.read({
    projectId: project.id,
    runId: run.id,
    stepId: step.id,
    day: spendDay(input.now),
  });
  const preset = project.execEngine.kind === 'command' ? null : (project.execEngine.model ?? null);
  const choice = chooseModel(
    {
      taskTag: step.modelTag ?? null,
      storyTag: run.modelTag ?? null,
      planned: step.plannedModel ?? null,
      preset,
      afterFailure: input.afterFailure,
    },
    project.models,
  );
  if (choice.kind === 'refused') {
    return { kind: 'block', refusal: GateRefusal.ModelRefused, reason: choice.reason, spent };
  }
  const breach = budgetBreach(spent, project.budgets, 'before_start');
  if (breach)
    return { kind: 'block', refusal: GateRefusal.Budget, reason: budgetBlockedReason(breach), spent };
  return { kind: 'go', model: choice.model, source: choice.source, spent };
}
