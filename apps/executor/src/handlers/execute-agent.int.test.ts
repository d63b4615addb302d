import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnginePreset, PriceTable } from '@tundra/core';
import { type FakeCliBehaviour, fakeCliEnv, runGit } from '@tundra/testkit';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createExecutorHarness,
  type ExecutorHarness,
  executeStep,
  executorHandler,
  registerProject,
  runningRun,
} from '../../test/executor-harness.js';

let h: ExecutorHarness;
beforeAll(async () => {
  h = await createExecutorHarness();
});
afterAll(async () => h.close());

const prices: PriceTable = {
  'claude-sonnet-4-5': {
    inputPerMTok: 3,
    outputPerMTok: 15,
    cachedInputPerMTok: 0.3,
    cacheWritePerMTok: 3.75,
  },
  'gpt-5-codex': { inputPerMTok: 1.25, outputPerMTok: 10, cachedInputPerMTok: 0.125 },
};
const secret = 'sk-live-0123456789';

const tools = [
  {
    name: 'claude-code',
    preset: { kind: 'claude-code', model: 'claude-sonnet-4-5', allowedTools: ['Edit'] },
    argv0: '-p',
    summary: 'Changed fake-claude.txt as asked.',
    file: 'fake-claude.txt',
    overspend: { turns: 1000, turnDelayMs: 20 },
  },
  {
    name: 'codex',
    preset: { kind: 'codex', model: 'gpt-5-codex' },
    argv0: 'exec',
    summary: 'Changed fake-codex.txt as asked.',
    file: 'fake-codex.txt',
    // Codex reports its usage when the turn ends: the run is over the limit by then, never stopped mid-way.
    overspend: { turns: 5, turnDelayMs: 1 },
  },
  {
    name: 'aider',
    preset: { kind: 'aider', model: 'anthropic/claude-sonnet-4-5' },
    argv0: '--message-file',
    summary: 'aider edited fake-aider.txt',
    file: 'fake-aider.txt',
    overspend: { turns: 1000, turnDelayMs: 20 },
  },
] as const satisfies readonly {
  name: string;
  preset: EnginePreset;
  argv0: string;
  summary: string;
  file: string;
  overspend: FakeCliBehaviour;
}[];

let projects = 0;
async function setUp(preset: EnginePreset, spec: Record<string, unknown> = {}, count = 1) {
  const project = await registerProject(h, { id: `agent-${++projects}`, execEngine: preset, ...spec });
  const { run, steps } = await runningRun(h, project.id, count);
  return { project, run, step: steps[0]! };
}

function handlerFor(behaviour: FakeCliBehaviour, registry = new Registry()) {
  const env = fakeCliEnv(behaviour, { PATH: process.env.PATH, HOME: h.dir, FAKE_KEY: secret });
  return executorHandler(h, env, { prices }, registry);
}

const stepEvents = async (runId: string, stepId: string) =>
  (await h.store.events.readRun(runId)).filter((e) => e.entityId === stepId);

