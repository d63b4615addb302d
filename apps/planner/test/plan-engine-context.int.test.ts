import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStateStore, JobQueues, type RunningService, type StateStore } from '@tundra/core/server';
import { type DemoSeed, startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  buildProjectSpec,
  createTestRedis,
  fakeCliEnv,
  type TestRedis,
  waitForStreamEntry,
} from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlanner } from './test-planner.js';

const secret = 'plan-secret-0123456789';
const plan = {
  steps: [
    { title: 'Add the form', instructions: 'A form with two fields' },
    { title: 'Add the tests', instructions: 'Cover both fields', model: 'claude-haiku-4-5' },
  ],
};
// What agents do with "answer with JSON only": wrap it in prose and a fence anyway.
const answer = `Here is the plan.\n\n\`\`\`json\n${JSON.stringify(plan, null, 2)}\n\`\`\`\n`;

let redis: TestRedis;
let sandbox: TaigaSandbox;
let seed: DemoSeed;
let planner: RunningService;
let store: StateStore;
let queues: JobQueues;
let dir: string;

beforeAll(async () => {
  redis = await createTestRedis();
  sandbox = await startTaigaSandbox();
  seed = await sandbox.seedDemo();
  dir = await mkdtemp(join(tmpdir(), 'tundra-plan-test-'));
  store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  queues = new JobQueues(redis.client, redis.prefix);
  planner = await startTestPlanner({
    redis,
    taigaUrl: sandbox.url,
    bot: seed.users.bot,
    env: { ...fakeCliEnv({ answer, recordTo: join(dir, 'agent.json') }), PLAN_SECRET: secret },
  });
});

afterAll(async () => {
  await planner?.stop();
  await queues?.close();
  await sandbox?.stop();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function project(overrides: Parameters<typeof buildProjectSpec>[0]) {
  const spec = buildProjectSpec({
    id: `p-${randomUUID().slice(0, 8)}`,
    taiga: { projectId: seed.project.id, projectSlug: seed.project.slug, webhookSecretRef: 'UNUSED' },
    secretEnv: ['PLAN_SECRET'],
    ...overrides,
  });
  await store.projects.put(spec, 0);
  return spec;
}

const planReady = (runId: string, after?: string) =>
  waitForStreamEntry(
    redis.client,
    store.keys.runEvents(runId),
    (fields) => fields.type === JSON.stringify('protocol_run.plan_ready'),
    30_000,
    after,
  );

async function startRun(projectId: string): Promise<string> {
  const created = waitForStreamEntry(
    redis.client,
    store.keys.projectEvents(projectId),
    (fields) => fields.type === JSON.stringify('protocol_run.created'),
    30_000,
  );
  await queues.enqueue('run.start', {
    projectId,
    correlationId: `corr-${projectId}`,
    taigaItem: { type: 'userstory', id: seed.story.id, ref: seed.story.ref },
    sourceEventId: null,
  });
  return JSON.parse((await created).fields.entityId!) as string;
}

describe('plan engines get the context file exec engines get', () => {
  it('a command reads the item, then on a replan the earlier plan and what people said, secrets masked', async () => {
    const out = join(dir, 'contexts.md');
    const spec = await project({
      planApproval: 'required',
      planEngine: {
        kind: 'command',
        command: [
          'bash',
          '-c',
          `{ cat "$TUNDRA_CONTEXT_FILE"; echo "version=$TUNDRA_PROMPT_VERSION"; echo "=====" ; } >> ${out}; echo '{"steps": [{"title": "one", "instructions": "do it"}]}'`,
        ],
      },
    });
    const runId = await startRun(spec.id);
    const first = await planReady(runId);
    const [before] = (await readFile(out, 'utf8')).split('=====');
    expect(before).toContain('# Context for planning');
    expect(before).toContain(`## User story TG-${seed.story.ref}: `);
    expect(before).toContain('version=context-file/1');
    expect(before).not.toContain('## The earlier plan');

    await store.conversation.addRemark(runId, {
      entryId: 'h-1',
      at: '2026-12-05T10:00:00.000Z',
      author: 'ana',
      where: 'the user story',
      kind: 'replan',
      text: `Split it in two; the key is ${secret}`,
      stepRunId: null,
    });
    await store.runs.transitionRun(runId, 'replanned', { actor: { kind: 'taiga_user', name: 'ana' } });
    await queues.enqueue('run.replan', {
      projectId: spec.id,
      correlationId: 'corr-replan',
      protocolRunId: runId,
    });
    await planReady(runId, first.id);
    const [, again] = (await readFile(out, 'utf8')).split('=====');
    expect(again).toContain('## The earlier plan, being replaced\n\n1. one [pending]');
    expect(again).toContain('ana asked for a new plan on the user story');
    expect(again).toContain('Split it in two; the key is ***');
    expect(again).not.toContain(secret);
  });

  it.each([
    { kind: 'claude-code', readOnly: ['--permission-mode', 'plan'] },
    { kind: 'codex', readOnly: ['--sandbox', 'read-only'] },
  ] as const)(
    '$kind plans read-only from the context in its prompt; its answer is the plan',
    async ({ kind, readOnly }) => {
      const spec = await project({ planEngine: { kind, model: 'claude-sonnet-4-5' } });
      const runId = await startRun(spec.id);
      await planReady(runId);
      const steps = await store.runs.listSteps(runId);
      expect(steps.map((s) => [s.title, s.instructions, s.plannedModel ?? null])).toEqual([
        ['Add the form', 'A form with two fields', null],
        ['Add the tests', 'Cover both fields', 'claude-haiku-4-5'],
      ]);
      expect((await store.runs.getRun(runId))?.plan?.engine).toBe(kind);
      const recorded = JSON.parse(await readFile(join(dir, 'agent.json'), 'utf8')) as {
        argv: string[];
        prompt: string;
      };
      const at = recorded.argv.indexOf(readOnly[0]);
      expect(recorded.argv.slice(at, at + 2)).toEqual(readOnly);
      expect(recorded.prompt).toContain(`# Plan Taiga user story TG-${seed.story.ref}`);
      expect(recorded.prompt).toContain('# Context for planning');
      expect(recorded.prompt).toContain(`## User story TG-${seed.story.ref}: `);
      // What planning spent is the run's (and the project's day's), as a step's is: the budgets count it.
      const spent = await store.spend.runTotals(runId);
      expect(spent.steps.plan?.tokensIn).toBeGreaterThan(0);
      expect(spent).toMatchObject({
        tokensIn: spent.steps.plan!.tokensIn,
        costUsd: spent.steps.plan!.costUsd,
      });
    },
  );
});
