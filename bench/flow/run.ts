// `pnpm bench:flow`: how much time Tundra spends around each step (planning, queues, transitions, git, QA,
// write-back) with a no-op exec engine, and how many runs it completes per second, against a baseline measured in
// the same run: the bare work of a step (spawn the engine, commit, push) in a loop with no Tundra around it.
// Real Redis, the Taiga sandbox over HTTP, the planner, executor and QA apps as processes, real git.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStateStore, JobQueues } from '@tundra/core/server';
import { startTaigaSandbox } from '@tundra/taiga-sandbox';
import {
  buildProjectSpec,
  createGitRemote,
  createTestRedis,
  runGit,
  spawnApp,
  waitForStreamEntry,
} from '@tundra/testkit';

const runs = Number(process.env.BENCH_RUNS ?? 20);
const stepsPerRun = Number(process.env.BENCH_STEPS ?? 3);
const git = (args: string[], cwd: string) => runGit(cwd, ...args);

/** The baseline: per step, what any runner must do at least: spawn the engine, commit, push. */
function baselinePerStepMs(dir: string, origin: string, steps: number): number {
  const work = join(dir, 'baseline');
  git(['clone', '--quiet', origin, work], dir);
  git(['checkout', '--quiet', '-b', 'baseline'], work);
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    spawnSync('true', { cwd: work });
    git(['add', '-A'], work);
    git(['commit', '--quiet', '--allow-empty', '-m', `step ${i}`], work);
    git(['push', '--quiet', 'origin', 'baseline'], work);
  }
  return (performance.now() - start) / steps;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

