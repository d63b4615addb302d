import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QueueName } from '@tundra/core';
import { JobQueues } from '@tundra/core/server';
import { rawMarkupProblems } from '@tundra/taiga-sandbox';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startSystem, type TundraSystem } from './support/system.js';
import { assignToBot, createStory, readItem, storyVersion } from './support/taiga-board.js';

let system: TundraSystem;
// Five apps start as processes: on a busy machine that takes longer than the default hook timeout.
beforeAll(async () => {
  system = await startSystem();
}, 180_000);
afterAll(async () => system?.stop());

type ItemType = 'userstory' | 'task';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function itemVersion(type: ItemType, id: number): Promise<number> {
  if (type === 'userstory') return storyVersion(system.sandbox, id);
  const response = await fetch(`${system.sandbox.url}/api/v1/tasks/${id}`, {
    headers: { Authorization: `Bearer ${await adminToken()}` },
  });
  return ((await response.json()) as { version: number }).version;
}

let token: string | null = null;
async function adminToken(): Promise<string> {
  if (token) return token;
  const login = await fetch(`${system.sandbox.url}/api/v1/auth`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'normal', username: 'admin', password: 'admin123' }),
  });
  token = ((await login.json()) as { auth_token: string }).auth_token;
  return token;
}

/** A person changes an item as they would in Taiga's UI (webhooks and history included). */
async function change(user: string, type: ItemType, id: number, body: Record<string, unknown>) {
  const actor = system.sandbox.actAs(user);
  const version = await itemVersion(type, id);
  if (type === 'task') await actor.patchTask(id, { ...body, version });
  else await actor.patchUserStory(id, { ...body, version });
}

/** The story's tag names, as Taiga shows them (`[name, color]` pairs). */
const tags = async (id: number) =>
  ((await readItem(system.sandbox, 'userstory', id)) as unknown as { tags: [string, unknown][] }).tags.map(
    ([name]) => name,
  );

const comment = (user: string, type: ItemType, id: number, text: string) =>
  change(user, type, id, { comment: text });

/** Waits until the planner answered the run's `command`, and returns the reply as Taiga shows it. */
async function replyTo(runId: string, type: ItemType, id: number, command: string): Promise<string> {
  await system.apps.planner.waitForLine(
    (line) =>
      line.msg === 'answered a comment command' && line.protocolRunId === runId && line.command === command,
  );
  const replies = (await readItem(system.sandbox, type, id)).comments.filter((c) =>
    c.includes('tundra-reply:'),
  );
  // Taiga lists history newest first.
  const text = replies[0];
  if (!text) throw new Error(`no reply on ${type} ${id}`);
  // Every reply must read cleanly in real Taiga: no escaped HTML, lists after a blank line.
  expect(rawMarkupProblems(text)).toEqual([]);
  return text;
}

const feedbackKept = (runId: string, nth: number) => {
  const kept = (line: Record<string, unknown>) =>
    line.msg === 'a comment kept as feedback for the agent' && line.protocolRunId === runId;
  return system.apps.planner.waitForLine(() => system.apps.planner.lines.filter(kept).length >= nth);
};

