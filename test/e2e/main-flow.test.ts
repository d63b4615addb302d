import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { QueueName } from '@tundra/core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startSystem, type TundraSystem } from './support/system.js';
import { assignToBot, createStory, readItem } from './support/taiga-board.js';

let system: TundraSystem;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(async () => system?.stop());

describe('a Taiga story goes from "assigned to the bot" to "done"', () => {
  it('plans three tasks into three steps, executes and checks each, and reports back to Taiga', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('main');
    const story = await createStory(system.sandbox, seed.project.id, 'Add a login page', [
      'Add the form',
      'Wire the API',
      'Add tests',
    ]);
    const completed = system.waitForEvent('main', 'protocol_run.steps_completed');
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const { entityId: runId } = await completed;

    const run = await system.store.runs.getRun(runId);
    expect(run).toMatchObject({ status: 'completed', taigaItem: { type: 'userstory', id: story.id } });
    const steps = await system.store.runs.listSteps(runId);
    expect(steps.map((s) => [s.title, s.status, s.attempts, s.taigaTaskId])).toEqual([
      ['Add the form', 'completed', 1, story.tasks[0]!.id],
      ['Wire the API', 'completed', 1, story.tasks[1]!.id],
      ['Add tests', 'completed', 1, story.tasks[2]!.id],
    ]);

    // Each step committed once on the run's branch, which was pushed to the remote.
    const log = execFileSync('git', ['log', '--format=%s', `${run!.branch}`], {
      cwd: system.origin,
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    expect(log.slice(0, 3)).toEqual([
      `TG-${story.ref}: Add tests`,
      `TG-${story.ref}: Wire the API`,
      `TG-${story.ref}: Add the form`,
    ]);

    // The run's stream tells the whole story, in order.
    const events = (await system.store.events.readRun(runId, { count: 1000 })).map((e) => e.type);
    expect(events.slice(0, 5)).toEqual([
      'protocol_run.created',
      'protocol_run.plan_started',
      'protocol_run.plan_stored',
      'protocol_run.plan_ready',
      'protocol_run.run_started',
    ]);
    for (const step of steps) {
      const own = (await system.store.events.readRun(runId, { count: 1000 }))
        .filter((e) => e.entityId === step.id)
        .map((e) => e.type);
      expect(own).toEqual(['step_run.step_started', 'step_run.execution_finished', 'step_run.qa_passed']);
    }
    expect(events.at(-1)).toBe('protocol_run.steps_completed');

    // The run has ended: its worktree is removed (the branch stays on the remote, checked above).
    const ended = (await system.store.events.readRun(runId, { count: 1000 })).at(-1)!;
    await system.waitForJob(QueueName.Execute, `cleanup-${runId}-${ended.id}`);
    expect(existsSync(join(system.env.TUNDRA_WORKSPACES_DIR!, 'main', 'runs', runId))).toBe(false);

    // Taiga shows the work: the story done, each task closed, and the comments people care about. The write-back
    // is asynchronous: wait for the sync job of the last transition through the run's write-back cursor.
    await system.waitForWriteBack(runId);
    const storyNow = await readItem(system.sandbox, 'userstory', story.id);
    expect(storyNow.status_extra_info.name).toBe('Done');
    expect(storyNow.comments.some((c) => c.includes('planned this in 3 steps'))).toBe(true);
    expect(storyNow.comments.some((c) => c.includes('Done: 3 steps completed'))).toBe(true);
    for (const task of story.tasks) {
      const taskNow = await readItem(system.sandbox, 'task', task.id);
      expect(taskNow.status_extra_info.name).toBe('Closed');
      expect(taskNow.comments.some((c) => c.includes('is done'))).toBe(true);
    }
  });
});

describe('CI decides QA', () => {
  async function reportCi(status: 'success' | 'failure', branch: string, sha: string, delivery: string) {
    const response = await fetch(`${system.ingesterUrl}/webhooks/ci`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${system.env.TUNDRA_CI_TOKEN}`,
        'X-Tundra-Delivery': delivery,
      },
      body: JSON.stringify({
        status,
        repository: system.origin,
        branch,
        sha,
        project: 'ci',
        job: 'test',
        provider: 'e2e',
      }),
    });
    expect(response.status).toBe(202);
  }

  it('blocks the run on a CI failure and goes on when CI passes for the same commit', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('ci', { qaPolicy: { kind: 'ci' } });
    const story = await createStory(system.sandbox, seed.project.id, 'Needs CI', [
      'Change under CI',
      'Follow-up',
    ]);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('ci', story.id);
    const [first, second] = await (async () => {
      await system.waitForRunEvent(runId, 'protocol_run.run_started');
      return system.store.runs.listSteps(runId);
    })();
    await system.waitForRunEvent(runId, 'step_run.execution_finished', first!.id);
    const executed = await system.store.runs.getStep(runId, first!.id);
    const run = await system.store.runs.getRun(runId);
    expect(executed?.status).toBe('needs_qa');

    await reportCi('failure', run!.branch!, executed!.commitSha!, 'ci-1');
    await system.waitForRunEvent(runId, 'protocol_run.blocked');
    expect((await system.store.runs.getStep(runId, first!.id))?.status).toBe('blocked');
    await system.waitForWriteBack(runId);
    expect((await readItem(system.sandbox, 'userstory', story.id)).is_blocked).toBe(true);

    await reportCi('success', run!.branch!, executed!.commitSha!, 'ci-2');
    await system.waitForRunEvent(runId, 'protocol_run.resumed');
    await system.waitForRunEvent(runId, 'step_run.execution_finished', second!.id);
    const secondDone = await system.store.runs.getStep(runId, second!.id);
    await reportCi('success', run!.branch!, secondDone!.commitSha!, 'ci-3');
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    await system.waitForWriteBack(runId);
    const storyNow = await readItem(system.sandbox, 'userstory', story.id);
    expect(storyNow.is_blocked).toBe(false);
    expect(storyNow.status_extra_info.name).toBe('Done');
  });
});
