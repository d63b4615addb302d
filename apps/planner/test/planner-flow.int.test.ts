import { randomUUID } from 'node:crypto';
import { QueueName } from '@tundra/core';
import type { RunningService } from '@tundra/core/server';
import { createKeys } from '@tundra/core/server';
import { type DemoSeed, startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  buildProjectSpec,
  createTestRedis,
  type TestRedis,
  waitForJob,
  waitForStreamEntry,
} from '@tundra/testkit';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlanner } from './test-planner.js';

let redis: TestRedis;
let sandbox: TaigaSandbox;
let seed: DemoSeed;
let planner: RunningService;

beforeAll(async () => {
  redis = await createTestRedis();
  sandbox = await startTaigaSandbox();
  seed = await sandbox.seedDemo();
  planner = await startTestPlanner({ redis, taigaUrl: sandbox.url, bot: seed.users.bot });
});

afterAll(async () => {
  await planner?.stop();
  await sandbox?.stop();
  await redis?.stop();
});

async function registerProject(overrides: Parameters<typeof buildProjectSpec>[0]) {
  const store = (await import('@tundra/core/server')).createStateStore({
    redis: redis.client,
    prefix: redis.prefix,
  });
  const spec = buildProjectSpec({
    id: `p-${randomUUID().slice(0, 8)}`,
    taiga: { projectId: seed.project.id, projectSlug: seed.project.slug, webhookSecretRef: 'UNUSED' },
    ...overrides,
  });
  await store.projects.put(spec, 0);
  return { store, spec };
}

function waitForEvent(
  projectId: string,
  type: string,
  matches: (fields: Record<string, string>) => boolean = () => true,
) {
  return waitForStreamEntry(
    redis.client,
    createKeys(redis.prefix).projectEvents(projectId),
    (fields) => fields.type === JSON.stringify(type) && matches(fields),
  );
}

describe('planner', () => {
  it('plans a story from its Taiga tasks and starts the first step', async () => {
    const { store, spec } = await registerProject({ planEngine: { kind: 'taiga-tasks' } });
    const queues = new (await import('@tundra/core/server')).JobQueues(redis.client, redis.prefix);
    const started = waitForEvent(spec.id, 'protocol_run.run_started');
    await queues.enqueue('run.start', {
      projectId: spec.id,
      correlationId: 'corr-plan-1',
      taigaItem: { type: 'userstory', id: seed.story.id, ref: seed.story.ref },
      sourceEventId: null,
    });
    const event = await started;
    const runId = JSON.parse(event.fields.entityId!) as string;
    const run = await store.runs.getRun(runId);
    expect(run).toMatchObject({
      status: 'running',
      correlationId: 'corr-plan-1',
      plan: { engine: 'taiga-tasks', stepCount: 3 },
    });
    expect(run?.branch).toMatch(new RegExp(`^tundra/${spec.id}/${seed.story.ref}-`));
    const steps = await store.runs.listSteps(runId);
    expect(steps.map((s) => s.taigaTaskId)).toEqual(seed.tasks.map((t) => t.id));

    // run_started asked for `run.advance` (its job id derives from the event's id in the run's stream): once that
    // job is done, the first step's execution is enqueued.
    const advance = await waitForJob(redis, QueueName.Plan, `advance-${runId}-${event.fields.streamId}`);
    expect(advance).toBeDefined();

    const executeQueue = new Queue(QueueName.Execute, {
      connection: redis.client,
      prefix: redis.queuePrefix,
    });
    const exec = await executeQueue.getJob(`exec-${steps[0]!.id}-1`);
    expect(exec?.data).toMatchObject({
      protocolRunId: runId,
      stepRunId: steps[0]!.id,
      attempt: 1,
      correlationId: 'corr-plan-1',
    });
    await executeQueue.close();
    await queues.close();
  });

  it('fails planning with the validation message when a command plan engine prints bad JSON', async () => {
    const { store, spec } = await registerProject({
      planEngine: { kind: 'command', command: ['bash', '-c', 'echo "{\\"steps\\": []}"'] },
    });
    const queues = new (await import('@tundra/core/server')).JobQueues(redis.client, redis.prefix);
    const failed = waitForEvent(spec.id, 'protocol_run.plan_failed');
    await queues.enqueue('run.start', {
      projectId: spec.id,
      correlationId: 'corr-plan-2',
      taigaItem: { type: 'userstory', id: seed.story.id, ref: seed.story.ref },
      sourceEventId: null,
    });
    const event = await failed;
    const run = await store.runs.getRun(JSON.parse(event.fields.entityId!) as string);
    expect(run?.status).toBe('failed');
    expect(run?.reason).toContain('steps: a plan needs at least one step');
    await queues.close();
  });
});