const dir = mkdtempSync(join(tmpdir(), 'tundra-bench-flow-'));
const redis = await createTestRedis();
const sandbox = await startTaigaSandbox();
const apps: ReturnType<typeof spawnApp>[] = [];
try {
  const origin = createGitRemote(dir);
  const seed = await sandbox.seedDemo();
  const env = {
    REDIS_URL: redis.url,
    TUNDRA_REDIS_PREFIX: redis.prefix,
    TUNDRA_LOG_LEVEL: 'info',
    TUNDRA_OPS_HOST: '127.0.0.1',
    TUNDRA_PLANNER_PORT: '0',
    TUNDRA_EXECUTOR_PORT: '0',
    TUNDRA_QA_PORT: '0',
    TUNDRA_TAIGA_URL: sandbox.url,
    TUNDRA_TAIGA_USERNAME: seed.users.bot.username,
    TUNDRA_TAIGA_PASSWORD: seed.users.bot.password,
    TUNDRA_RECONCILE_ENABLED: 'false',
    TUNDRA_WORKSPACES_DIR: join(dir, 'workspaces'),
    TUNDRA_EXECUTOR_CONCURRENCY: '4',
  };
  for (const app of ['planner', 'executor', 'qa']) {
    const proc = spawnApp(`apps/${app}/src/main.ts`, env);
    apps.push(proc);
    await proc.waitForLine((line) => line.msg === `${app} is ready`);
  }
  const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  await store.projects.put(
    buildProjectSpec({
      id: 'bench',
      taiga: { projectId: seed.project.id, projectSlug: seed.project.slug, webhookSecretRef: 'UNUSED' },
      repository: { url: origin, baseBranch: 'main', pushRemote: 'origin' },
      planEngine: { kind: 'taiga-tasks' },
      execEngine: { kind: 'command', command: ['true'] },
      qaPolicy: { kind: 'command', command: ['true'] },
      limits: { concurrentRuns: 100, stepTimeoutSeconds: 300, maxAttempts: 1 },
    }),
    0,
  );
  const admin = sandbox.actAs('admin');
  const stories: { id: number; ref: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const story = await admin.createUserStory({ project: seed.project.id, subject: `bench story ${i}` });
    for (let s = 0; s < stepsPerRun; s++) {
      await admin.createTask({ project: seed.project.id, user_story: story.id, subject: `step ${s}` });
    }
    stories.push({ id: story.id as number, ref: story.ref as number });
  }

  const queues = new JobQueues(redis.client, redis.prefix);
  let completed = 0;
  const allDone = waitForStreamEntry(
    redis.client,
    `${redis.prefix}:events`,
    (fields) => fields.type === '"protocol_run.steps_completed"' && ++completed === runs,
    600_000,
  );
  const started = performance.now();
  await Promise.all(
    stories.map((story, i) =>
      queues.enqueue('run.start', {
        projectId: 'bench',
        correlationId: `bench-${i}`,
        taigaItem: { type: 'userstory', id: story.id, ref: story.ref },
        sourceEventId: null,
      }),
    ),
  );
  await allDone;
  const wallSeconds = (performance.now() - started) / 1000;
  await queues.close();

  // Per step: from its start to its QA decision, less the engine's own time (reported in execution_finished).
  // Per run: from its creation to its last step's QA, less all its engine time, shared out over its steps: the
  // same overhead with the planning and the hand-offs between steps (run.advance, queue hops, slots) included.
  const stepMs: number[] = [];
  const overheadMs: number[] = [];
  const runMs: number[] = [];
  const runOverheadPerStepMs: number[] = [];
  const { ids } = await store.runs.listRunIds('bench', { limit: runs });
  for (const runId of ids) {
    const events = await store.events.readRun(runId, { count: 1000 });
    const created = events.find((e) => e.type === 'protocol_run.created');
    const done = events.find((e) => e.type === 'protocol_run.steps_completed');
    const engineMs = events
      .filter((e) => e.type === 'step_run.execution_finished')
      .reduce((sum, e) => sum + Number(e.payload.durationMs ?? 0), 0);
    if (created && done) {
      const total = Date.parse(done.at) - Date.parse(created.at);
      runMs.push(total);
      runOverheadPerStepMs.push((total - engineMs) / stepsPerRun);
    }
    for (const step of await store.runs.listSteps(runId)) {
      const own = events.filter((e) => e.entityId === step.id);
      const begin = own.find((e) => e.type === 'step_run.step_started');
      const end = own.find((e) => e.type === 'step_run.qa_passed');
      const finished = own.find((e) => e.type === 'step_run.execution_finished');
      if (!begin || !end) continue;
      const total = Date.parse(end.at) - Date.parse(begin.at);
      const engine = Number(finished?.payload.durationMs ?? 0);
      stepMs.push(total);
      overheadMs.push(total - engine);
    }
  }
  const baseline = baselinePerStepMs(dir, origin, 30);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const report = {
    runs,
    stepsPerRun,
    wallSeconds: +wallSeconds.toFixed(2),
    runsPerSecond: +(runs / wallSeconds).toFixed(2),
    stepsPerSecond: +((runs * stepsPerRun) / wallSeconds).toFixed(2),
    stepMs: { p50: quantile(stepMs, 0.5), p99: quantile(stepMs, 0.99), mean: +mean(stepMs).toFixed(1) },
    overheadPerStepMs: {
      p50: quantile(overheadMs, 0.5),
      p99: quantile(overheadMs, 0.99),
      mean: +mean(overheadMs).toFixed(1),
    },
    runMs: { p50: quantile(runMs, 0.5), p99: quantile(runMs, 0.99) },
    runOverheadPerStepMs: {
      p50: +quantile(runOverheadPerStepMs, 0.5).toFixed(1),
      mean: +mean(runOverheadPerStepMs).toFixed(1),
    },
    baselinePerStepMs: +baseline.toFixed(1),
    ratioStepToBaseline: +(mean(stepMs) / baseline).toFixed(2),
  };
  console.log(JSON.stringify(report, null, 2));
  // Warnings and errors the apps logged: a slow tail usually has its reason here (a retry, a slot wait).
  for (const app of apps) {
    for (const line of app.lines.filter((l) => Number(l.level) >= 40).slice(0, 5)) {
      console.error(
        `${String(line.app ?? '?')}: ${String(line.msg)} ${JSON.stringify(line.err ?? line.reason ?? '')}`,
      );
    }
  }
} finally {
  await Promise.all(apps.map((app) => app.stop()));
  await sandbox.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
