import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueName } from '@tundra/core';
import { JobQueues } from '@tundra/core/server';
import { groupRunning } from '@tundra/engine';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startSystem, type TundraSystem } from './support/system.js';
import { assignToBot, createStory, readItem, storyVersion } from './support/taiga-board.js';

let system: TundraSystem;
beforeAll(async () => {
  // Short job locks and leases, so a killed executor's step is handed on within seconds.
  system = await startSystem({
    TUNDRA_JOB_LOCK_MS: '4000',
    TUNDRA_STALLED_INTERVAL_MS: '1000',
    TUNDRA_STEP_LEASE_MS: '2000',
  });
});
afterAll(async () => system?.stop());

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const stepEvents = async (runId: string, stepId: string) =>
  (await system.store.events.readRun(runId, { count: 1000 }))
    .filter((e) => e.entityId === stepId)
    .map((e) => e.type.replace('step_run.', ''));

// A test that stops the executor and fails before restarting it must not leave the next tests without one.
afterEach(async () => {
  const executor = system.apps.executor;
  if (executor.child.exitCode !== null || executor.child.signalCode !== null)
    await system.startApp('executor');
});

describe('when things go wrong', () => {
  it('retries a step whose engine fails twice, and completes', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('flaky');
    const story = await createStory(system.sandbox, seed.project.id, 'Flaky work', [
      '[fail-twice] flaky step',
    ]);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('flaky', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    const [step] = await system.store.runs.listSteps(runId);
    expect(step).toMatchObject({ status: 'completed', attempts: 3 });
    expect(await stepEvents(runId, step!.id)).toEqual([
      'step_started',
      'execution_failed',
      'retried',
      'step_started',
      'execution_failed',
      'retried',
      'step_started',
      'execution_finished',
      'qa_passed',
    ]);
  });

  it('blocks the run, on Taiga too, when a step fails on every attempt', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('broken');
    const story = await createStory(system.sandbox, seed.project.id, 'Broken work', [
      '[always-fail] broken step',
    ]);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('broken', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.blocked');
    const run = await system.store.runs.getRun(runId);
    expect(run?.status).toBe('blocked');
    expect(run?.reason).toContain('step 1 "[always-fail] broken step" failed after 3 attempts');
    await system.waitForWriteBack(runId);
    const storyNow = await readItem(system.sandbox, 'userstory', story.id);
    expect(storyNow.is_blocked).toBe(true);
    expect(storyNow.blocked_note).toContain('failed after 3 attempts');
    expect(storyNow.comments.some((c) => c.includes('Tundra is blocked'))).toBe(true);
    expect(storyNow.comments.filter((c) => c.includes('planned this in 1 step')).length).toBe(1);

    // An operator resumes the run without retrying the step: the step is still failed, so the run is blocked again.
    const operator = { kind: 'operator', name: 'e2e' } as const;
    await system.commands.transitionRun(runId, 'resumed', { actor: operator, idempotencyKey: 'resume-1' });
    const resumed = await system.waitForRunEvent(runId, 'protocol_run.resumed');
    await system.waitForRunEvent(runId, 'protocol_run.blocked', undefined, resumed);
    expect((await system.store.runs.getRun(runId))?.status).toBe('blocked');
  });

  it('runs the engine again when a step that failed QA is retried', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    // QA fails the first time it looks at a step and passes the second.
    const qa = [
      'bash',
      '-c',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: bash parameter expansion, not a JS template
      'm="${TMPDIR:-/tmp}/tundra-e2e-qa-$TUNDRA_STEP_ID"; [ -e "$m" ] || { touch "$m"; echo "first look: no"; exit 1; }',
    ];
    const { seed } = await system.addProject('qa-retry', { qaPolicy: { kind: 'command', command: qa } });
    const story = await createStory(system.sandbox, seed.project.id, 'Needs a second try', ['rework me']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('qa-retry', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    const [step] = await system.store.runs.listSteps(runId);
    expect(step).toMatchObject({ status: 'completed', attempts: 2 });
    expect(await stepEvents(runId, step!.id)).toEqual([
      'step_started',
      'execution_finished',
      'qa_failed',
      'retried',
      'step_started',
      'execution_finished',
      'qa_passed',
    ]);
    expect(readFileSync(join(system.engineState, `${step!.id}.attempts`), 'utf8').trim()).toBe('2');
    const run = await system.store.runs.getRun(runId);
    const commits = execFileSync(
      'git',
      ['log', '--format=%(trailers:key=Tundra-Step,valueonly)', run!.branch!],
      {
        cwd: system.origin,
        encoding: 'utf8',
      },
    )
      .split('\n')
      .filter((line) => line.trim() === step!.id);
    expect(commits).toHaveLength(2);
  });

  it('runs a step that a pause left unstarted once the run is resumed', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('pause');
    // No executor for a moment: the step's job waits in the queue while the run is paused. (Restarted below, or
    // by the next test if this one fails first.)
    await system.apps.executor.stop('SIGTERM');
    const story = await createStory(system.sandbox, seed.project.id, 'Paused work', ['waits for the resume']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('pause', story.id);
    const started = await system.waitForRunEvent(runId, 'protocol_run.run_started');
    // Once the advance that run_started asked for is done, the step's job is in the queue.
    await system.waitForJob(QueueName.Plan, `advance-${runId}-${started}`);
    const [step] = await system.store.runs.listSteps(runId);
    const operator = { kind: 'operator', name: 'e2e' } as const;
    await system.commands.transitionRun(runId, 'paused', { actor: operator, idempotencyKey: 'pause-1' });

    // The executor comes back, takes the job, finds the run paused and leaves the step alone.
    await system.startApp('executor');
    await system.waitForJob(QueueName.Execute, `exec-${step!.id}-1`);
    expect((await system.store.runs.getStep(runId, step!.id))?.status).toBe('pending');

    await system.commands.transitionRun(runId, 'resumed', { actor: operator, idempotencyKey: 'resume-1' });
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    expect(await system.store.runs.getStep(runId, step!.id)).toMatchObject({
      status: 'completed',
      attempts: 1,
    });
  });

  it('cancels a run in the middle of a long step: the engine process group is gone and Taiga says so', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('cancel');
    const story = await createStory(system.sandbox, seed.project.id, 'Long work', [
      '[slow] long step',
      'never started',
    ]);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('cancel', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.run_started');
    const [slow, later] = await system.store.runs.listSteps(runId);
    await system.waitForStepLog(runId, slow!.id, 'engine: working slowly');
    const enginePid = Number(readFileSync(join(system.engineState, `${slow!.id}.pid`), 'utf8'));
    const childPid = Number(readFileSync(join(system.engineState, `${slow!.id}.child-pid`), 'utf8'));
    expect(alive(enginePid) && alive(childPid)).toBe(true);

    // A person moves the story to Done (a closed status) on the board: that cancels the run.
    const done = seed.statuses.userStory.find((status) => status.slug === 'done')!;
    await system.sandbox
      .actAs('admin')
      .patchUserStory(story.id, { status: done.id, version: await storyVersion(system.sandbox, story.id) });
    await system.waitForRunEvent(runId, 'protocol_run.cancelled');
    await system.waitForJob(QueueName.Execute, `exec-${slow!.id}-1`);
    expect(alive(enginePid)).toBe(false);
    expect(alive(childPid)).toBe(false);

    // Both steps are cancelled: the planner's cancel_steps and the executor's stop race for the running one.
    await system.waitForRunEvent(runId, 'step_run.cancelled', slow!.id);
    await system.waitForRunEvent(runId, 'step_run.cancelled', later!.id);
    const steps = await system.store.runs.listSteps(runId);
    expect(steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(await stepEvents(runId, later!.id)).toEqual(['cancelled']);
    await system.waitForWriteBack(runId);
    const storyNow = await readItem(system.sandbox, 'userstory', story.id);
    expect(storyNow.comments.some((c) => c.includes('Tundra cancelled this run'))).toBe(true);
  });

  it('picks up a story whose webhook was lost, through the reconciler', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    // The project's webhook points at a port nobody listens on: Taiga's one delivery is lost.
    const { seed, project } = await system.addProject('lossy', {}, { webhookUrl: 'http://127.0.0.1:9/lost' });
    const story = await createStory(system.sandbox, seed.project.id, 'Missed work', ['only step']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    expect(await system.store.runs.findActiveRun(project.id, { type: 'userstory', id: story.id })).toBeNull();

    // The scheduler's reconcile job, run now rather than on its interval.
    const queues = new JobQueues(system.redis.client, system.redis.prefix);
    await queues.enqueue('reconcile', { projectId: project.id });
    await queues.close();
    const runId = await system.runForStory('lossy', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    expect((await system.store.runs.getRun(runId))?.status).toBe('completed');
  });

  it('retries a step whose executor was killed mid-step, without committing its work twice', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('crash');
    const story = await createStory(system.sandbox, seed.project.id, 'Crashy work', [
      '[slow-once] resilient step',
    ]);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('crash', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.run_started');
    const [step] = await system.store.runs.listSteps(runId);
    await system.waitForStepLog(runId, step!.id, 'engine: working slowly');

    // The executor's container dies: the executor and its engine's process group, at once.
    const pgid = Number(readFileSync(join(system.engineState, `${step!.id}.pgid`), 'utf8'));
    await system.apps.executor.stop('SIGKILL');
    process.kill(-pgid, 'SIGKILL');
    await system.startApp('executor');

    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    const done = await system.store.runs.getStep(runId, step!.id);
    expect(done).toMatchObject({ status: 'completed', attempts: 2 });
    expect(await stepEvents(runId, step!.id)).toEqual([
      'step_started',
      'interrupted',
      'step_started',
      'execution_finished',
      'qa_passed',
    ]);
    const run = await system.store.runs.getRun(runId);
    const trailers = execFileSync(
      'git',
      ['log', '--format=%(trailers:key=Tundra-Step,valueonly)', run!.branch!],
      { cwd: system.origin, encoding: 'utf8' },
    )
      .split('\n')
      .filter((line) => line.trim() === step!.id);
    expect(trailers).toHaveLength(1);
  });

  it('kills an engine that outlived its SIGKILLed executor: nothing it wrote after the kill is in any commit', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('orphan');
    const story = await createStory(system.sandbox, seed.project.id, 'Orphaned work', [
      '[orphan-writer] stubborn step',
      'a later step',
    ]);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('orphan', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.run_started');
    const [step] = await system.store.runs.listSteps(runId);
    await system.waitForStepLog(runId, step!.id, 'engine: writing until killed');
    const pgid = Number(readFileSync(join(system.engineState, `${step!.id}.pgid`), 'utf8'));
    try {
      // Only the executor dies: its engine ignores SIGTERM and goes on writing into the worktree.
      await system.apps.executor.stop('SIGKILL');
      await system.startApp('executor');
      await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
      const run = await system.store.runs.getRun(runId);
      const files = execFileSync('git', ['log', '--format=', '--name-only', run!.branch!], {
        cwd: system.origin,
        encoding: 'utf8',
      })
        .split('\n')
        .filter((name) => name !== '');
      expect(files).toContain(`steps/${step!.id}.md`);
      expect(files.filter((name) => name.includes('-attempt1-'))).toEqual([]);
      expect(groupRunning(pgid)).toBe(false);
    } finally {
      if (groupRunning(pgid)) process.kill(-pgid, 'SIGKILL');
    }
  });
});
