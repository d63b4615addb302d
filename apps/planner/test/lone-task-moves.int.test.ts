import { randomUUID } from 'node:crypto';
import { type ProtocolRunEvent, QueueName, type StepRunEvent } from '@tundra/core';
import type { JobQueues, RunCommands, RunningService, StateStore } from '@tundra/core/server';
import { createKeys } from '@tundra/core/server';
import { type DemoSeed, startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  buildProjectSpec,
  createRunFlow,
  createTestRedis,
  type TestRedis,
  testActor,
  waitForJob,
  waitForStreamEntry,
} from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlanner } from './test-planner.js';

// A lone task is a run whose Taiga item is a task outside any story. Taiga sends no webhooks for such a task, so
// the reconciler is how a person's moves of it reach Tundra: these tests move the task in the sandbox as a person
// and run the reconciler, with the real planner working the jobs that follow.

let redis: TestRedis;
let sandbox: TaigaSandbox;
let seeds: Record<'taiga-default' | 'tundra', DemoSeed>;
let planner: RunningService;
let store: StateStore;
let queues: JobQueues;
let commands: RunCommands;

beforeAll(async () => {
  redis = await createTestRedis();
  sandbox = await startTaigaSandbox();
  seeds = {
    'taiga-default': await sandbox.seedDemo({ projectSlug: 'lone-default' }),
    tundra: await sandbox.seedDemo({ projectSlug: 'lone-tundra', preset: 'tundra' }),
  };
  const bot = seeds['taiga-default'].users.bot;
  planner = await startTestPlanner({ redis, taigaUrl: sandbox.url, bot });
  // What the executor and an operator would do, with their effects carried out for the planner to work.
  ({ store, queues, commands } = createRunFlow(redis));
});

afterAll(async () => {
  await planner?.stop();
  await queues?.close();
  await sandbox?.stop();
  await redis?.stop();
});

type Preset = keyof typeof seeds;

/** A Tundra project on the preset's sandbox project, planned by `taiga-tasks`. */
async function registerProject(preset: Preset): Promise<string> {
  const seed = seeds[preset];
  const spec = buildProjectSpec({
    id: `p-${randomUUID().slice(0, 8)}`,
    taiga: { projectId: seed.project.id, projectSlug: seed.project.slug, webhookSecretRef: 'UNUSED' },
    statusMapping: { preset },
    planEngine: { kind: 'taiga-tasks' },
  });
  await store.projects.put(spec, 0);
  return spec.id;
}

function waitForEvent(projectId: string, type: string, entityId: string) {
  return waitForStreamEntry(
    redis.client,
    createKeys(redis.prefix).projectEvents(projectId),
    (fields) => fields.type === JSON.stringify(type) && fields.entityId === JSON.stringify(entityId),
  );
}

/** A person creates a task outside any story and Tundra starts a run on it: running, its one step pending. */
async function startLoneTask(preset: Preset, projectId: string) {
  const task = await sandbox
    .actAs('admin')
    .createTask({ project: seeds[preset].project.id, subject: 'Lone work', description: 'Do it alone' });
  const taskId = task.id as number;
  const jobId = `test-start-${randomUUID()}`;
  await queues.enqueue(
    'run.start',
    {
      projectId,
      correlationId: `corr-${randomUUID()}`,
      taigaItem: { type: 'task', id: taskId, ref: task.ref as number },
      sourceEventId: null,
    },
    { jobId },
  );
  // The job plans the run and starts it, each transition's effects dispatched before it completes.
  await waitForJob(redis, QueueName.Plan, jobId);
  const run = await store.runs.findActiveRun(projectId, { type: 'task', id: taskId });
  if (run?.status !== 'running') throw new Error(`the lone task's run is ${run?.status ?? 'missing'}`);
  await writtenBack(run.id);
  const steps = await store.runs.listSteps(run.id);
  expect(steps.map((step) => step.taigaTaskId)).toEqual([taskId]);
  return { runId: run.id, stepId: steps[0]!.id, taskId };
}

/**
 * Waits until every write-back the run's transitions asked for is done, so none can overwrite a person's move made
 * next. Each transition's jobs are dispatched before its command returns: every job waited on exists already.
 */
