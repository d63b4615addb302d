// `pnpm bench:flow`: how much time Tundra spends around each step (planning, queues, transitions, git, QA,
// write-back) with a no-op exec engine, against baselines measured in the same run: the bare work of a step (spawn
// the engine, commit, push) with no Tundra around it.
//
// Three scenarios, one after the other on the same apps:
// - lone: 1 run of BENCH_LONE_STEPS (6) steps; its mean step time against the bare step done one at a time;
// - concurrent: BENCH_RUNS (20) runs of BENCH_STEPS (3) steps at once; steps/s against a bare loop doing the same
//   steps with the executor's concurrency (BENCH_CONCURRENCY, 4), and the write-back lag from each event to the
//   Taiga history entry that holds its comment;
// - crowded: the lone run again once BENCH_WAITING_RUNS (10,000; 0 skips it) runs wait in the same project (planned
//   with 3 steps, paused, as in bench:scale); its mean step time against the lone run's.
//
// Real Redis, the Taiga sandbox over HTTP (as slow as taiga-back 6.10.0 unless BENCH_TAIGA_LATENCY=0), the planner,
// executor and QA apps as processes, real git.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createKeys, createStateStore, JobQueues, type StateStore } from '@tundra/core/server';
import { createTaigaClient, type TaigaClient, taigaClientSettingsFromEnv } from '@tundra/taiga';
import { realTaigaLatency, startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  buildProjectSpec,
  createGitRemote,
  createTestRedis,
  runGit,
  spawnApp,
  type TestRedis,
  waitForStreamEntry,
} from '@tundra/testkit';
import { createWaitingRuns } from '../scale/waiting-runs.js';

const loneSteps = Number(process.env.BENCH_LONE_STEPS ?? 6);
const runs = Number(process.env.BENCH_RUNS ?? 20);
const stepsPerRun = Number(process.env.BENCH_STEPS ?? 3);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const waitingRuns = Number(process.env.BENCH_WAITING_RUNS ?? 10_000);
/** Print the apps' log lines of one step of the lone run, at debug level, as a timeline (a wall-clock profile). */
const trace = process.env.BENCH_TRACE === '1';
const git = (args: string[], cwd: string) => runGit(cwd, ...args);
const exec = promisify(execFile);
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@tundra.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@tundra.invalid',
};

