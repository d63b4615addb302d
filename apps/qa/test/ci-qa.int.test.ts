import type { ProjectSpec, StepRun } from '@tundra/core';
import { QueueName } from '@tundra/core';
import {
  type JobQueues,
  type RunCommands,
  type RunningService,
  type StateStore,
  startWorkerApp,
} from '@tundra/core/server';
import {
  buildProjectSpec,
  createRunFlow,
  createRunningRun,
  createTestRedis,
  type TestRedis,
  testActor,
  waitForJob,
  waitForStreamEntry,
} from '@tundra/testkit';
import { Job, Queue } from 'bullmq';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciQaJobId } from '../src/ci-verdicts.js';
import { qaConfigSchema } from '../src/config.js';
import type { CheckResult } from '../src/handlers/qa-step.js';
import { createQaHandlers } from '../src/qa-handlers.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let redis: TestRedis;
let store: StateStore;
let queues: JobQueues;
/** The executor's side of the flow: transitions whose effects (the `step.qa` job) the QA app then handles. */
let commands: RunCommands;
let qa: RunningService;

beforeAll(async () => {
  redis = await createTestRedis();
  ({ store, queues, commands } = createRunFlow(redis));
  // QA is never run right after execution here: for a `command` project only CI success can ask for it.
  const config = qaConfigSchema.parse({
    ...redis.env,
    TUNDRA_REDIS_PREFIX: redis.prefix,
    TUNDRA_AUTO_QA_AFTER_EXEC: 'false',
    TUNDRA_AUTO_QA_ON_CI: 'true',
  });
  qa = await startWorkerApp({
    app: 'qa',
    logger,
    registry: new Registry(),
    redis: { url: redis.url, clusterNodes: redis.clusterNodes },
    prefix: redis.prefix,
    opsPort: 0,
    opsHost: '127.0.0.1',
    concurrency: 2,
    createHandlers: (deps) =>
      createQaHandlers(deps, config, {
        // No worktree here: the `command` policy's checks are a fake that passes.
        runChecks: async (): Promise<CheckResult> => ({ passed: true, summary: 'checks passed' }),
      }),
  });
});

afterAll(async () => {
  await qa?.stop();
  await queues?.close();
  await redis?.stop();
});

let projects = 0;
async function createProject(qaPolicy: ProjectSpec['qaPolicy']): Promise<ProjectSpec> {
  const spec = buildProjectSpec({ id: `qa-ci-${++projects}`, qaPolicy });
  const saved = await store.projects.put(spec, 0);
  if (saved.kind !== 'saved') throw new Error('project not saved');
  return spec;
}

/** A `running` run on its branch with `count` pending steps, as the planner leaves it. */
const runningRun = (projectId: string, count: number) =>
  createRunningRun(store, projectId, { steps: count, branch: (ref) => `tundra/${ref}-add-a-login-page` });

/**
 * The executor's part for one step: started, then executed at `sha` (for a step that changed nothing, the commit
 * it found). Returns the `step.qa` job the transition asked for (the dispatcher's id), once QA has handled it.
 */
async function execute(runId: string, step: StepRun, sha: string) {
  await start(runId, step);
  return finish(runId, step, sha);
}

const executor = { kind: 'system', name: 'executor' } as const;

/** The executor takes the step: it runs, and (in the executor) commits and pushes before `finish`. */
async function start(runId: string, step: StepRun) {
  const started = await commands.transitionStep(runId, step.id, 'step_started', {
    actor: executor,
    patch: (current) => ({ attempts: current.attempts + 1 }),
  });
  if (started.kind !== 'applied') throw new Error(`start not recorded: ${started.kind}`);
}

/** The executor records the step as executed at `sha`; returns the `step.qa` job that asked for, once handled. */
async function finish(runId: string, step: StepRun, sha: string) {
  const finished = await commands.transitionStep(runId, step.id, 'execution_finished', {
    actor: executor,
    patch: () => ({ commitSha: sha }),
  });
  if (finished.kind !== 'applied') throw new Error(`execution not recorded: ${finished.kind}`);
  return handled(`qa-${runId}-${finished.eventId}`);
}

/** A QA-queue job as it ended, once the QA app has handled it (the job waitForJob returns is read before). */
async function handled(jobId: string): Promise<Job> {
  await waitForJob(redis, QueueName.Qa, jobId);
  const queue = new Queue(QueueName.Qa, { connection: redis.client, prefix: redis.queuePrefix });
  try {
    const job = await Job.fromId(queue, jobId);
    if (!job || job.failedReason) throw new Error(`job ${jobId} failed: ${job?.failedReason}`);
    return job;
  } finally {
    await queue.close();
  }
}