describe('talking to Tundra from Taiga', () => {
  it('waits for plan approval, answers status and help, starts on go, and acts once on a comment read twice', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('approve', { planApproval: 'required', stateTags: true });
    const story = await createStory(system.sandbox, seed.project.id, 'Approve my plan', ['write it']);
    await change('admin', 'userstory', story.id, { tags: ['frontend'] });
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('approve', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.plan_ready');
    await system.waitForWriteBack(runId);
    expect((await system.store.runs.getRun(runId))?.status).toBe('planned');
    const plan = (await readItem(system.sandbox, 'userstory', story.id)).comments.find((c) =>
      c.includes('planned this'),
    );
    expect(plan).toContain('comment `/tundra go` to start');
    expect(await tags(story.id)).toEqual(['frontend', 'tundra:needs-human']);

    await comment('admin', 'userstory', story.id, '/tundra status');
    const status = await replyTo(runId, 'userstory', story.id, 'status');
    expect(status).toContain('The run is **planned**');
    expect(status).toContain('1. write it: **pending**');
    expect(status).toContain('`/tundra go`');
    expect((await system.store.runs.getRun(runId))?.status).toBe('planned');

    await comment('admin', 'userstory', story.id, '@taiga-bot HELP');
    expect(await replyTo(runId, 'userstory', story.id, 'help')).toContain('`/tundra retry [text]`');

    await comment('admin', 'userstory', story.id, '/tundra go');
    await system.waitForRunEvent(runId, 'protocol_run.run_started');
    expect(await replyTo(runId, 'userstory', story.id, 'go')).toContain('Plan approved: starting the run.');
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    await system.waitForWriteBack(runId);
    expect(await tags(story.id)).toEqual(['frontend', 'tundra:done']);

    // The same comments read again, as after a lost cursor or a reconciler pass: nothing acts or answers twice.
    await system.redis.client.del(system.store.keys.itemHistoryCursor('approve', `userstory:${story.id}`));
    const queues = new JobQueues(system.redis.client, system.redis.prefix);
    await queues.enqueue(
      'taiga.item_changed',
      {
        projectId: 'approve',
        correlationId: 'e2e-reread',
        sourceEventId: 'e2e-reread',
        taigaItem: { type: 'userstory', id: story.id, ref: story.ref },
        byUserId: 0,
        statusFrom: null,
        statusTo: null,
        commented: true,
      },
      { jobId: 'e2e-reread' },
    );
    await system.waitForJob(QueueName.Control, 'e2e-reread');
    const events = await system.store.events.readRun(runId, { count: 1000 });
    expect(events.filter((e) => e.type === 'protocol_run.run_started')).toHaveLength(1);
    const comments = (await readItem(system.sandbox, 'userstory', story.id)).comments;
    expect(comments.filter((c) => c.includes('tundra-reply:'))).toHaveLength(3);
    // Every comment Tundra wrote on the story (plan, replies, the end) reads cleanly in real Taiga.
    const tundras = comments.filter((c) => c.includes('tundra-event:') || c.includes('tundra-reply:'));
    expect(tundras.length).toBeGreaterThanOrEqual(5);
    for (const text of tundras) expect(rawMarkupProblems(text)).toEqual([]);

    // A command on the story of a run that has ended is answered too, never dropped; a plain comment there is no
    // feedback (no agent will read it).
    await comment('admin', 'userstory', story.id, 'Shipped, thanks!');
    await comment('admin', 'userstory', story.id, '/tundra retry');
    const ended = await replyTo(runId, 'userstory', story.id, 'retry');
    expect(ended).toContain('nothing to retry: the run is completed');
    expect(ended).toContain('Commands you can use now: `/tundra status`, `/tundra help`.');
    expect(await system.store.conversation.contextRemarks(runId, null)).toEqual([]);
  });

  it('keeps a plan waiting through a reconciler pass, and starts it when a person moves the story to running', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    // `planned` gets a status of its own ('ready'), so that moving the story to running's ('in-progress') says go.
    const { seed } = await system.addProject('board-go', {
      planApproval: 'required',
      statusMapping: { preset: 'taiga-default', userStory: { planned: 'ready' } },
    });
    const story = await createStory(system.sandbox, seed.project.id, 'Approve on the board', ['do it']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('board-go', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.plan_ready');
    await system.waitForWriteBack(runId);
    expect((await readItem(system.sandbox, 'userstory', story.id)).status_extra_info.name).toBe('Ready');

    // The reconciler's pass (as on its interval) leaves the waiting run waiting, and starts nothing.
    const queues = new JobQueues(system.redis.client, system.redis.prefix);
    await queues.enqueue('reconcile', { projectId: 'board-go' }, { jobId: 'e2e-board-go-reconcile' });
    await system.waitForJob(QueueName.Reconcile, 'e2e-board-go-reconcile');
    await queues.close();
    expect((await system.store.runs.getRun(runId))?.status).toBe('planned');

    const inProgress = seed.statuses.userStory.find((status) => status.slug === 'in-progress')!;
    await change('admin', 'userstory', story.id, { status: inProgress.id });
    await system.waitForRunEvent(runId, 'protocol_run.run_started');
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    const events = await system.store.events.readRun(runId, { count: 1000 });
    const started = events.find((event) => event.type === 'protocol_run.run_started')!;
    expect(started.actor).toMatchObject({ kind: 'taiga_user' });
  });

  it('refuses a non-member and a member whose role may not modify; keeps comments as feedback; reject and approve decide the step', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    // A public project: there, as in Taiga, a logged-in non-member may comment.
    const { seed } = await system.addProject(
      'review',
      { qaPolicy: { kind: 'manual' } },
      { publicPermissions: ['view_us', 'comment_us', 'view_tasks', 'comment_task'] },
    );
    system.sandbox.addUser({ username: 'sam', password: 'sam12345' });
    system.sandbox.addMember({ project: seed.project.id, username: 'sam', role: 'stakeholder' });
    system.sandbox.addUser({ username: 'nora', password: 'nora1234' });
    const story = await createStory(system.sandbox, seed.project.id, 'Review me', ['needs review']);
    const [task] = story.tasks;
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('review', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.plan_ready');
    const [step] = await system.store.runs.listSteps(runId);
    await system.waitForRunEvent(runId, 'step_run.execution_finished', step!.id);

    await comment('sam', 'userstory', story.id, '/tundra cancel');
    expect(await replyTo(runId, 'userstory', story.id, 'cancel')).toContain(
      'only project members whose role may modify this user story',
    );
    expect((await system.store.runs.getRun(runId))?.status).toBe('running');
    await comment('nora', 'task', task!.id, '/tundra retry');
    expect(await replyTo(runId, 'task', task!.id, 'retry')).toContain(
      'only project members whose role may modify this task',
    );
    expect((await system.store.runs.getStep(runId, step!.id))?.status).toBe('needs_qa');

    await comment('admin', 'task', task!.id, 'Please keep the old API working.');
    await feedbackKept(runId, 1);
    await comment('admin', 'task', task!.id, '/tundra reject the old API broke');
    await system.waitForRunEvent(runId, 'step_run.qa_failed', step!.id);
    expect(await replyTo(runId, 'task', task!.id, 'reject')).toContain('Rejected step 1/1');
    // The planner retries the rejected step: its next attempt runs and waits for review again.
    const retried = await system.waitForRunEvent(runId, 'step_run.retried', step!.id);
    await system.waitForRunEvent(runId, 'step_run.execution_finished', step!.id, retried);

    const remarks = await system.store.conversation.contextRemarks(runId, step!.id);
    expect(remarks.map((r) => [r.kind, r.text])).toEqual([
      ['comment', 'Please keep the old API working.'],
      ['reject', 'the old API broke'],
    ]);
    // The attempt after the rejection got both in its context file (the engine kept a copy of it).
    const context = readFileSync(join(system.engineState, `${step!.id}.context-2.md`), 'utf8');
    expect(context).toContain('Please keep the old API working.');
    expect(context).toContain('rejected the step on the task of step 1');
    expect(readFileSync(join(system.engineState, `${step!.id}.context-1.md`), 'utf8')).not.toContain(
      'Please keep the old API working.',
    );

    await comment('admin', 'task', task!.id, '/tundra approve');
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    expect(await replyTo(runId, 'task', task!.id, 'approve')).toContain('Approved step 1/1');
  });

  it("replan, go, pause, resume and cancel act from comments on the run's story", async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('steer', {
      planApproval: 'required',
      qaPolicy: { kind: 'command', command: ['true'] },
    });
    const story = await createStory(system.sandbox, seed.project.id, 'Steer me', ['[slow] long step']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('steer', story.id);
    const planned = await system.waitForRunEvent(runId, 'protocol_run.plan_ready');

    await comment('admin', 'userstory', story.id, '/tundra replan keep it to one step');
    const replanned = await system.waitForRunEvent(runId, 'protocol_run.replanned', undefined, planned);
    await system.waitForRunEvent(runId, 'protocol_run.plan_ready', undefined, replanned);
    expect(await replyTo(runId, 'userstory', story.id, 'replan')).toContain('Planning again.');
    expect(await system.store.conversation.contextRemarks(runId, null)).toMatchObject([
      { kind: 'replan', text: 'keep it to one step' },
    ]);
    expect((await system.store.runs.getRun(runId))?.status).toBe('planned');

    await comment('admin', 'userstory', story.id, '/tundra go');
    await system.waitForRunEvent(runId, 'protocol_run.run_started');
    const [step] = await system.store.runs.listSteps(runId);
    await system.waitForStepLog(runId, step!.id, 'engine: working slowly');
    await comment('admin', 'userstory', story.id, '/tundra pause');
    const paused = await system.waitForRunEvent(runId, 'protocol_run.paused');
    expect(await replyTo(runId, 'userstory', story.id, 'pause')).toContain('Paused the run.');
    await comment('admin', 'userstory', story.id, '/tundra resume');
    await system.waitForRunEvent(runId, 'protocol_run.resumed', undefined, paused);
    expect(await replyTo(runId, 'userstory', story.id, 'resume')).toContain('Resumed the run.');
    await comment('admin', 'userstory', story.id, '/tundra cancel not needed any more');
    await system.waitForRunEvent(runId, 'protocol_run.cancelled');
    expect(await replyTo(runId, 'userstory', story.id, 'cancel')).toContain('Cancelled the run.');
    const events = await system.store.events.readRun(runId, { count: 1000 });
    expect(events.find((e) => e.type === 'protocol_run.cancelled')?.actor).toEqual({
      kind: 'taiga_user',
      name: 'admin',
    });
  });

  it('clearing the blocked flag retries the blocked step, and retry with text does too', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('unblock', { qaPolicy: { kind: 'command', command: ['true'] } });
    const story = await createStory(system.sandbox, seed.project.id, 'Stuck', ['[always-fail] stuck step']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('unblock', story.id);
    const blocked = await system.waitForRunEvent(runId, 'protocol_run.blocked');
    await system.waitForWriteBack(runId);
    expect((await readItem(system.sandbox, 'userstory', story.id)).is_blocked).toBe(true);

    await change('admin', 'userstory', story.id, { is_blocked: false, blocked_note: '' });
    const resumed = await system.waitForRunEvent(runId, 'protocol_run.resumed', undefined, blocked);
    const blockedAgain = await system.waitForRunEvent(runId, 'protocol_run.blocked', undefined, resumed);

    await comment('admin', 'userstory', story.id, '/tundra retry try the other way');
    await system.waitForRunEvent(runId, 'protocol_run.resumed', undefined, blockedAgain);
    expect(await replyTo(runId, 'userstory', story.id, 'retry')).toContain('Retrying step 1/1');
    const remarks = await system.store.conversation.contextRemarks(runId, null);
    expect(remarks).toMatchObject([{ kind: 'retry', text: 'try the other way' }]);
  });

  it('unassigning the bot pauses the run, assigning it again resumes it', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('assign', { qaPolicy: { kind: 'command', command: ['true'] } });
    const story = await createStory(system.sandbox, seed.project.id, 'Hold on', ['[slow-once] long step']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('assign', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.plan_ready');
    const [step] = await system.store.runs.listSteps(runId);
    await system.waitForStepLog(runId, step!.id, 'engine: working slowly');

    await change('admin', 'userstory', story.id, { assigned_to: null });
    await system.waitForRunEvent(runId, 'protocol_run.paused');
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    await system.waitForRunEvent(runId, 'protocol_run.resumed');
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
  });

  it("deleting a step's task cancels that step and the run goes on; deleting the story stops its engine", async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await system.addProject('delete', { qaPolicy: { kind: 'command', command: ['true'] } });
    const story = await createStory(system.sandbox, seed.project.id, 'Delete parts', [
      '[slow] doomed step',
      'second step',
    ]);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory('delete', story.id);
    await system.waitForRunEvent(runId, 'protocol_run.run_started');
    const [first] = await system.store.runs.listSteps(runId);
    await system.waitForStepLog(runId, first!.id, 'engine: working slowly');
    await system.sandbox.actAs('admin').deleteTask(story.tasks[0]!.id);
    await system.waitForRunEvent(runId, 'step_run.cancelled', first!.id);
    await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
    await system.waitForWriteBack(runId);
    const storyNow = await readItem(system.sandbox, 'userstory', story.id);
    expect(storyNow.comments.some((c) => c.includes('was cancelled: its task was deleted in Taiga'))).toBe(
      true,
    );

    const other = await createStory(system.sandbox, seed.project.id, 'Delete all', ['[slow] endless step']);
    await assignToBot(system.sandbox, other.id, seed.users.bot.id);
    const otherRun = await system.runForStory('delete', other.id);
    await system.waitForRunEvent(otherRun, 'protocol_run.run_started');
    const [step] = await system.store.runs.listSteps(otherRun);
    await system.waitForStepLog(otherRun, step!.id, 'engine: working slowly');
    const enginePid = Number(readFileSync(join(system.engineState, `${step!.id}.pid`), 'utf8'));
    await system.sandbox.actAs('admin').deleteUserStory(other.id);
    await system.waitForRunEvent(otherRun, 'protocol_run.cancelled');
    await system.waitForJob(QueueName.Execute, `exec-${step!.id}-1`);
    expect(alive(enginePid)).toBe(false);
    await system.waitForRunEvent(otherRun, 'step_run.cancelled', step!.id);
    await system.waitForWriteBack(otherRun);
    const sync = new Queue(QueueName.WriteBack, {
      connection: system.redis.client,
      prefix: system.redis.queuePrefix,
    });
    expect(await sync.getJobCounts('failed', 'delayed', 'waiting')).toMatchObject({
      failed: 0,
      delayed: 0,
      waiting: 0,
    });
    await sync.close();
  });
});
