import { QueueName, type StartTrigger, type TaigaItemRef } from '@tundra/core';
import { createStateStore, JobQueues, type RunningService, type StateStore } from '@tundra/core/server';
import {
  type DemoSeed,
  startTaigaSandbox,
  type TaigaSandbox,
  type TaigaSandboxActor,
} from '@tundra/taiga-sandbox';
import { buildProjectSpec, createTestRedis, type TestRedis, waitForJob } from '@tundra/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlanner } from './test-planner.js';

// Deliveries arrive out of order: a close delivered before the assignment that preceded it once let the assignment
// start a run on a closed story. The planner reads the item in Taiga before a run starts.

let redis: TestRedis;
let sandbox: TaigaSandbox;
let seed: DemoSeed;
let planner: RunningService;
let store: StateStore;
let queues: JobQueues;
let admin: TaigaSandboxActor;
const logLines: Record<string, unknown>[] = [];
const projectId = 'gate';

beforeAll(async () => {
  redis = await createTestRedis();
  sandbox = await startTaigaSandbox();
  seed = await sandbox.seedDemo();
  admin = sandbox.actAs(seed.users.admin.username);
  store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  queues = new JobQueues(redis.client, redis.prefix);
  await store.projects.put(
    buildProjectSpec({
      id: projectId,
      taiga: { projectId: seed.project.id, projectSlug: seed.project.slug, webhookSecretRef: 'UNUSED' },
      trigger: { onBotAssignment: true, statusSlugs: ['ready'] },
    }),
    0,
  );
  planner = await startTestPlanner({
    redis,
    taigaUrl: sandbox.url,
    bot: seed.users.bot,
    logger: pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) }),
  });
});

afterAll(async () => {
  await planner?.stop();
  await queues?.close();
  await sandbox?.stop();
  await redis?.stop();
});

const statusId = (slug: string) => seed.statuses.userStory.find((s) => s.slug === slug)!.id;

/** A new user story, as the admin makes it: assigned to the bot unless said otherwise. */
async function story(fields: Record<string, unknown> = {}): Promise<TaigaItemRef & { version: number }> {
  const created = await admin.createUserStory({
    project: seed.project.id,
    subject: 'Gate me',
    assigned_to: seed.users.bot.id,
    ...fields,
  });
  return {
    type: 'userstory',
    id: created.id as number,
    ref: created.ref as number,
    version: created.version as number,
  };
}

let jobs = 0;
/** Enqueues `run.start` as a trigger (or an operator, with `null`) would, and waits for the planner's answer. */
async function start(item: TaigaItemRef, triggeredBy: StartTrigger | null) {
  const jobId = `gate-${++jobs}`;
  await queues.enqueue(
    'run.start',
    {
      projectId,
      correlationId: jobId,
      taigaItem: { type: item.type, id: item.id, ref: item.ref },
      sourceEventId: null,
      ...(triggeredBy
        ? { trigger: triggeredBy }
        : { requestedBy: { actor: { kind: 'operator', name: 'admin' }, reason: null } }),
    },
    { jobId },
  );
  await waitForJob(redis, QueueName.Plan, jobId);
  const job = (await queues.queue(QueueName.Plan).getJob(jobId))!;
  const runs = await store.runs.listRunIdsForItem(projectId, item);
  const decision = logLines.find((line) => line.correlationId === jobId && line.msg === 'run not started');
  return { result: job.returnvalue as Record<string, unknown>, runs, decision };
}

describe('before a run starts, the planner reads the item in Taiga', () => {
  it('starts nothing for a story closed before the assignment was delivered, and logs why', async () => {
    const item = await story();
    await admin.patchUserStory(item.id, { status: statusId('done'), version: item.version });
    const { result, runs, decision } = await start(item, 'bot_assignment');
    expect(result).toEqual({ outcome: 'not_started', reason: 'closed' });
    expect(runs).toEqual([]);
    expect(decision).toMatchObject({
      reason: 'closed',
      detail: 'the item is closed',
      trigger: 'bot_assignment',
    });
  });

  it('starts nothing for a deleted story', async () => {
    const item = await story();
    await admin.deleteUserStory(item.id);
    const { result, runs, decision } = await start(item, 'bot_assignment');
    expect(result).toEqual({ outcome: 'not_started', reason: 'deleted' });
    expect(runs).toEqual([]);
    expect(decision).toMatchObject({ reason: 'deleted' });
  });

  it('starts nothing for a story no longer assigned to the bot', async () => {
    const item = await story();
    await admin.patchUserStory(item.id, { assigned_to: null, version: item.version });
    const { result, runs, decision } = await start(item, 'bot_assignment');
    expect(result).toEqual({ outcome: 'not_started', reason: 'not_triggered' });
    expect(runs).toEqual([]);
    expect(decision?.detail).toBe(
      'it was started by bot_assignment, but the item is no longer assigned to the bot',
    );
  });

  it('starts nothing for a story moved out of the trigger status', async () => {
    const item = await story({ assigned_to: null, status: statusId('ready') });
    await admin.patchUserStory(item.id, { status: statusId('in-progress'), version: item.version });
    const { result, runs } = await start(item, 'trigger_status');
    expect(result).toEqual({ outcome: 'not_started', reason: 'not_triggered' });
    expect(runs).toEqual([]);
  });

  it('starts a run for an open story still assigned to the bot, and for one still in a trigger status', async () => {
    for (const [item, trigger] of [
      [await story(), 'bot_assignment'],
      [await story({ assigned_to: null, status: statusId('ready') }), 'trigger_status'],
    ] as const) {
      // The stories have no tasks, so the plan fails: what matters here is that the run was created.
      const { result, runs } = await start(item, trigger);
      expect(result).toMatchObject({ protocolRunId: runs[0] });
      expect(runs).toHaveLength(1);
    }
  });

  it('starts a run an operator asked for on an open story nobody assigned, but not on a closed one', async () => {
    const open = await story({ assigned_to: null });
    expect((await start(open, null)).runs).toHaveLength(1);
    const closed = await story({ assigned_to: null, status: statusId('done') });
    expect((await start(closed, null)).result).toEqual({ outcome: 'not_started', reason: 'closed' });
  });
});