/** A `ci.result` as the ingester enqueues it, handled by the QA app. */
async function reportCi(
  run: { id: string; projectId: string; correlationId: string; branch: string | null },
  sha: string,
  sourceEventId: string,
  outcome: 'success' | 'failure' = 'success',
) {
  const jobId = await queues.enqueue(
    'ci.result',
    {
      projectId: run.projectId,
      correlationId: run.correlationId,
      sourceEventId,
      repository: 'acme/widgets',
      branch: run.branch!,
      sha,
      outcome,
      url: null,
    },
    { jobId: `ci-${sourceEventId}` },
  );
  return handled(jobId);
}

/** Resolves with the step's event of `type` once it is in the run's stream. */
function stepEvent(runId: string, stepId: string, type: string) {
  return waitForStreamEntry(
    redis.client,
    store.keys.runEvents(runId),
    (fields) => fields.type === JSON.stringify(type) && fields.entityId === JSON.stringify(stepId),
  );
}

const shaA = 'a'.repeat(40);
const shaB = 'b'.repeat(40);

describe('ci policy: a step that changed nothing', () => {
  it('passes at once with the verdict CI gave its commit, and the run is not left waiting', async () => {
    const project = await createProject({ kind: 'ci' });
    const { run, steps } = await runningRun(project.id, 2);
    const [first, second] = steps as [StepRun, StepRun];

    // The first step made a commit of its own: QA waits for CI's verdict on it.
    const waited = await execute(run.id, first, shaA);
    expect(waited.returnvalue).toMatchObject({ outcome: 'waiting', policy: 'ci' });
    expect((await store.runs.getStep(run.id, first.id))?.status).toBe('needs_qa');
    const passed = stepEvent(run.id, first.id, 'step_run.qa_passed');
    await reportCi(run, shaA, 'green-a');
    await passed;

    // The second step changed nothing: its commit is still A, and no CI run will ever come for it.
    const carried = await execute(run.id, second, shaA);
    expect(carried.returnvalue).toMatchObject({ outcome: 'applied', carriedFrom: first.id });
    const [event] = (await store.events.readRun(run.id, { count: 1000 })).filter(
      (e) => e.entityId === second.id && e.type === 'step_run.qa_passed',
    );
    expect(event).toMatchObject({
      actor: { kind: 'ci' },
      payload: { commitSha: shaA, carriedFromStepRunId: first.id },
    });
    const decided = await store.runs.getStep(run.id, second.id);
    expect(decided).toMatchObject({ status: 'completed', commitSha: shaA });
    expect(decided?.resultSummary).toContain('no change');
  });
});

/** The step's events of `type`, in order. */
async function stepEvents(runId: string, stepId: string, type: string) {
  return (await store.events.readRun(runId, { count: 1000 })).filter(
    (event) => event.entityId === stepId && event.type === type,
  );
}

/** The `run.advance` job a step's transition asked the planner for (the planner blocks a run whose step is). */
async function advanceJob(runId: string, eventId: string): Promise<Job | undefined> {
  const queue = new Queue(QueueName.Plan, { connection: redis.client, prefix: redis.queuePrefix });
  try {
    return await Job.fromId(queue, `advance-${runId}-${eventId}`);
  } finally {
    await queue.close();
  }
}

