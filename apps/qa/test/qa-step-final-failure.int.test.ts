import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JobPayload, type ProjectSpec, QueueName } from '@tundra/core';
import {
  createJobMetrics,
  type JobQueues,
  type RunCommands,
  type StateStore,
  startWorkers,
} from '@tundra/core/server';
import { createEngineRunner } from '@tundra/engine';
import {
  buildProjectSpec,
  createRunFlow,
  createRunningRun,
  createTestRedis,
  type TestRedis,
  testActor,
  waitForJob,
} from '@tundra/testkit';
import { createWorkspaceManager, WorkspaceConfigError } from '@tundra/workspace';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQaStepHandler, type RunChecks } from '../src/handlers/qa-step.js';
import { createRunChecks } from '../src/run-checks.js';

const logger = pino({ level: 'silent' });
let redis: TestRedis;
let store: StateStore;
let queues: JobQueues;
let commands: RunCommands;
let dir: string;

beforeAll(async () => {
  redis = await createTestRedis();
  ({ store, queues, commands } = createRunFlow(redis));
  dir = mkdtempSync(join(tmpdir(), 'tundra-qa-test-'));
});
afterAll(async () => {
  await queues.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

let projects = 0;
async function createProject(overrides: Partial<ProjectSpec> = {}): Promise<ProjectSpec> {
  const spec = buildProjectSpec({
    id: `qa-${++projects}`,
    qaPolicy: { kind: 'command', command: ['true'] },
    ...overrides,
  });
  const saved = await store.projects.put(spec, 0);
  if (saved.kind !== 'saved') throw new Error('project not saved');
  return spec;
}

/** A running run whose one step was executed once and waits for QA (`needs_qa`). */
async function stepAwaitingQa(projectId: string) {
  const { run, steps } = await createRunningRun(store, projectId);
  const runId = run.id;
  const step = steps[0];
  await store.runs.transitionStep(runId, step!.id, 'step_started', {
    actor: testActor,
    patch: (s) => ({ attempts: s.attempts + 1 }),
  });
  await store.runs.transitionStep(runId, step!.id, 'execution_finished', { actor: testActor });
  return { runId, stepId: step!.id };
}

/**
 * Runs one `step.qa` job through the worker host until BullMQ is done with it. The job gets `attempts` with a
 * tiny fixed backoff instead of the catalog's, so the test sees every attempt without waiting for real backoffs.
 */
async function runQaJob(runChecks: RunChecks, payload: JobPayload<'step.qa'>, attempts: number) {
  const workers = startWorkers({
    connection: redis.connect(),
    prefix: redis.prefix,
    concurrency: 1,
    logger,
    metrics: createJobMetrics(new Registry()),
    handlers: {
      'step.qa': createQaStepHandler({ store, commands, runChecks, autoQaAfterExec: true }),
    },
  });
  try {
    const jobId = `qa-test-${payload.stepRunId}`;
    await queues.queue(QueueName.Qa).add('step.qa', payload, {
      ...queues.jobOptions('step.qa', { jobId }),
      attempts,
      backoff: { type: 'fixed', delay: 10 },
    });
    await waitForJob(redis, QueueName.Qa, jobId);
    // Read again: the job as it ended, with every attempt counted.
    return (await queues.queue(QueueName.Qa).getJob(jobId))!;
  } finally {
    await workers.close();
  }
}

const payloadFor = (projectId: string, runId: string, stepId: string): JobPayload<'step.qa'> => ({
  projectId,
  correlationId: 'corr',
  protocolRunId: runId,
  stepRunId: stepId,
  trigger: 'after_exec',
});

describe('step.qa when the checks cannot run', () => {
  it('records failed QA with the error after the last attempt, and asks the planner and Taiga to follow', async () => {
    // The run's repository is gone: the worktree cannot be made, so the checks never start (a GitError).
    const project = await createProject({
      repository: { url: join(dir, 'missing.git'), baseBranch: 'main', pushRemote: null },
    });
    const { runId, stepId } = await stepAwaitingQa(project.id);
    const runChecks = createRunChecks({
      engines: createEngineRunner({ registry: new Registry(), killGraceMs: 1_000 }),
      workspaces: createWorkspaceManager({
        root: join(dir, 'workspaces'),
        gitAuthor: { name: 'Tundra QA', email: 'qa@example.test' },
        logger,
      }),
      timeoutMs: 10_000,
      baseEnv: { PATH: process.env.PATH },
    });

    let calls = 0;
    const counted: RunChecks = (...args) => {
      calls++;
      return runChecks(...args);
    };

    const job = await runQaJob(counted, payloadFor(project.id, runId, stepId), 3);

    expect(await job.getState()).toBe('completed');
    expect(calls).toBe(3);
    const step = await store.runs.getStep(runId, stepId);
    expect(step?.status).toBe('failed');
    expect(step?.resultSummary).toMatch(/^QA could not run the checks: git .* failed/);
    const events = await store.events.readRun(runId);
    const failed = events.filter((e) => e.type === 'step_run.qa_failed');
    expect(failed).toHaveLength(1);
    // qa_failed asks for the run's advance (which retries the step or blocks the run) and for the Taiga write-back.
    expect(await queues.queue(QueueName.Plan).getJob(`advance-${runId}-${failed[0]!.id}`)).toBeDefined();
    expect(await queues.queue(QueueName.WriteBack).getJob(`sync-${runId}-${failed[0]!.id}`)).toBeDefined();
  });

  it('leaves a failure before the last attempt to the job’s retry', async () => {
    const project = await createProject();
    const { runId, stepId } = await stepAwaitingQa(project.id);
    let calls = 0;
    const flaky: RunChecks = async () => {
      calls++;
      if (calls === 1) throw new Error('worktree busy');
      return { passed: true, summary: 'checks passed' };
    };

    const job = await runQaJob(flaky, payloadFor(project.id, runId, stepId), 2);

    expect(await job.getState()).toBe('completed');
    expect(calls).toBe(2);
    expect(await store.runs.getStep(runId, stepId)).toMatchObject({ status: 'completed' });
    const types = (await store.events.readRun(runId)).map((e) => e.type);
    expect(types).not.toContain('step_run.qa_failed');
  });

  it('records an error no retry can fix at once, without using up the attempts', async () => {
    const project = await createProject();
    const { runId, stepId } = await stepAwaitingQa(project.id);
    let calls = 0;
    const misconfigured: RunChecks = async () => {
      calls++;
      throw new WorkspaceConfigError('base branch main does not exist in the repository');
    };

    const job = await runQaJob(misconfigured, payloadFor(project.id, runId, stepId), 5);

    expect(calls).toBe(1);
    expect(await job.getState()).toBe('completed');
    expect(await store.runs.getStep(runId, stepId)).toMatchObject({
      status: 'failed',
      resultSummary: 'QA could not run the checks: base branch main does not exist in the repository',
    });
  });
});
