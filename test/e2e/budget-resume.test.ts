import { fakeCliEnv } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startSystem, type TundraSystem } from './support/system.js';
import { assignToBot, createStory, readItem } from './support/taiga-board.js';

let system: TundraSystem;
beforeAll(async () => {
  // The executor runs Claude Code's fake, which streams 20 model turns of about $0.066 each (priced from the table
  // while it runs), then makes its change.
  const fake = fakeCliEnv({ mode: 'overspend', turns: 20, turnDelayMs: 20 }, { PATH: process.env.PATH });
  system = await startSystem({
    PATH: fake.PATH!,
    FAKE_CLI_MODE: fake.FAKE_CLI_MODE!,
    FAKE_CLI_TURNS: fake.FAKE_CLI_TURNS!,
    FAKE_CLI_TURN_DELAY_MS: fake.FAKE_CLI_TURN_DELAY_MS!,
    TUNDRA_ENGINE_PRICES: JSON.stringify({ 'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15 } }),
  });
});
afterAll(async () => system?.stop());

describe('a budget, enforced', () => {
  it('stops the engine past the run budget, blocks the run with the reason on Taiga, and resumes once raised', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed, project } = await system.addProject('budget', {
      execEngine: { kind: 'claude-code', model: 'claude-sonnet-4-5' },
      qaPolicy: { kind: 'command', command: ['true'] },
      budgets: { maxCostUsdPerRun: 0.5 },
    });
    const story = await createStory(system.sandbox, seed.project.id, 'Costly work', ['costly step']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('budget', story.id);

    // The first attempt is stopped once its streamed cost passes $0.50; the retry is refused before it starts.
    const blockedAt = await system.waitForRunEvent(runId, 'protocol_run.blocked');
    const [step] = await system.store.runs.listSteps(runId);
    const failed = (await system.store.events.readRun(runId, { count: 1000 })).find(
      (e) => e.type === 'step_run.execution_failed',
    );
    expect(failed?.payload).toMatchObject({ outcome: 'budget_exceeded', model: 'claude-sonnet-4-5' });
    expect(failed?.payload.costUsd).toBeGreaterThan(0.5);
    expect(failed?.payload.costUsd).toBeLessThan(1);
    const blocked = await system.store.runs.getRun(runId);
    expect(blocked?.reason).toMatch(
      /^budget reached: \$0\.\d\d of \$0\.50 for this run; resume the run .* after raising `budgets\.maxCostUsdPerRun`, or cancel$/,
    );
    expect(step).toMatchObject({ attempts: 1, status: 'pending' });
    await system.waitForWriteBack(runId);
    const storyNow = await readItem(system.sandbox, 'userstory', story.id);
    expect(storyNow.comments.some((c) => c.includes('Tundra is blocked: budget reached'))).toBe(true);

    // An operator raises the limit (PATCH /projects/budget: the API saves the project) and resumes the run.
    const saved = await system.store.projects.get(project.id);
    await system.store.projects.put({ ...saved!, budgets: { maxCostUsdPerRun: 5 } }, saved!.version);
    await system.commands.transitionRun(runId, 'resumed', {
      actor: { kind: 'operator', name: 'e2e' },
      idempotencyKey: `e2e-resume:${runId}`,
    });
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed', undefined, blockedAt);
    const [done] = await system.store.runs.listSteps(runId);
    expect(done).toMatchObject({ status: 'completed', attempts: 2, model: 'claude-sonnet-4-5' });
    // Both attempts' spending, on the step and in the ledger alike.
    expect(done?.spend?.costUsd).toBeGreaterThan(0.5 + 1);
    const ledger = await system.redis.client.hget(system.store.keys.runSpend(runId), 'cost');
    expect(Number(ledger) / 1e6).toBeCloseTo(done!.spend!.costUsd, 6);
    await system.waitForWriteBack(runId);
    const finalComments = (await readItem(system.sandbox, 'userstory', story.id)).comments;
    expect(finalComments.some((c) => c.includes('🎉 Done') && /Spent \$\d+\.\d\d \(/.test(c))).toBe(true);
  });
});