describe.each(tools)('an exec engine preset: $name with its fake CLI', (tool) => {
  it('builds the argv, passes the context file and records summary, tokens, cost, model and prompt version', async () => {
    const { run, step } = await setUp(tool.preset);
    const recordTo = join(h.dir, `received-${tool.name}.json`);
    const registry = new Registry();
    const result = await executeStep(h, handlerFor({ recordTo }, registry), step);
    expect(result.outcome).toBe('needs_qa');

    const received = JSON.parse(readFileSync(recordTo, 'utf8')) as { argv: string[]; prompt: string };
    expect(received.argv[0]).toBe(tool.argv0);
    expect(received.argv).toContain(tool.preset.model);
    expect(received.prompt).toContain('# Context for step 1: Step 1 (attempt 1)');

    const after = await h.store.runs.getStep(run.id, step.id);
    expect(after).toMatchObject({ status: 'needs_qa', promptVersion: 'context-file/1' });
    expect(after?.resultSummary).toContain(tool.summary);
    const finished = (await stepEvents(run.id, step.id)).find(
      (e) => e.type === 'step_run.execution_finished',
    );
    const { costUsd, tokensIn, tokensOut, model } = finished!.payload as Record<string, number | string>;
    expect(tokensIn).toBeGreaterThan(0);
    expect(tokensOut).toBeGreaterThan(0);
    expect(costUsd).toBeGreaterThan(0);
    expect(model).toMatch(/claude-sonnet-4-5|gpt-5-codex/);
    expect(after?.spend).toEqual({ costUsd, tokensIn, tokensOut });
    expect(
      runGit(join(h.dir, 'workspaces', run.projectId, 'runs', run.id), 'show', '--stat', 'HEAD'),
    ).toContain(tool.file);
    if (tool.name === 'aider') {
      // aider's own files are ignored by the worktree's exclude file, so it leaves the team's .gitignore alone.
      const worktree = join(h.dir, 'workspaces', run.projectId, 'runs', run.id);
      expect(runGit(worktree, 'check-ignore', '.aider.tags.cache.v4')).toBe('.aider.tags.cache.v4');
    }
    const cost = (await registry.getSingleMetricAsString('tundra_engine_cost_usd_total')).split('\n');
    expect(cost.find((line) => line.includes(`project="${run.projectId}"`))).toContain(`model="${model}"`);
  });

  it('stops an engine that prints nothing for limits.stallSeconds: the step fails as stalled', async () => {
    const { run, step } = await setUp(tool.preset, {
      limits: { concurrentRuns: 1, stepTimeoutSeconds: 60, maxAttempts: 3, stallSeconds: 1 },
    });
    const result = await executeStep(h, handlerFor({ mode: 'stall', stallSeconds: 3600 }), step);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/^stalled: the engine printed nothing for \d+ s/);
    const failed = (await stepEvents(run.id, step.id)).find((e) => e.type === 'step_run.execution_failed');
    expect(failed?.payload).toMatchObject({ outcome: 'stalled' });
  });

  it('stops an engine that passes its step budget; the next attempt blocks the run before it starts', async () => {
    const { run, step } = await setUp(tool.preset, { budgets: { maxCostUsdPerStep: 0.1 } });
    const handler = handlerFor({ mode: 'overspend', ...tool.overspend });
    const result = await executeStep(h, handler, step);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(
      /^budget_exceeded: \$\d+\.\d\d of \$0\.10 for this step; the engine was stopped$/,
    );
    const failed = (await stepEvents(run.id, step.id)).find((e) => e.type === 'step_run.execution_failed');
    expect(failed?.payload).toMatchObject({ outcome: 'budget_exceeded' });
    expect(failed?.payload.costUsd).toBeGreaterThan(0.1);

    // What the planner does after a failure: the step goes back to pending, and is executed again.
    await h.commands.transitionStep(run.id, step.id, 'retried', { actor: { kind: 'system', name: 'test' } });
    const again = await executeStep(h, handler, step);
    expect(again.outcome).toBe('blocked');
    const blocked = await h.store.runs.getRun(run.id);
    expect(blocked?.status).toBe('blocked');
    expect(blocked?.reason).toMatch(
      /^budget reached: \$\d+\.\d\d of \$0\.10 for this step; resume the run .* after raising `budgets\.maxCostUsdPerStep`, or cancel$/,
    );
    expect((await h.store.runs.getStep(run.id, step.id))?.attempts).toBe(1);
  });
});

describe('guardrails around any preset', () => {
  it('masks the values of secretEnv in the step log, the summary and the events', async () => {
    const { run, step } = await setUp(tools[0].preset, { secretEnv: ['FAKE_KEY'] });
    const result = await executeStep(h, handlerFor({ printEnv: 'FAKE_KEY' }), step);
    expect(result.outcome).toBe('needs_qa');
    const log = await h.redis.client.xrange(h.store.keys.stepLog(run.id, step.id), '-', '+');
    const lines = log.map(([, fields]) => fields[fields.indexOf('line') + 1] ?? '');
    expect(lines.some((line) => line.includes('***'))).toBe(true);
    const everything = JSON.stringify({
      lines,
      step: await h.store.runs.getStep(run.id, step.id),
      events: await h.store.events.readRun(run.id),
    });
    expect(everything).not.toContain(secret);
  });

  it('refuses a model tag outside the allow-list before the step starts, with the reason on the run', async () => {
    const { run, step } = await setUp(tools[0].preset, { models: { allowed: ['claude-opus-4-1'] } });
    await h.redis.client.hset(h.store.keys.step(run.id, step.id), 'modelTag', JSON.stringify('gpt-9'));
    const result = await executeStep(h, handlerFor({}), step);
    expect(result.outcome).toBe('blocked');
    const blocked = await h.store.runs.getRun(run.id);
    expect(blocked?.reason).toMatch(
      /^model refused: "gpt-9" \(from the task's tag\) is not on the project's allow-list/,
    );
    expect((await h.store.runs.getStep(run.id, step.id))?.attempts).toBe(0);
  });

  it('runs the attempt with the story tag’s model when it is allowed', async () => {
    const { run, step } = await setUp(tools[0].preset, { models: { allowed: ['claude-opus-4-1'] } });
    await h.redis.client.hset(h.store.keys.run(run.id), 'modelTag', JSON.stringify('claude-opus-4-1'));
    const recordTo = join(h.dir, 'received-tagged.json');
    expect((await executeStep(h, handlerFor({ recordTo }), step)).outcome).toBe('needs_qa');
    expect((JSON.parse(readFileSync(recordTo, 'utf8')) as { argv: string[] }).argv).toContain(
      'claude-opus-4-1',
    );
  });
});
