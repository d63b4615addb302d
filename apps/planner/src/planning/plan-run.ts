import {
  type Actor,
  type ContextFile,
  createSecretMasker,
  modelFromTags,
  type Project,
  type ProtocolRun,
  renderRunContext,
  runBranchName,
  secretValues,
  TundraError,
} from '@tundra/core';
import type { RunCommands, StateStore } from '@tundra/core/server';
import type { TaigaClient } from '@tundra/taiga';
import type { Logger } from 'pino';
import { type PlanEngine, PlanFailedError, type PlanItem } from '../plan-engines/plan-engine.js';
import { readPlanItem } from './taiga-item-reader.js';

export interface PlanRunDeps {
  store: StateStore;
  commands: RunCommands;
  taiga: Pick<TaigaClient, 'getUserStory' | 'getTask'>;
  engines: Record<Project['planEngine']['kind'], PlanEngine>;
  /** What the plan engine's context file needs: its size cap, and the environment the project's secrets are in. */
  context: { maxBytes: number; env: Record<string, string | undefined> };
}

const actor: Actor = { kind: 'system', name: 'planner' };

export type PlanRunOutcome = 'planned' | 'plan_failed' | 'not_planning';

/**
 * Plans a run that is `planning`: reads its Taiga item, runs the project's plan engine, stores the steps, and moves
 * the run through `planned` to `running` (or leaves it `planned` when the project wants each plan approved). A plan that cannot be made (no steps, bad engine output) fails the run
 * with the reason; any other error is thrown for the job to retry, and fails the run on the last attempt.
 */
export async function planRun(
  deps: PlanRunDeps,
  runId: string,
  options: { logger: Logger; lastAttempt: boolean },
): Promise<PlanRunOutcome> {
  const run = await deps.store.runs.getRun(runId);
  if (run?.status !== 'planning') return 'not_planning';
  const project = await deps.store.projects.get(run.projectId);
  const mask = createSecretMasker(secretValues(project?.secretEnv, deps.context.env));
  const fail = async (unmasked: string) => {
    // An engine's output can end up in the reason, which Taiga shows.
    const reason = mask(unmasked);
    await deps.commands.transitionRun(run, 'plan_failed', {
      actor,
      reason,
      patch: () => ({ reason }),
      idempotencyKey: `plan_failed:${runId}:${run.version}`,
    });
    options.logger.warn({ reason }, 'planning failed');
    return 'plan_failed' as const;
  };
  if (!project) return fail(`project ${run.projectId} is no longer registered`);

  const engine = deps.engines[project.planEngine.kind];
  let steps: Awaited<ReturnType<PlanEngine['plan']>>;
  let item: Awaited<ReturnType<typeof readPlanItem>>;
  try {
    item = await readPlanItem(deps.taiga, run.taigaItem);
    const context = await planContext(deps, run, item, mask);
    steps = await engine.plan({ project, run, item, context });
  } catch (error) {
    if (error instanceof PlanFailedError) return fail(error.message);
    // No retry can fix a non-retryable error (Taiga says forbidden, say), and a last attempt has none left: the
    // run fails with the reason instead of staying in `planning` for ever.
    if (error instanceof TundraError && !error.retryable) return fail(`planning failed: ${error.message}`);
    if (options.lastAttempt) return fail(`planning kept failing: ${(error as Error).message}`);
    throw error;
  }

  const stored = await deps.store.runs.storePlan(
    runId,
    { engine: engine.name, steps },
    { actor, expectedVersion: run.version },
  );
  if (stored.kind !== 'applied') {
    options.logger.info({ outcome: stored.kind }, 'the run changed while it was planned: plan dropped');
    return 'not_planning';
  }
  const generation = stored.record.plan?.generation ?? 1;
  const awaitingApproval = project.planApproval === 'required';
  const ready = await deps.commands.transitionRun(stored.record, 'plan_ready', {
    actor,
    idempotencyKey: `plan_ready:${runId}:${generation}`,
    patch: () => ({
      title: item.subject,
      branch: runBranchName(run.projectId, item.ref, item.subject),
      reason: null,
      description: item.description,
      modelTag: modelFromTags(item.tags),
    }),
    payload: { steps: steps.map((step) => step.title), awaitingApproval },
  });
  if (awaitingApproval) {
    // The run waits in `planned` for a person's `/tundra go` (or a move to the running status): nothing runs before.
    options.logger.info({ steps: steps.length, engine: engine.name }, 'run planned; waiting for approval');
    return 'planned';
  }
  await deps.commands.transitionRun(ready.kind === 'applied' ? ready.record : runId, 'run_started', {
    actor,
    idempotencyKey: `run_started:${runId}:${generation}`,
  });
  options.logger.info({ steps: steps.length, engine: engine.name }, 'run planned');
  return 'planned';
}

/**
 * The plan engine's context file: the item as Taiga has it now, the plan being replaced (a `replan`), and all that
 * people said on the run's items, rendered as an exec engine's is. There is no worktree, so no conventions file.
 */
async function planContext(
  deps: PlanRunDeps,
  run: ProtocolRun,
  item: PlanItem,
  mask: (text: string) => string,
): Promise<ContextFile> {
  return renderRunContext({
    item,
    steps: await deps.store.runs.listSteps(run.id),
    attempt: null,
    remarks: await deps.store.conversation.contextRemarks(run.id, null),
    conventions: null,
    maxBytes: deps.context.maxBytes,
    mask,
  });
}
