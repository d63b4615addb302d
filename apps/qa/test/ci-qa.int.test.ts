import type { ProjectSpec, StepRun } from '@tundra/core';
import { QueueName } from '@tundra/core';
import {
  createStateStore,
  EffectDispatcher,
  JobQueues,
  RunCommands,
  type RunningService,
  type StateStore,
  startWorkerApp,
} from '@tundra/core/server';
import {
  buildProjectSpec,
  buildTaigaItem,
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
  store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  queues = new JobQueues(redis.connect(), redis.prefix);
  commands = new RunCommands(store, new EffectDispatcher({ queues, redis: redis.client, keys: store.keys }));
  // QA is never run right after execution here: for a `command` project only CI success can ask for it.
  const config = qaConfigSchema.parse({
    REDIS_URL: redis.url,
    TUNDRA_REDIS_PREFIX: redis.prefix,
    TUNDRA_AUTO_QA_AFTER_EXEC: 'false',
    TUNDRA_AUTO_QA_ON_CI: 'true',
  });
  qa = await startWorkerApp({
    app: 'qa',
    logger,
    registry: new Registry(),
    redisUrl: redis.url,
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
async function runningRun(projectId: string, count: number) {
  const item = buildTaigaItem();
  const created = await store.runs.createRun({
    projectId,
    taigaItem: item,
    title: 'Add a login page',
    correlationId: `corr-${item.ref}`,
    actor: testActor,
  });
  if (created.kind !== 'created') throw new Error('run not created');
  const runId = created.run.id;
  await store.runs.transitionRun(runId, 'plan_started', { actor: testActor });
  const steps = Array.from({ length: count }, (_, i) => ({
    title: `Step ${i + 1}`,
    instructions: `Do part ${i + 1}`,
    taigaTaskId: null,
  }));
  await store.runs.storePlan(runId, { engine: 'test', steps }, { actor: testActor });
  await store.runs.transitionRun(runId, 'plan_ready', {
    actor: testActor,
    patch: () => ({ branch: `tundra/${item.ref}-add-a-login-page` }),
  });
  await store.runs.transitionRun(runId, 'run_started', { actor: testActor });
  return { run: (await store.runs.getRun(runId))!, steps: await store.runs.listSteps(runId) };
}

/**
 * The executor's part for one step: started, then executed at `sha` (for a step that changed nothing, the commit
 * it found). Returns the `step.qa` job the transition asked for (the dispatcher's id), once QA has handled it.
 */
async function execute(runId: string, step: StepRun, sha: string) {
  const actor = { kind: 'system', name: 'executor' } as const;
  await commands.step(runId, step.id, 'step_started', {
    actor,
    patch: (current) => ({ attempts: current.attempts + 1 }),
  });
  const finished = await commands.step(runId, step.id, 'execution_finished', {
    actor,
    patch: () => ({ commitSha: sha }),
  });
  if (finished.kind !== 'applied') throw new Error(`execution not recorded: ${finished.kind}`);
  return handled(`qa-${runId}-${finished.eventId}`);
}

/** A QA-queue job as it ended, once the QA app has handled it (the job waitForJob returns is read before). */
async function handled(jobId: string): Promise<Job> {
  await waitForJob(redis, QueueName.Qa, jobId);
  const queue = new Queue(QueueName.Qa, { connection: redis.client, prefix: redis.prefix });
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
      outcome: 'success',
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
    const queue = new Queue(QueueName.Qa, { connection: redis.client, prefix: redis.prefix });
    try {
      const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
      const ciTriggered = jobs.filter((job) => job.name === 'step.qa' && job.data.stepRunId === step.id);
      expect(ciTriggered.filter((job) => job.data.trigger === 'ci').map((job) => job.id)).toEqual([jobId]);
    } finally {
      await queue.close();
    }
  });
});
