import { type JobName, type JobPayload, QueueName } from '@tundra/core';
import {
  createJobMetrics,
  createStateStore,
  EffectDispatcher,
  type EnqueueOptions,
  JobQueues,
  RunCommands,
  type StateStore,
  startWorkers,
} from '@tundra/core/server';
import {
  buildProjectSpec,
  createRunningRun,
  createTestRedis,
  type TestRedis,
  waitForJob,
} from '@tundra/testkit';
import { Worker } from 'bullmq';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdvanceRunHandler } from '../src/handlers/advance-run.js';

/** The producers' queues, with `step.execute` made to fail for the runs a test names (Redis refusing, say). */
class BreakableQueues extends JobQueues {
  readonly broken = new Set<string>();
  override async enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    options?: EnqueueOptions,
  ): Promise<string> {
    if (name === 'step.execute' && 'protocolRunId' in payload && this.broken.has(payload.protocolRunId))
      throw new Error('the execute queue refused the job');
    return super.enqueue(name, payload, options);
  }
}

// Long enough that no test waits for a retry: the tests look at the delayed job, never at the clock.
const stepRetry = { baseMs: 60_000, maxMs: 90_000 };
const logger = pino({ level: 'silent' });
let redis: TestRedis;
let store: StateStore;
let queues: BreakableQueues;
let commands: RunCommands;
let workers: ReturnType<typeof startWorkers>;

beforeAll(async () => {
  redis = await createTestRedis();
  store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  queues = new BreakableQueues(redis.connect(), redis.prefix);
  commands = new RunCommands(store, new EffectDispatcher({ queues, redis: redis.client, keys: store.keys }));
  // Only the planner's `run.advance`: no executor takes the step jobs, so they stay where the planner put them.
  workers = startWorkers({
    connection: redis.connect(),
    prefix: redis.prefix,
    concurrency: 2,
    logger,
    metrics: createJobMetrics(new Registry()),
    handlers: {
      'run.advance': createAdvanceRunHandler({
        store,
        commands,
        queues,
        stepRetry,
        // These projects deliver by push: nothing here opens a pull request.
        deliver: () => Promise.reject(new Error('this test delivers by push')),
      }),
    },
  });
});
afterAll(async () => {
  await workers?.close();
  await queues?.close();
  await redis?.stop();
});

let projects = 0;
/** A running run with one pending step, made through the store alone (no effects, so no job is enqueued). */
async function runningRun() {
  const project = buildProjectSpec({
    id: `adv-${++projects}`,
    limits: { concurrentRuns: 2, stepTimeoutSeconds: 60, maxAttempts: 3 },
  });
  await store.projects.put(project, 0);
  const { run, steps } = await createRunningRun(store, project.id);
  return { projectId: project.id, runId: run.id, stepId: steps[0]!.id };
}

const executor = { kind: 'system', name: 'executor' } as const;

/** What the executor does for an attempt whose engine fails: start the step, then record the failure. */
async function failAttempt(runId: string, stepId: string, attempt: number): Promise<string> {
  await commands.transitionStep(runId, stepId, 'step_started', {
    actor: executor,
    idempotencyKey: `test-exec:${stepId}:${attempt}`,
    patch: (s) => ({ attempts: s.attempts + 1 }),
  });
  const failed = await commands.transitionStep(runId, stepId, 'execution_failed', {
    actor: executor,
    idempotencyKey: `test-exec-failed:${stepId}:${attempt}`,
    patch: () => ({ resultSummary: 'the engine exited with 1' }),
  });
  if (failed.kind !== 'applied') throw new Error(`execution_failed: ${failed.kind}`);
  return failed.eventId;
}

/** Waits for the advance job a transition asked for (its id derives from the event's id), and the ones it led to. */
async function advanceAfter(runId: string, eventId: string): Promise<void> {
  await waitForJob(redis, QueueName.Plan, `advance-${runId}-${eventId}`);
  const retried = (await store.events.readRun(runId, { from: eventId })).filter(
    (e) => e.type === 'step_run.retried',
  );
  for (const event of retried) await waitForJob(redis, QueueName.Plan, `advance-${runId}-${event.id}`);
}

const executeJob = (id: string) => queues.queue(QueueName.Execute).getJob(id);