async function writtenBack(runId: string): Promise<void> {
  const syncs = queues.queue(QueueName.WriteBack);
  for (const event of await store.events.readRun(runId, { count: 1_000 })) {
    const jobId = `sync-${runId}-${event.id}`;
    if (await syncs.getJob(jobId)) await waitForJob(redis, QueueName.WriteBack, jobId);
  }
}

/** A transition made as another app would, waiting until Taiga shows what it asked for. */
async function stepEvent(runId: string, stepId: string, event: StepRunEvent) {
  const outcome = await commands.transitionStep(runId, stepId, event, {
    actor: testActor,
    reason: `test: ${event}`,
  });
  if (outcome.kind !== 'applied') throw new Error(`${event} was not applied: ${outcome.kind}`);
  await writtenBack(runId);
}

async function runEvent(runId: string, event: ProtocolRunEvent) {
  const outcome = await commands.transitionRun(runId, event, {
    actor: { kind: 'operator', name: 'test-operator' },
    reason: `test: ${event}`,
  });
  if (outcome.kind !== 'applied') throw new Error(`${event} was not applied: ${outcome.kind}`);
  await writtenBack(runId);
}

async function readTask(taskId: number) {
  const login = await fetch(`${sandbox.url}/api/v1/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'normal', username: 'admin', password: 'admin123' }),
  });
  const { auth_token } = (await login.json()) as { auth_token: string };
  const response = await fetch(`${sandbox.url}/api/v1/tasks/${taskId}`, {
    headers: { Authorization: `Bearer ${auth_token}` },
  });
  return (await response.json()) as { version: number; status: number };
}

async function taskSlug(preset: Preset, taskId: number): Promise<string | undefined> {
  const { status } = await readTask(taskId);
  return seeds[preset].statuses.task.find((s) => s.id === status)?.slug;
}

/** The admin moves the task on the board, as a person would. */
async function personMoves(preset: Preset, taskId: number, slug: string): Promise<void> {
  const status = seeds[preset].statuses.task.find((s) => s.slug === slug);
  if (!status) throw new Error(`no task status ${slug} in ${preset}`);
  const { version } = await readTask(taskId);
  await sandbox.actAs('admin').patchTask(taskId, { status: status.id, version });
}

/** The scheduler's reconcile job, run now rather than on its interval; resolves with its summary. */
async function reconcile(projectId: string) {
  const jobId = `test-reconcile-${randomUUID()}`;
  await queues.enqueue('reconcile', { projectId }, { jobId });
  await waitForJob(redis, QueueName.Reconcile, jobId);
  // Read again: the job waited on was fetched before it finished.
  const job = await queues.queue(QueueName.Reconcile).getJob(jobId);
  return job?.returnvalue as { moves: number; failures: number } | undefined;
}

describe('board moves of a lone task', () => {
  it('approves the step waiting for QA when a person closes the task (taiga-default)', async () => {
    const projectId = await registerProject('taiga-default');
    const { runId, stepId, taskId } = await startLoneTask('taiga-default', projectId);
    await stepEvent(runId, stepId, 'step_started');
    await stepEvent(runId, stepId, 'execution_finished');
    expect(await taskSlug('taiga-default', taskId)).toBe('ready-for-test');

    await personMoves('taiga-default', taskId, 'closed');
    expect(await reconcile(projectId)).toMatchObject({ moves: 1, failures: 0 });
    const approved = await waitForEvent(projectId, 'step_run.approved', stepId);
    expect(JSON.parse(approved.fields.actor!)).toEqual({
      kind: 'taiga_user',
      name: `taiga-user:${seeds['taiga-default'].users.admin.id}`,
    });
    await waitForEvent(projectId, 'protocol_run.steps_completed', runId);
    expect((await store.runs.getRun(runId))?.status).toBe('completed');
  });

  it("approves the step waiting for QA when a person moves the task to 'approved' (tundra)", async () => {
    const projectId = await registerProject('tundra');
    const { runId, stepId, taskId } = await startLoneTask('tundra', projectId);
    await stepEvent(runId, stepId, 'step_started');
    await stepEvent(runId, stepId, 'execution_finished');
    expect(await taskSlug('tundra', taskId)).toBe('in_progress');

    await personMoves('tundra', taskId, 'approved');
    expect(await reconcile(projectId)).toMatchObject({ moves: 1, failures: 0 });
    await waitForEvent(projectId, 'step_run.approved', stepId);
    await waitForEvent(projectId, 'protocol_run.steps_completed', runId);
    expect((await store.runs.getStep(runId, stepId))?.status).toBe('completed');
  });

  it.each([
    ['pending', []],
    ['running', ['step_started']],
  ] as const)(
    'cancels the run when a person closes the task while its step is %s (taiga-default)',
    async (_, events) => {
      const projectId = await registerProject('taiga-default');
      const { runId, stepId, taskId } = await startLoneTask('taiga-default', projectId);
      for (const event of events) await stepEvent(runId, stepId, event);

      await personMoves('taiga-default', taskId, 'closed');
      expect(await reconcile(projectId)).toMatchObject({ moves: 1, failures: 0 });
      await waitForEvent(projectId, 'protocol_run.cancelled', runId);
      // The run's advance job cancels the step it left unfinished.
      await waitForEvent(projectId, 'step_run.cancelled', stepId);
      expect((await store.runs.getRun(runId))?.status).toBe('cancelled');
    },
  );

  it("pauses the run when a person moves the task back to 'pending' while its step runs (tundra)", async () => {
    const projectId = await registerProject('tundra');
    const { runId, stepId, taskId } = await startLoneTask('tundra', projectId);
    await stepEvent(runId, stepId, 'step_started');

    await personMoves('tundra', taskId, 'pending');
    expect(await reconcile(projectId)).toMatchObject({ moves: 1, failures: 0 });
    await waitForEvent(projectId, 'protocol_run.paused', runId);
    expect((await store.runs.getRun(runId))?.status).toBe('paused');
  });

  it('takes a status Tundra wrote itself for no move, and resumes the run when a person moves the task (tundra)', async () => {
    const projectId = await registerProject('tundra');
    const { runId, stepId, taskId } = await startLoneTask('tundra', projectId);
    await stepEvent(runId, stepId, 'step_started');
    await runEvent(runId, 'paused');
    // The executor hands the stopped step back; that writes nothing, so the task still shows what the bot wrote.
    await stepEvent(runId, stepId, 'interrupted');
    expect(await taskSlug('tundra', taskId)).toBe('in_progress');

    const { version } = await readTask(taskId);
    expect(await reconcile(projectId)).toMatchObject({ moves: 0, failures: 0 });
    await waitForJob(redis, QueueName.WriteBack, `reconcile-sync-${projectId}-task-${taskId}-${version}`);
    expect(await taskSlug('tundra', taskId)).toBe('pending');
    expect((await store.runs.getRun(runId))?.status).toBe('paused');

    await personMoves('tundra', taskId, 'in_progress');
    expect(await reconcile(projectId)).toMatchObject({ moves: 1, failures: 0 });
    await waitForEvent(projectId, 'protocol_run.resumed', runId);
    expect((await store.runs.getRun(runId))?.status).toBe('running');
  });
});

describe("the write-back's first job name", () => {
  it('still handles a taiga.sync job queued before the rename to taiga.write_back (tundra)', async () => {
    const projectId = await registerProject('tundra');
    const { runId, taskId } = await startLoneTask('tundra', projectId);
    const shown = await taskSlug('tundra', taskId);
    await personMoves('tundra', taskId, 'approved');

    // Added as a planner of before the rename did: straight to the queue, under the old name.
    const jobId = `test-old-name-${randomUUID()}`;
    const payload = {
      projectId,
      correlationId: `corr-${jobId}`,
      protocolRunId: runId,
      stepRunId: null,
      refresh: true,
    };
    await queues.queue(QueueName.WriteBack).add('taiga.sync', payload, { jobId });
    const job = await waitForJob(redis, QueueName.WriteBack, jobId);
    expect(await job.getState()).toBe('completed');
    expect(await taskSlug('tundra', taskId)).toBe(shown);
  });
});
