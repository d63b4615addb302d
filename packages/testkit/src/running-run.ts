import type { ProtocolRun, StepRun } from '@tundra/core';
import type { StateStore } from '@tundra/core/server';
import { buildTaigaItem, testActor } from './builders.js';

export interface RunningRunOptions {
  /** How many pending steps (`Step 1`, `Step 2`…). */
  steps?: number;
  title?: string;
  correlationId?: string;
  /** The branch the run works on, as the planner sets it; none by default. */
  branch?: (ref: number) => string;
}

/**
 * A run in `running` with its pending steps, made through the store alone: no effects run, so no job is enqueued
 * and the test decides what happens next.
 */
export async function createRunningRun(
  store: StateStore,
  projectId: string,
  options: RunningRunOptions = {},
): Promise<{ run: ProtocolRun; steps: StepRun[] }> {
  const item = buildTaigaItem();
  const created = await store.runs.createRun({
    projectId,
    taigaItem: item,
    title: options.title ?? 'Add a login page',
    correlationId: options.correlationId ?? 'corr',
    actor: testActor,
  });
  if (created.kind !== 'created') throw new Error(`run not created: ${created.kind}`);
  const runId = created.run.id;
  await store.runs.transitionRun(runId, 'plan_started', { actor: testActor });
  const steps = Array.from({ length: options.steps ?? 1 }, (_, i) => ({
    title: `Step ${i + 1}`,
    instructions: `Do part ${i + 1}`,
    taigaTaskId: null,
  }));
  await store.runs.storePlan(runId, { engine: 'test', steps }, { actor: testActor });
  const branch = options.branch;
  await store.runs.transitionRun(runId, 'plan_ready', {
    actor: testActor,
    ...(branch ? { patch: () => ({ branch: branch(item.ref) }) } : {}),
  });
  await store.runs.transitionRun(runId, 'run_started', { actor: testActor });
  const run = await store.runs.getRun(runId);
  if (!run) throw new Error(`run ${runId} vanished`);
  return { run, steps: await store.runs.listSteps(runId) };
}