describe('ci policy: CI reports on a commit before its step waits for QA', () => {
  // The executor pushes a step's commit before it records the step as executed: a fast CI run (or its callback)
  // finds no step waiting yet. Its verdict is kept and decides the step once it waits.
  const shaC = 'c'.repeat(40);
  const shaD = 'd'.repeat(40);
  const shaE = 'e'.repeat(40);

  it('passes the step when it reaches needs_qa after CI passed its commit', async () => {
    const project = await createProject({ kind: 'ci' });
    const { run, steps } = await runningRun(project.id, 1);
    const step = steps[0]!;

    await start(run.id, step);
    const early = await reportCi(run, shaC, 'green-c-early');
    expect(early.returnvalue).toMatchObject({ outcome: 'passed', steps: 0 });
    expect((await store.runs.getStep(run.id, step.id))?.status).toBe('running');
    // Kept with an expiry: nothing deletes a run's keys when it ends.
    expect(await redis.client.ttl(store.keys.runCiVerdicts(run.id))).toBeGreaterThan(0);

    const qa = await finish(run.id, step, shaC);
    expect(qa.returnvalue).toMatchObject({ outcome: 'applied', ci: 'success' });
    const decided = await store.runs.getStep(run.id, step.id);
    expect(decided).toMatchObject({
      status: 'completed',
      commitSha: shaC,
      resultSummary: `CI success on ${run.branch} at cccccccccccc`,
    });
    const [event] = await stepEvents(run.id, step.id, 'step_run.qa_passed');
    expect(event).toMatchObject({
      actor: { kind: 'ci' },
      payload: { commitSha: shaC, ciSourceEventId: 'green-c-early' },
    });
  });

  it('blocks the step when it reaches needs_qa after CI failed its commit, and asks the planner to block the run', async () => {
    const project = await createProject({ kind: 'ci' });
    const { run, steps } = await runningRun(project.id, 2);
    const step = steps[0]!;

    await start(run.id, step);
    const early = await reportCi(run, shaD, 'red-d-early', 'failure');
    expect(early.returnvalue).toMatchObject({ outcome: 'failed', steps: 0 });

    const qa = await finish(run.id, step, shaD);
    expect(qa.returnvalue).toMatchObject({ outcome: 'applied', ci: 'failure' });
    expect(await store.runs.getStep(run.id, step.id)).toMatchObject({
      status: 'blocked',
      resultSummary: `CI failure on ${run.branch} at dddddddddddd`,
    });
    const [event] = await stepEvents(run.id, step.id, 'step_run.ci_failed');
    expect(event).toMatchObject({ actor: { kind: 'ci' }, payload: { ciSourceEventId: 'red-d-early' } });
    expect((await advanceJob(run.id, event!.id))?.name).toBe('run.advance');
    // The next step is not started: the run goes no further than the blocked step.
    expect((await store.runs.getStep(run.id, steps[1]!.id))?.status).toBe('pending');
  });

  it('blocks a retried step that changed nothing again at the commit CI failed, instead of waiting for CI', async () => {
    const project = await createProject({ kind: 'ci' });
    const { run, steps } = await runningRun(project.id, 1);
    const step = steps[0]!;

    expect((await execute(run.id, step, shaE)).returnvalue).toMatchObject({
      outcome: 'waiting',
      policy: 'ci',
    });
    const red = await reportCi(run, shaE, 'red-e', 'failure');
    expect(red.returnvalue).toMatchObject({ outcome: 'failed', steps: 1 });
    expect((await store.runs.getStep(run.id, step.id))?.status).toBe('blocked');

    // Retried; the engine changes nothing, so the step is back at E and nothing new is pushed: no CI run will come.
    const retried = await commands.transitionStep(run.id, step.id, 'retried', { actor: testActor });
    expect(retried.kind).toBe('applied');
    const again = await execute(run.id, (await store.runs.getStep(run.id, step.id))!, shaE);
    expect(again.returnvalue).toMatchObject({ outcome: 'applied', ci: 'failure' });
    expect((await store.runs.getStep(run.id, step.id))?.status).toBe('blocked');
    expect(await stepEvents(run.id, step.id, 'step_run.ci_failed')).toHaveLength(2);

    // A re-run of the pipeline that passes on the same commit clears the block, as any green result does.
    const green = await reportCi(run, shaE, 'green-e-rerun');
    expect(green.returnvalue).toMatchObject({ outcome: 'passed', steps: 1 });
    expect((await store.runs.getStep(run.id, step.id))?.status).toBe('completed');
  });
});

describe('TUNDRA_AUTO_QA_ON_CI under the command policy', () => {
  it("enqueues the waiting step's QA job (trigger ci) once, however often the same CI result is reported", async () => {
    const project = await createProject({ kind: 'command', command: ['true'] });
    const { run, steps } = await runningRun(project.id, 1);
    const step = steps[0]!;

    // TUNDRA_AUTO_QA_AFTER_EXEC is off: execution alone does not run the checks.
    const afterExec = await execute(run.id, step, shaB);
    expect(afterExec.returnvalue).toMatchObject({ outcome: 'waiting', policy: 'command' });
    const waiting = (await store.runs.getStep(run.id, step.id))!;
    expect(waiting.status).toBe('needs_qa');

    const ci = await reportCi(run, shaB, 'green-b-webhook');
    expect(ci.returnvalue).toMatchObject({ outcome: 'qa_enqueued', steps: 1 });
    const jobId = ciQaJobId(run.id, waiting, { sha: shaB, sourceEventId: 'green-b-webhook' });
    const qaJob = await handled(jobId);
    expect(qaJob.data).toMatchObject({
      protocolRunId: run.id,
      stepRunId: step.id,
      correlationId: run.correlationId,
      trigger: 'ci',
    });
    // The ci trigger runs the policy's checks (`true` here) at once: the step passes.
    expect(qaJob.returnvalue).toMatchObject({ outcome: 'applied', passed: true });
    expect((await store.runs.getStep(run.id, step.id))?.status).toBe('completed');

    // The same CI run reported again (the pipeline's own callback after the forge's webhook): no second QA job.
    await reportCi(run, shaB, 'green-b-callback');
    const queue = new Queue(QueueName.Qa, { connection: redis.client, prefix: redis.queuePrefix });
    try {
      const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
      const ciTriggered = jobs.filter((job) => job.name === 'step.qa' && job.data.stepRunId === step.id);
      expect(ciTriggered.filter((job) => job.data.trigger === 'ci').map((job) => job.id)).toEqual([jobId]);
    } finally {
      await queue.close();
    }
  });
});
