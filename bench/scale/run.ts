// `pnpm bench:scale`: what BENCH_SCALE_RUNS (10,000) waiting runs cost in one Redis: memory per run, the time to
// create them, a page of the API's run list, and the reconciler's look for board moves (its first pass over the
// latest runs, and an incremental one). Runs wait as runs do: planned with 3 steps, then paused.
import { createStateStore } from '@tundra/core/server';
import { buildProjectSpec, createTestRedis } from '@tundra/testkit';
import { runsToCheck } from '../../apps/planner/src/handlers/reconcile.js';
import { createWaitingRuns } from './waiting-runs.js';

const count = Number(process.env.BENCH_SCALE_RUNS ?? 10_000);
const stepsPerRun = 3;
const redis = await createTestRedis();
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.client.info('memory'))?.[1] ?? 0);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
try {
  // Small streams, as a production Redis would keep them; the project's stream is what grows with every event.
  const store = createStateStore({ redis: redis.client, prefix: redis.prefix, projectStreamMaxLen: 10_000 });
  const saved = await store.projects.put(buildProjectSpec({ id: 'scale' }), 0);
  if (saved.kind !== 'saved') throw new Error('project not saved');
  const project = saved.project;
  const before = await usedMemory();
  const started = performance.now();
  await createWaitingRuns(store, project.id, count, stepsPerRun);
  const createSeconds = (performance.now() - started) / 1000;
  const after = await usedMemory();

  const pageMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const page = await store.runs.listRunIds(project.id, { offset: i * 50, limit: 50 });
    await Promise.all(page.ids.map((id) => store.runs.getRun(id)));
    pageMs.push(performance.now() - t);
  }
  const noTaiga = { listUserStories: async () => [], listTasks: async () => [] } as never;
  const firstPass = performance.now();
  const firstIds = await runsToCheck({ store, taiga: noTaiga }, project);
  const firstPassMs = performance.now() - firstPass;
  await store.reconciler.setMovesSince(project.id, Date.now());
  const incrementalMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await runsToCheck({ store, taiga: noTaiga }, project);
    incrementalMs.push(performance.now() - t);
  }
  console.log(
    JSON.stringify(
      {
        runs: count,
        stepsPerRun,
        createSeconds: +createSeconds.toFixed(1),
        transitionsPerSecond: +((count * 4) / createSeconds).toFixed(0),
        redisBytesPerRun: Math.round((after - before) / count),
        redisMiB: +((after - before) / 2 ** 20).toFixed(1),
        listPage50Ms: { median: +median(pageMs).toFixed(1), max: +Math.max(...pageMs).toFixed(1) },
        reconcilerMoves: {
          firstPassRuns: firstIds.length,
          firstPassListMs: +firstPassMs.toFixed(1),
          incrementalMedianMs: +median(incrementalMs).toFixed(2),
        },
      },
      null,
      2,
    ),
  );
} finally {
  await redis.stop();
}