/** The bare step, one at a time: what any runner must do at least (spawn the engine, commit, push). */
function barePerStepMs(dir: string, origin: string, steps: number): number {
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

/** The bare step with `workers` of them at once, each on its own clone and branch: steps per second. */
async function bareStepsPerSecond(
  dir: string,
  origin: string,
  steps: number,
  workers: number,
): Promise<number> {
  const clones = Array.from({ length: workers }, (_, w) => {
    const work = join(dir, `bare-${w}`);
    git(['clone', '--quiet', origin, work], dir);
    git(['checkout', '--quiet', '-b', `bare-${w}`], work);
    return work;
  });
  let next = 0;
  const start = performance.now();
  await Promise.all(
    clones.map(async (work, w) => {
      for (let i = next++; i < steps; i = next++) {
        await exec('true', [], { cwd: work });
        for (const args of [
          ['add', '-A'],
          ['commit', '--quiet', '--allow-empty', '-m', `step ${i}`],
          ['push', '--quiet', 'origin', `bare-${w}`],
        ]) {
          await exec('git', args, { cwd: work, env: gitEnv });
        }
      }
    }),
  );
  return steps / ((performance.now() - start) / 1000);
}

/**
 * CPU seconds a process used, its own and its waited-for children's (git, engines, supervisors), from
 * /proc/<pid>/stat (Linux; clock ticks of 1/100 s).
 */
function processCpuSeconds(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime: fields 14–17 of the line, 12–15 after the command name and state.
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
}

/** Redis's own CPU seconds (INFO cpu): the server is shared, so read it on an otherwise idle machine. */
async function redisCpuSeconds(redis: TestRedis): Promise<number> {
  const info = await redis.client.info('cpu');
  const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return value('used_cpu_sys') + value('used_cpu_user');
}

/** Where the CPU of a scenario went: each app, Redis, and this process (the bench and the Taiga sandbox). */
async function cpuSnapshot(redis: TestRedis, apps: Record<string, number>): Promise<Record<string, number>> {
  const snapshot: Record<string, number> = {};
  for (const [name, pid] of Object.entries(apps)) snapshot[name] = processCpuSeconds(pid);
  snapshot.redis = await redisCpuSeconds(redis);
  snapshot['bench and sandbox'] = processCpuSeconds('self');
  return snapshot;
}

/** CPU milliseconds per step, by process, between two snapshots. */
function cpuMsPerStep(before: Record<string, number>, after: Record<string, number>, steps: number) {
  const per = Object.fromEntries(
    Object.keys(before).map((name) => [name, +(((after[name]! - before[name]!) * 1000) / steps).toFixed(1)]),
  );
  return {
    ...per,
    total: +Object.values(per)
      .reduce((a, b) => a + b, 0)
      .toFixed(1),
  };
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

interface Bench {
  redis: TestRedis;
  sandbox: TaigaSandbox;
  seed: Awaited<ReturnType<TaigaSandbox['seedDemo']>>;
  store: StateStore;
  taiga: TaigaClient;
}

/** Runs `count` stories of `steps` tasks each at once, and measures them from their events and Taiga's history. */
async function scenario(bench: Bench, name: string, count: number, steps: number) {
  const { redis, sandbox, seed, store } = bench;
  const admin = sandbox.actAs('admin');
  const stories: { id: number; ref: number }[] = [];
  for (let i = 0; i < count; i++) {
    const story = await admin.createUserStory({ project: seed.project.id, subject: `${name} story ${i}` });
    for (let s = 0; s < steps; s++) {
      await admin.createTask({ project: seed.project.id, user_story: story.id, subject: `step ${s}` });
    }
    stories.push({ id: story.id as number, ref: story.ref as number });
  }
  const queues = new JobQueues(redis.client, redis.prefix);
  const correlation = (i: number) => `bench-${name}-${i}`;
  let completed = 0;
  const allDone = waitForStreamEntry(
    redis.client,
    createKeys(redis.prefix).projectEvents('bench'),
    (fields) =>
      fields.type === '"protocol_run.steps_completed"' &&
      String(fields.correlationId).includes(`bench-${name}-`) &&
      ++completed === count,
    600_000,
  );
  const started = performance.now();
  await Promise.all(
    stories.map((story, i) =>
      queues.enqueue('run.start', {
        projectId: 'bench',
        correlationId: correlation(i),
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
  // Where a step's time goes: the executor (start to its result, engine time included), the hand-off to QA and
  // the QA check (result to decision).
  const executeMs: number[] = [];
  const qaMs: number[] = [];
  const runOverheadPerStepMs: number[] = [];
  const eventAt = new Map<string, number>();
  const runIds: string[] = [];
  for (const story of stories) {
    const [runId] = await store.runs.listRunIdsForItem('bench', { type: 'userstory', id: story.id });
    if (runId) runIds.push(runId);
  }
  for (const runId of runIds) {
    const events = await store.events.readRun(runId, { count: 1000 });
    for (const event of events) eventAt.set(event.id, Date.parse(event.at));
    const created = events.find((e) => e.type === 'protocol_run.created');
    const done = events.find((e) => e.type === 'protocol_run.steps_completed');
    const engineMs = events
      .filter((e) => e.type === 'step_run.execution_finished')
      .reduce((sum, e) => sum + Number(e.payload.durationMs ?? 0), 0);
    if (created && done) {
      runOverheadPerStepMs.push((Date.parse(done.at) - Date.parse(created.at) - engineMs) / steps);
    }
    for (const step of await store.runs.listSteps(runId)) {
      const own = events.filter((e) => e.entityId === step.id);
      const begin = own.find((e) => e.type === 'step_run.step_started');
      const end = own.find((e) => e.type === 'step_run.qa_passed');
      const finished = own.find((e) => e.type === 'step_run.execution_finished');
      if (!begin || !end) continue;
      const total = Date.parse(end.at) - Date.parse(begin.at);
      stepMs.push(total);
      overheadMs.push(total - Number(finished?.payload.durationMs ?? 0));
      if (finished) {
        executeMs.push(Date.parse(finished.at) - Date.parse(begin.at));
        qaMs.push(Date.parse(end.at) - Date.parse(finished.at));
      }
    }
  }

  // Write-back lag: from each event that comments to the Taiga history entry that holds its comment, read once
  // every comment is there (the plan, two per step, the end).
  const lagMs: number[] = [];
  const expected = count * (2 + 2 * steps);
  for (let tries = 0; tries < 100 && lagMs.length < expected; tries++) {
    lagMs.length = 0;
    for (const story of stories) {
      const tasks = await bench.taiga.listTasks({ user_story: story.id });
      const histories = [
        await bench.taiga.userStoryHistory(story.id),
        ...(await Promise.all(tasks.map((task) => bench.taiga.taskHistory(task.id)))),
      ];
      for (const entry of histories.flat()) {
        // The marker ends the comment's footer (core's commentMarker): a stream id.
        const marker = /tundra-event:(\d+-\d+)/.exec(entry.comment ?? '');
        const at = marker ? eventAt.get(marker[1]!) : undefined;
        if (at !== undefined) lagMs.push(Date.parse(entry.created_at) - at);
      }
    }
    if (lagMs.length < expected) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    runs: count,
    stepsPerRun: steps,
    wallSeconds: +wallSeconds.toFixed(2),
    stepsPerSecond: +((count * steps) / wallSeconds).toFixed(2),
    stepMs: { p50: quantile(stepMs, 0.5), p99: quantile(stepMs, 0.99), mean: +mean(stepMs).toFixed(1) },
    overheadPerStepMs: { p50: quantile(overheadMs, 0.5), mean: +mean(overheadMs).toFixed(1) },
    phasesMs: {
      execute: { p50: quantile(executeMs, 0.5), mean: +mean(executeMs).toFixed(1) },
      qa: { p50: quantile(qaMs, 0.5), mean: +mean(qaMs).toFixed(1) },
    },
    runOverheadPerStepMs: { p50: +quantile(runOverheadPerStepMs, 0.5).toFixed(1) },
    writeBackLagMs: {
      comments: lagMs.length,
      expected,
      p50: quantile(lagMs, 0.5),
      p99: quantile(lagMs, 0.99),
      max: Math.max(...lagMs),
    },
  };
}

/**
 * The lone run's third step (warm, not the last), from the apps' log lines that name it or its jobs: milliseconds
 * from its `step_started` event, the app and the message. On stderr, so that the JSON report stays parseable.
 */
async function printStepTimeline(store: Bench['store'], apps: ReturnType<typeof spawnApp>[]): Promise<void> {
  // The lone run is the project's only run when this is called.
  const { ids: runs } = await store.runs.listRunIds('bench', { limit: 1 });
  const steps = await store.runs.listSteps(runs[0]!);
  const step = steps[2] ?? steps[0]!;
  const events = await store.events.readRun(runs[0]!, { count: 1000 });
  const started = events.find((e) => e.entityId === step.id && e.type === 'step_run.step_started');
  const zero = started ? Date.parse(started.at) : 0;
  const done = events.find((e) => e.entityId === step.id && e.type === 'step_run.qa_passed');
  const end = done ? Date.parse(done.at) : Number.POSITIVE_INFINITY;
  const at = (line: Record<string, unknown>) =>
    typeof line.time === 'number' ? line.time : Date.parse(String(line.time));
  // The step's own lines, and the run's lines while it ran (worktree, push): those do not name the step.
  const lines = apps
    .flatMap((app) => app.lines)
    .filter(
      (line) =>
        line.stepRunId === step.id ||
        String(line.jobId ?? '').includes(step.id) ||
        (line.protocolRunId === runs[0] && at(line) >= zero - 100 && at(line) <= end + 20),
    )
    .sort((a, b) => at(a) - at(b));
  console.error(`timeline of ${step.id} (ms from step_started):`);
  for (const line of lines)
    console.error(`${String(at(line) - zero).padStart(6)}  ${String(line.app).padEnd(9)} ${line.msg}`);
}

const dir = mkdtempSync(join(tmpdir(), 'tundra-bench-flow-'));
const redis = await createTestRedis();
const latency = process.env.BENCH_TAIGA_LATENCY === '0' ? undefined : realTaigaLatency;
const sandbox = await startTaigaSandbox(latency ? { latency } : {});
const apps: ReturnType<typeof spawnApp>[] = [];
try {
  const origin = createGitRemote(dir);
  const seed = await sandbox.seedDemo();
  const env = {
    REDIS_URL: redis.url,
    TUNDRA_REDIS_PREFIX: redis.prefix,
    TUNDRA_LOG_LEVEL: trace ? 'debug' : 'info',
    TUNDRA_OPS_HOST: '127.0.0.1',
    TUNDRA_PLANNER_PORT: '0',
    TUNDRA_EXECUTOR_PORT: '0',
    TUNDRA_QA_PORT: '0',
    TUNDRA_TAIGA_URL: sandbox.url,
    TUNDRA_TAIGA_USERNAME: seed.users.bot.username,
    TUNDRA_TAIGA_PASSWORD: seed.users.bot.password,
    TUNDRA_RECONCILE_ENABLED: 'false',
    TUNDRA_WORKSPACES_DIR: join(dir, 'workspaces'),
    TUNDRA_EXECUTOR_CONCURRENCY: String(concurrency),
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
  const taiga = createTaigaClient({
    ...taigaClientSettingsFromEnv({
      TUNDRA_TAIGA_URL: sandbox.url,
      TUNDRA_TAIGA_USERNAME: seed.users.bot.username,
      TUNDRA_TAIGA_PASSWORD: seed.users.bot.password,
    }),
  });
  const bench: Bench = { redis, sandbox, seed, store, taiga };

  const lone = await scenario(bench, 'lone', 1, loneSteps);
  if (trace) await printStepTimeline(store, apps);
  const loneBareMs = barePerStepMs(dir, origin, 30);
  const pids = Object.fromEntries(apps.map((app, i) => [['planner', 'executor', 'qa'][i]!, app.child.pid!]));
  const cpuBefore = await cpuSnapshot(redis, pids);
  const concurrent = await scenario(bench, 'concurrent', runs, stepsPerRun);
  const cpuAfter = await cpuSnapshot(redis, pids);
  const bareCpuBefore = await cpuSnapshot(redis, {});
  const bareStepsPerS = await bareStepsPerSecond(dir, origin, runs * stepsPerRun, concurrency);
  const bareCpuAfter = await cpuSnapshot(redis, {});
  const crowdedStart = performance.now();
  if (waitingRuns > 0) await createWaitingRuns(store, 'bench', waitingRuns, 3);
  const fillSeconds = (performance.now() - crowdedStart) / 1000;
  const crowded = waitingRuns > 0 ? await scenario(bench, 'crowded', 1, loneSteps) : null;
  const report = {
    taigaLatency: latency ?? 'none',
    concurrency,
    lone: {
      ...lone,
      bareStepMs: +loneBareMs.toFixed(1),
      ratioStepToBare: +(lone.stepMs.mean / loneBareMs).toFixed(2),
    },
    concurrent: {
      ...concurrent,
      bareStepsPerSecond: +bareStepsPerS.toFixed(2),
      shareOfBare: +(concurrent.stepsPerSecond / bareStepsPerS).toFixed(2),
      // The CPU each step cost, by process (an app's includes the git and engine processes it ran), against the
      // bare loop's (its git processes, and this process spawning them); Redis is the one shared server.
      cpuMsPerStep: cpuMsPerStep(cpuBefore, cpuAfter, runs * stepsPerRun),
      bareCpuMsPerStep: cpuMsPerStep(bareCpuBefore, bareCpuAfter, runs * stepsPerRun),
    },
    ...(crowded && {
      crowded: {
        waitingRuns,
        fillSeconds: +fillSeconds.toFixed(1),
        ...crowded,
        ratioStepToLone: +(crowded.stepMs.mean / lone.stepMs.mean).toFixed(2),
      },
    }),
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
