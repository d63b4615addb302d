import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProjectSpec, QueueName } from '@tundra/core';
import {
  createJobMetrics,
  type JobContext,
  type JobQueues,
  type RunCommands,
  type StateStore,
  startWorkers,
} from '@tundra/core/server';
import { createEngineRunner, describeGroup, groupRunning } from '@tundra/engine';
import {
  buildProjectSpec,
  createGitRemote,
  createRunFlow,
  createRunningRun,
  createTestRedis,
  repoRoot,
  runGit,
  type TestRedis,
  testActor,
  waitForStreamEntry,
} from '@tundra/testkit';
import { createWorkspaceManager, type WorkspaceManager } from '@tundra/workspace';
import { DelayedError, Job } from 'bullmq';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StopSignalHub } from '../control/stop-signal-hub.js';
import { createExecutorStore } from '../store/executor-store.js';
import { createExecuteStepHandler } from './execute-step.js';

const logger = pino({ level: 'silent' });
let redis: TestRedis;
let store: StateStore;
let queues: JobQueues;
let commands: RunCommands;
let stops: StopSignalHub;
let workspaces: WorkspaceManager;
let dir: string;
let origin: string;

const git = runGit;

beforeAll(async () => {
  redis = await createTestRedis();
  ({ store, queues, commands } = createRunFlow(redis));
  stops = new StopSignalHub(redis.connect(), store.keys.controlChannel(), logger);
  await stops.start();
  dir = mkdtempSync(join(tmpdir(), 'tundra-exec-test-'));
  origin = createGitRemote(dir);
  workspaces = createWorkspaceManager({
    root: join(dir, 'workspaces'),
    gitAuthor: { name: 'Tundra', email: 'tundra@example.test' },
    logger,
  });
});
afterAll(async () => {
  await stops.close();
  await queues.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

const demoEngine = ['bash', join(repoRoot, 'scripts/demo-engine.sh')];

/** An executable bash script in the test directory, as an engine command. */
function engineScript(name: string, body: string): string[] {
  const path = join(dir, name);
  writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(path, 0o755);
  return [path];
}

function handlerWith(engineEnv: Record<string, string> = {}) {
  return createExecuteStepHandler({
    store,
    commands,
    workspaces,
    engine: createEngineRunner({ registry: new Registry(), killGraceMs: 1_000 }),
    executorStore: createExecutorStore(redis.client, store.keys),
    stops,
    config: {
      stepLeaseMs: 3_000,
      stepLogMaxLen: 1_000,
      slotWaitMs: 200,
      leftoverEngineTimeoutMs: 5_000,
      engineEnv: { PATH: process.env.PATH, ...engineEnv },
      contextMaxBytes: 65_536,
      conventionsFiles: ['AGENTS.md', 'CLAUDE.md'],
    },
    logger,
    registry: new Registry(),
  });
}

let projects = 0;
async function createProject(overrides: Partial<ProjectSpec> = {}): Promise<ProjectSpec> {
  const spec = buildProjectSpec({
    id: `exec-${++projects}`,
    repository: { url: origin, baseBranch: 'main', pushRemote: 'origin' },
    execEngine: { kind: 'command', command: demoEngine },
    limits: { concurrentRuns: 2, stepTimeoutSeconds: 60, maxAttempts: 3 },
    ...overrides,
  });
  const saved = await store.projects.put(spec, 0);
  if (saved.kind !== 'saved') throw new Error('project not saved');
  return spec;
}

/** A `running` run with `count` pending steps. */
const runningRun = (projectId: string, count = 1) => createRunningRun(store, projectId, { steps: count });

/** A real step.execute job (the handler is called directly; BullMQ workers are used where delays matter). */
async function jobFor(projectId: string, runId: string, stepId: string) {
  const payload = { projectId, correlationId: 'corr', protocolRunId: runId, stepRunId: stepId, attempt: 1 };
  const id = await queues.enqueue('step.execute', payload);
  const job = await Job.fromId(queues.queue(QueueName.Execute), id);
  return { payload, context: { job: job!, logger } satisfies JobContext };
}

async function execute(
  handler: ReturnType<typeof handlerWith>,
  projectId: string,
  runId: string,
  stepId: string,
) {
  const { payload, context } = await jobFor(projectId, runId, stepId);
  return handler(payload, context) as Promise<{ outcome: string; commitSha?: string; reason?: string }>;
}

/** Commits of the run's branch that carry the step's trailer. */
function stepCommits(worktreePath: string, stepId: string): string[] {
  const out = git(
    worktreePath,
    'log',
    '--format=%H',
    '--extended-regexp',
    `--grep=^Tundra-Step: ${stepId}$`,
    'HEAD',
  );
  return out === '' ? [] : out.split('\n');
}

const eventTypes = async (runId: string) => (await store.events.readRun(runId)).map((e) => e.type);

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** An engine that prints its pid and its grandchild's, then waits for a line on the FIFO named by $GO_FIFO. */
function blockingEngine(name: string): { command: string[]; fifo: string } {
  const fifo = join(dir, `${name}.fifo`);
  execFileSync('mkfifo', [fifo]);
  const command = engineScript(
    `${name}.sh`,
    `sleep 300 &
echo "pid $$"
echo "pid $!"
echo "started $TUNDRA_STEP_ID"
read -r _ < "${fifo}"
kill $! 2>/dev/null
echo "$TUNDRA_STEP_TITLE" >> TUNDRA.md`,
  );
  return { command, fifo };
}

async function pidsOf(runId: string, stepId: string): Promise<number[]> {
  await waitForStreamEntry(
    redis.client,
    store.keys.stepLog(runId, stepId),
    (f) => f.line?.startsWith('started') ?? false,
  );
  const entries = await redis.client.xrange(store.keys.stepLog(runId, stepId), '-', '+');
  return entries
    .map(([, fields]) => /^pid (\d+)$/.exec(fields[fields.indexOf('line') + 1] ?? ''))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}

describe('step.execute', () => {
  it('runs the engine, commits once, pushes, and ends in needs_qa with the commit', async () => {
    const project = await createProject();
    const { run, steps } = await runningRun(project.id);
    const step = steps[0]!;
    const handler = handlerWith();
    const result = await execute(handler, project.id, run.id, step.id);

    const after = await store.runs.getStep(run.id, step.id);
    expect(after).toMatchObject({ status: 'needs_qa', attempts: 1, commitSha: result.commitSha });
    expect(after?.resultSummary).toBe('Recorded step 1 (Step 1) in TUNDRA.md and steps/1.md');
    const worktree = await workspaces.ensureWorktree(project, run);
    expect(stepCommits(worktree.path, step.id)).toEqual([result.commitSha]);
    expect(git(worktree.path, 'log', '-1', '--format=%s')).toBe(`TG-${run.taigaItem.ref}: Step 1`);
    expect(git(origin, 'rev-parse', `refs/heads/${worktree.branch}`)).toBe(result.commitSha);
    expect(await eventTypes(run.id)).toEqual(
      expect.arrayContaining(['step_run.step_started', 'step_run.execution_finished']),
    );
    const log = await redis.client.xrange(store.keys.stepLog(run.id, step.id), '-', '+');
    expect(log.map(([, f]) => f[f.indexOf('line') + 1])).toContain(
      'demo engine: wrote steps/1.md and appended to TUNDRA.md',
    );
    const qaJobs = await queues.queue(QueueName.Qa).getJobs(['waiting']);
    expect(qaJobs.some((job) => job.data.stepRunId === step.id)).toBe(true);
    expect(await redis.client.exists(store.keys.stepLease(run.id, step.id))).toBe(0);
    expect(await redis.client.zcard(store.keys.projectSlots(project.id))).toBe(0);

    // Delivered again: the step is past execution, nothing happens.
    expect(await execute(handler, project.id, run.id, step.id)).toMatchObject({ outcome: 'stale' });
    expect(stepCommits(worktree.path, step.id)).toHaveLength(1);
  });

  it('records a failing engine as failed with the end of its output, and asks the run to advance', async () => {
    const project = await createProject({
      execEngine: {
        kind: 'command',
        command: engineScript('fails.sh', 'echo "compiling"\necho "boom" >&2\nexit 2'),
      },
    });
    const { run, steps } = await runningRun(project.id);
    const step = steps[0]!;
    const result = await execute(handlerWith(), project.id, run.id, step.id);
    expect(result).toMatchObject({ outcome: 'failed', reason: 'the engine exited with code 2' });
    const after = await store.runs.getStep(run.id, step.id);
    expect(after?.status).toBe('failed');
    expect(after?.resultSummary).toContain('the engine exited with code 2');
    expect(after?.resultSummary).toContain('boom');
    const advance = await queues.queue(QueueName.Plan).getJobs(['waiting']);
    expect(advance.some((job) => job.name === 'run.advance' && job.data.protocolRunId === run.id)).toBe(true);
  });

  it('after a crash mid-engine, hands the step back and runs it again on a clean worktree, committing once', async () => {
    const project = await createProject();
    const { run, steps } = await runningRun(project.id);
    const step = steps[0]!;
    // What a crashed executor leaves: the step running (attempt 1), half-done work, and a lease that has expired.
    await store.runs.transitionStep(run.id, step.id, 'step_started', {
      actor: testActor,
      patch: (s) => ({ attempts: s.attempts + 1 }),
    });
    const worktree = await workspaces.ensureWorktree(project, run);
    writeFileSync(join(worktree.path, 'junk.txt'), 'half done\n');

    const result = await execute(handlerWith(), project.id, run.id, step.id);
    expect(result.outcome).toBe('needs_qa');
    expect(await store.runs.getStep(run.id, step.id)).toMatchObject({ status: 'needs_qa', attempts: 2 });
    const types = await eventTypes(run.id);
    expect(types.indexOf('step_run.interrupted')).toBeGreaterThan(-1);
    expect(types.lastIndexOf('step_run.step_started')).toBeGreaterThan(types.indexOf('step_run.interrupted'));
    expect(stepCommits(worktree.path, step.id)).toHaveLength(1);
    expect(git(worktree.path, 'ls-tree', '--name-only', 'HEAD')).not.toContain('junk.txt');
  });

  it('after a crash between commit and record, finds the step commit and does not run the engine again', async () => {
    const project = await createProject({
      execEngine: { kind: 'command', command: engineScript('must-not-run.sh', 'echo ran > ran.txt\nexit 1') },
    });
    const { run, steps } = await runningRun(project.id);
    const step = steps[0]!;
    await store.runs.transitionStep(run.id, step.id, 'step_started', {
      actor: testActor,
      patch: (s) => ({ attempts: s.attempts + 1 }),
    });
    const worktree = await workspaces.ensureWorktree(project, run);
    writeFileSync(join(worktree.path, 'done.txt'), 'done\n');
    const committed = await workspaces.commitStep(worktree, {
      ref: run.taigaItem.ref,
      stepRunId: step.id,
      title: step.title,
    });

    const result = await execute(handlerWith(), project.id, run.id, step.id);
    expect(result).toMatchObject({ outcome: 'needs_qa', commitSha: committed.sha });
    expect(existsSync(join(worktree.path, 'ran.txt'))).toBe(false);
    expect(stepCommits(worktree.path, step.id)).toEqual([committed.sha]);
    expect(await eventTypes(run.id)).toContain('step_run.interrupted');
  });

  it('before a retry, kills the engine a dead executor left running: none of its writes reach the commit', async () => {
    // The retry's engine notes whether the orphan was still running when it started.
    const project = await createProject({
      execEngine: {
        kind: 'command',
        command: engineScript(
          'orphan-check.sh',
          // Zombies (killed, not yet reaped by the test process) do not count.
          `if ps -eo pgid=,stat= | awk -v g="$ORPHAN_PGID" '$1 == g && $2 !~ /^Z/' | grep -q .; then
  echo yes > orphan-was-running.txt
fi
echo ok > retry.txt`,
        ),
      },
    });
    const { run, steps } = await runningRun(project.id);
    const step = steps[0]!;
    await store.runs.transitionStep(run.id, step.id, 'step_started', {
      actor: testActor,
      patch: (s) => ({ attempts: s.attempts + 1 }),
    });
    const worktree = await workspaces.ensureWorktree(project, run);
    // What a SIGKILLed executor leaves when its engine outlives it: a group that keeps writing into the worktree,
    // recorded beside the step's lease by an executor process that no longer exists.
    const orphan = spawn(
      'bash',
      ['-c', 'echo ready; while :; do touch "orphan-$RANDOM.txt"; sleep 0.01; done'],
      {
        cwd: worktree.path,
        detached: true,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await once(orphan.stdout!, 'data');
    const group = describeGroup(orphan.pid!);
    const record = {
      group,
      owner: { pid: process.pid, startTicks: -1 },
      attempt: 1,
      at: new Date().toISOString(),
    };
    await redis.client.set(store.keys.stepEngine(run.id, step.id), JSON.stringify(record));
    await redis.client.sadd(store.keys.hostEngines(group.host), JSON.stringify([run.id, step.id]));
    try {
      const result = await execute(
        handlerWith({ ORPHAN_PGID: String(group.pgid) }),
        project.id,
        run.id,
        step.id,
      );
      expect(result.outcome).toBe('needs_qa');
      expect(groupRunning(group.pgid)).toBe(false);
      const committed = git(worktree.path, 'ls-tree', '--name-only', 'HEAD').split('\n');
      expect(committed).toContain('retry.txt');
      expect(committed.filter((name) => name.startsWith('orphan'))).toEqual([]);
      expect(await redis.client.exists(store.keys.stepEngine(run.id, step.id))).toBe(0);
      expect(await redis.client.smembers(store.keys.hostEngines(group.host))).toEqual([]);
    } finally {
      if (groupRunning(group.pgid)) process.kill(-group.pgid, 'SIGKILL');
    }
  });

  it('while a live executor holds the step’s lease, puts the job back until the lease can have run out', async () => {
    const project = await createProject();
    const { run, steps } = await runningRun(project.id);
    const step = steps[0]!;
    await store.runs.transitionStep(run.id, step.id, 'step_started', {
      actor: testActor,
      patch: (s) => ({ attempts: s.attempts + 1 }),
    });
    await redis.client.set(store.keys.stepLease(run.id, step.id), 'another-executor', 'PX', 60_000);
    const handler = handlerWith();
    let putBack!: (jobId: string) => void;
    const delayed = new Promise<string>((resolve) => {
      putBack = resolve;
    });
    const workers = startWorkers({
      connection: redis.connect(),
      prefix: redis.prefix,
      concurrency: 1,
      logger,
      metrics: createJobMetrics(new Registry()),
      handlers: {
        'step.execute': async (payload, context) => {
          try {
            return await handler(payload, context);
          } catch (error) {
            if (error instanceof DelayedError) putBack(context.job.id!);
            throw error;
          }
        },
      },
    });
    try {
      await queues.enqueue('step.execute', {
        projectId: project.id,
        correlationId: 'corr',
        protocolRunId: run.id,
        stepRunId: step.id,
        attempt: 1,
      });
      const job = await Job.fromId(queues.queue(QueueName.Execute), await delayed);
      expect(await job!.getState()).toBe('delayed');
      // Put back for the rest of the lease, not dropped: it comes back once the lease can have lapsed.
      expect(job!.delay).toBeGreaterThan(55_000);
      expect(await store.runs.getStep(run.id, step.id)).toMatchObject({ status: 'running', attempts: 1 });
    } finally {
      await workers.close();
    }
  });

  it('runs a step whose job came back before its dead executor’s lease ran out, once the lease is gone', async () => {
    const project = await createProject();
    const { run, steps } = await runningRun(project.id);
    const step = steps[0]!;
    // A job handed on by BullMQ's stalled check while the dead executor's lease still has a moment to live.
    await store.runs.transitionStep(run.id, step.id, 'step_started', {
      actor: testActor,
      patch: (s) => ({ attempts: s.attempts + 1 }),
    });
    await redis.client.set(store.keys.stepLease(run.id, step.id), 'dead-executor', 'PX', 1_000);
    const handler = handlerWith();
    const workers = startWorkers({
      connection: redis.connect(),
      prefix: redis.prefix,
      concurrency: 1,
      logger,
      metrics: createJobMetrics(new Registry()),
      handlers: { 'step.execute': handler },
    });
    try {
      await queues.enqueue('step.execute', {
        projectId: project.id,
        correlationId: 'corr',
        protocolRunId: run.id,
        stepRunId: step.id,
        attempt: 1,
      });
      await waitForStreamEntry(
        redis.client,
        store.keys.runEvents(run.id),
        (fields) => JSON.parse(fields.type ?? '""') === 'step_run.execution_finished',
      );
      expect(await store.runs.getStep(run.id, step.id)).toMatchObject({ status: 'needs_qa', attempts: 2 });
      expect(await eventTypes(run.id)).toContain('step_run.interrupted');
    } finally {
      await workers.close();
    }
  });

  it('kills the engine’s process group within seconds when the step is cancelled, and commits nothing', async () => {
    const engine = blockingEngine('cancel-step');
    const project = await createProject({ execEngine: { kind: 'command', command: engine.command } });
    const { run, steps } = await runningRun(project.id);
    const step = steps[0]!;
    const running = execute(handlerWith(), project.id, run.id, step.id);
    const pids = await pidsOf(run.id, step.id);
    expect(pids).toHaveLength(2);
    const cancelledAt = Date.now();
    await commands.transitionStep(run.id, step.id, 'cancelled', {
      actor: testActor,
      reason: 'cancelled by a test',
    });
    expect(await running).toEqual({ outcome: 'stopped', reason: 'cancelled by a test' });
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(await store.runs.getStep(run.id, step.id)).toMatchObject({ status: 'cancelled', commitSha: null });
    const worktree = await workspaces.ensureWorktree(project, run);
    expect(stepCommits(worktree.path, step.id)).toEqual([]);
    rmSync(engine.fifo);
  });

  it('stops the engine when the run is cancelled, and starts no later step', async () => {
    const engine = blockingEngine('cancel-run');
    const project = await createProject({ execEngine: { kind: 'command', command: engine.command } });
    const { run, steps } = await runningRun(project.id, 2);
    const handler = handlerWith();
    const running = execute(handler, project.id, run.id, steps[0]!.id);
    const pids = await pidsOf(run.id, steps[0]!.id);
    await commands.transitionRun(run.id, 'cancelled', {
      actor: testActor,
      reason: 'run cancelled by a test',
    });
    expect(await running).toMatchObject({ outcome: 'stopped' });
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(await execute(handler, project.id, run.id, steps[1]!.id)).toMatchObject({ outcome: 'stale' });
    expect(await store.runs.getStep(run.id, steps[1]!.id)).toMatchObject({ status: 'pending', attempts: 0 });
    rmSync(engine.fifo);
  });

  it('with concurrentRuns 1, starts a second run’s step only once the first run’s step has ended', async () => {
    const engine = blockingEngine('slots');
    const project = await createProject({
      execEngine: { kind: 'command', command: engine.command },
      limits: { concurrentRuns: 1, stepTimeoutSeconds: 60, maxAttempts: 3 },
    });
    const first = await runningRun(project.id);
    const second = await runningRun(project.id);
    const handler = handlerWith();
    let delayed!: () => void;
    const secondDelayed = new Promise<void>((resolve) => {
      delayed = resolve;
    });
    const workers = startWorkers({
      connection: redis.connect(),
      prefix: redis.prefix,
      concurrency: 2,
      logger,
      metrics: createJobMetrics(new Registry()),
      handlers: {
        'step.execute': async (payload, context) => {
          try {
            return await handler(payload, context);
          } catch (error) {
            if (error instanceof DelayedError && payload.protocolRunId === second.run.id) delayed();
            throw error;
          }
        },
      },
    });
    try {
      const enqueue = (r: typeof first) =>
        queues.enqueue('step.execute', {
          projectId: project.id,
          correlationId: 'corr',
          protocolRunId: r.run.id,
          stepRunId: r.steps[0]!.id,
          attempt: 1,
        });
      await enqueue(first);
      await pidsOf(first.run.id, first.steps[0]!.id);
      await enqueue(second);
      await secondDelayed;
      expect(await store.runs.getStep(second.run.id, second.steps[0]!.id)).toMatchObject({
        status: 'pending',
      });
      expect(await redis.client.zrange(store.keys.projectSlots(project.id), 0, -1)).toEqual([first.run.id]);

      await writeFile(engine.fifo, 'go\n');
      const finished = (type: string) => (fields: Record<string, string>) =>
        JSON.parse(fields.type ?? '""') === type;
      const firstDone = await waitForStreamEntry(
        redis.client,
        store.keys.runEvents(first.run.id),
        finished('step_run.execution_finished'),
      );
      await waitForStreamEntry(
        redis.client,
        store.keys.runEvents(second.run.id),
        finished('step_run.step_started'),
      );
      const secondStarted = (await store.events.readRun(second.run.id)).find(
        (e) => e.type === 'step_run.step_started',
      )!;
      const firstFinished = (await store.events.readRun(first.run.id)).find((e) => e.id === firstDone.id)!;
      expect(Date.parse(secondStarted.at)).toBeGreaterThanOrEqual(Date.parse(firstFinished.at));
      await writeFile(engine.fifo, 'go\n');
      await waitForStreamEntry(
        redis.client,
        store.keys.runEvents(second.run.id),
        finished('step_run.execution_finished'),
      );
    } finally {
      await workers.close();
    }
  });
});