describe('run.advance between a step’s attempts', () => {
  it('delays each retry exponentially, with a cap, under the attempt’s own job id', async () => {
    const { runId, stepId } = await runningRun();

    await advanceAfter(runId, await failAttempt(runId, stepId, 1));
    const second = await executeJob(`exec-${stepId}-2`);
    expect(second?.data).toMatchObject({ stepRunId: stepId, attempt: 2 });
    expect(await second?.getState()).toBe('delayed');
    // The base delay, less the moments between the retry and the enqueue.
    expect(second?.delay).toBeGreaterThan(50_000);
    expect(second?.delay).toBeLessThanOrEqual(60_000);

    // The reconciler asks again: the same job stays, with its delay; nothing new is enqueued for the step.
    await queues.enqueue(
      'run.advance',
      { projectId: second!.data.projectId, correlationId: 'corr', protocolRunId: runId },
      { jobId: `reconcile-advance-${runId}-test` },
    );
    await waitForJob(redis, QueueName.Plan, `reconcile-advance-${runId}-test`);
    const again = await executeJob(`exec-${stepId}-2`);
    expect(again?.timestamp).toBe(second?.timestamp);
    expect(await again?.getState()).toBe('delayed');
    const stepJobs = (await queues.queue(QueueName.Execute).getJobs(['wait', 'delayed', 'active'])).filter(
      (job) => job.data.stepRunId === stepId,
    );
    expect(stepJobs.map((job) => job.id)).toEqual([`exec-${stepId}-2`]);

    // The next failure doubles the wait, up to the cap (90 s rather than 120 s).
    await advanceAfter(runId, await failAttempt(runId, stepId, 2));
    const third = await executeJob(`exec-${stepId}-3`);
    expect(await third?.getState()).toBe('delayed');
    expect(third?.delay).toBeGreaterThan(80_000);
    expect(third?.delay).toBeLessThanOrEqual(90_000);
  });
});

describe('run.advance when work cannot go on', () => {
  it('blocks the run with the reason once its own job has no attempt left', async () => {
    const { projectId, runId } = await runningRun();
    queues.broken.add(runId);
    const jobId = `advance-test-${runId}`;
    // Two attempts and a tiny backoff instead of the catalog's ten: the test sees the last one at once.
    await queues.queue(QueueName.Plan).add(
      'run.advance',
      { projectId, correlationId: 'corr', protocolRunId: runId },
      {
        ...queues.jobOptions('run.advance', { jobId }),
        attempts: 2,
        backoff: { type: 'fixed', delay: 10 },
      },
    );
    await waitForJob(redis, QueueName.Plan, jobId);

    const job = await queues.queue(QueueName.Plan).getJob(jobId);
    expect(job?.attemptsMade).toBe(2);
    expect(job?.returnvalue).toMatchObject({ outcome: 'advance_failed', blocked: 'applied' });
    const run = await store.runs.getRun(runId);
    expect(run?.status).toBe('blocked');
    expect(run?.reason).toBe('Tundra could not advance the run: the execute queue refused the job');
    const blocked = (await store.events.readRun(runId)).filter((e) => e.type === 'protocol_run.blocked');
    expect(blocked).toHaveLength(1);
    // The block is written back to Taiga like any other (status, blocked note, comment).
    expect(await queues.queue(QueueName.WriteBack).getJob(`sync-${runId}-${blocked[0]!.id}`)).toBeDefined();
  });

  it('blocks the run when the step’s job failed without the executor starting the step, and tries again on resume', async () => {
    const { projectId, runId, stepId } = await runningRun();
    const execId = `exec-${stepId}-1`;
    // An executor that could not even start the step (its lease, its slot: Redis said no) on every attempt.
    const failing = new Worker(
      QueueName.Execute,
      async () => {
        throw new Error('could not take the step lease');
      },
      { connection: redis.connect(), prefix: redis.queuePrefix },
    );
    try {
      await queues
        .queue(QueueName.Execute)
        .add(
          'step.execute',
          { projectId, correlationId: 'corr', protocolRunId: runId, stepRunId: stepId, attempt: 1 },
          { ...queues.jobOptions('step.execute', { jobId: execId }), attempts: 1 },
        );
      await waitForJob(redis, QueueName.Execute, execId);
    } finally {
      await failing.close();
    }
    expect(await (await executeJob(execId))?.isFailed()).toBe(true);

    const ids = { projectId, correlationId: 'corr', protocolRunId: runId };
    await queues.enqueue('run.advance', ids, { jobId: `reconcile-advance-${runId}-gave-up` });
    await waitForJob(redis, QueueName.Plan, `reconcile-advance-${runId}-gave-up`);
    const run = await store.runs.getRun(runId);
    expect(run?.status).toBe('blocked');
    expect(run?.reason).toBe('the executor could not start step 1 "Step 1": could not take the step lease');
    expect(await executeJob(execId)).toBeUndefined();

    const resumed = await commands.transitionRun(runId, 'resumed', {
      actor: { kind: 'operator', name: 'test' },
      idempotencyKey: `resume:${runId}`,
    });
    if (resumed.kind !== 'applied') throw new Error(`resumed: ${resumed.kind}`);
    await waitForJob(redis, QueueName.Plan, `advance-${runId}-${resumed.eventId}`);
    expect((await store.runs.getRun(runId))?.status).toBe('running');
    expect(await (await executeJob(execId))?.getState()).toBe('waiting');
  });
});
