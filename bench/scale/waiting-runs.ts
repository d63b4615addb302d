import type { StateStore } from '@tundra/core/server';
import { testActor } from '@tundra/testkit';

/**
 * `count` runs that wait as runs do, in the project `projectId`: created, planned with `stepsPerRun` steps, then
 * paused; 50 made at once. Their Taiga items (ids from 1,000,000) need not exist: nothing touches a paused run.
 */
export async function createWaitingRuns(
  store: StateStore,
  projectId: string,
  count: number,
  stepsPerRun: number,
): Promise<void> {
  const batch = 50;
  for (let offset = 0; offset < count; offset += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - offset) }, async (_, i) => {
        const n = offset + i;
        const created = await store.runs.createRun({
          projectId,
          taigaItem: { type: 'userstory', id: 1_000_000 + n, ref: n + 1 },
          title: `waiting ${n}`,
          correlationId: `waiting-${n}`,
          actor: testActor,
        });
        if (created.kind !== 'created') throw new Error('run not created');
        const planning = await store.runs.transitionRun(created.run, 'plan_started', { actor: testActor });
        if (planning.kind !== 'applied') throw new Error(`plan_started: ${planning.kind}`);
        const steps = Array.from({ length: stepsPerRun }, (_, s) => ({
          title: `step ${s}`,
          instructions: '',
          taigaTaskId: 2_000_000 + n * stepsPerRun + s,
        }));
        const stored = await store.runs.storePlan(
          created.run.id,
          { engine: 'taiga-tasks', steps },
          { actor: testActor },
        );
        if (stored.kind !== 'applied') throw new Error(`storePlan: ${stored.kind}`);
        const planned = await store.runs.transitionRun(stored.record, 'plan_ready', { actor: testActor });
        if (planned.kind !== 'applied') throw new Error(`plan_ready: ${planned.kind}`);
        const paused = await store.runs.transitionRun(planned.record, 'paused', { actor: testActor });
        if (paused.kind !== 'applied') throw new Error(`paused: ${paused.kind}`);
      }),
    );
  }
}
