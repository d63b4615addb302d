import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QueueName } from '@tundra/core';
import type { DeliveryRecord } from '@tundra/taiga-sandbox';
import { createGitRemote } from '@tundra/testkit';
import type { Job } from 'bullmq';
import { createStory, readItem, runForStory, waitForRuns, waitForStateLine } from '../support/flow.js';
import type { ScenarioReport } from '../support/report.js';
import { type ChaosSystem, secrets, startSystem } from '../support/system.js';
import type { ScenarioOptions } from './scenario.js';

/** Nobody listens there: the sandbox's own delivery fails, and the suite forwards the recorded one as it likes. */
const heldWebhooks = 'http://127.0.0.1:9/held';

/**
 * Duplicate and reordered deliveries: the same delivery 20 times at once, a status change delivered before the
 * assignment it follows, the same story assigned twice within 100 ms, a CI result delivered before its step's
 * push is done. Runs, jobs and comments are counted: one of each where one is due.
 */
export async function deliveries(report: ScenarioReport, options: ScenarioOptions): Promise<void> {
  const system = await startSystem({ env: { CHAOS_STEP_SECONDS: '1' } });
  try {
    await sameDeliveryTwenty(system, report);
    if (options.short) return;
    await statusBeforeAssignment(system, report);
    await assignedTwice(system, report);
    await ciBeforePush(system, report);
  } finally {
    await system.stop();
  }
}

/** Sends a recorded Taiga delivery to the ingester as Taiga sent it (same bytes, same signature). */
async function forward(system: ChaosSystem, projectId: string, delivery: DeliveryRecord) {
  const response = await fetch(`${system.apps.ingester.url}/webhooks/taiga/${projectId}`, {
    method: 'POST',
    headers: { ...delivery.headers },
    body: delivery.rawBody,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The sandbox's deliveries for one story (or its tasks), from `since` on, oldest first. */
function deliveriesOf(system: ChaosSystem, storyId: number, since: number): DeliveryRecord[] {
  return system.sandbox
    .webhookDeliveries()
    .slice(since)
    .filter((delivery) => (JSON.parse(delivery.rawBody) as { data: { id: number } }).data.id === storyId);
}

async function assignBot(
  system: ChaosSystem,
  storyId: number,
  seedBot: number,
  extra: Record<string, unknown> = {},
) {
  const admin = system.sandbox.actAs('admin');
  const version = ((await readStory(system, storyId)) as { version: number }).version;
  await admin.patchUserStory(storyId, { assigned_to: seedBot, version, ...extra });
}

async function readStory(system: ChaosSystem, storyId: number): Promise<Record<string, unknown>> {
  const login = await fetch(`${system.sandbox.url}/api/v1/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'normal', username: 'admin', password: 'admin123' }),
  });
  const { auth_token } = (await login.json()) as { auth_token: string };
  const story = await fetch(`${system.sandbox.url}/api/v1/userstories/${storyId}`, {
    headers: { authorization: `Bearer ${auth_token}` },
  });
  return (await story.json()) as Record<string, unknown>;
}

/** Runs, run.start jobs and comments for one story, once everything it started has settled. */
async function counts(
  system: ChaosSystem,
  projectId: string,
  story: { id: number; tasks: { id: number }[] },
) {
  const runIds = await system.client.zrange(
    system.store.keys.itemRuns(projectId, `userstory:${story.id}`),
    0,
    -1,
  );
  await waitForRuns(system, projectId, runIds, ['protocol_run.steps_completed'], 120_000);
  await Promise.all(runIds.map((runId) => system.waitForWriteBack(runId)));
  const jobs = await system.queues
    .queue(QueueName.Plan)
    .getJobs(['completed', 'failed', 'waiting', 'active', 'delayed']);
  const starts = jobs.filter(
    (job) =>
      job.name === 'run.start' && (job.data as { taigaItem: { id: number } }).taigaItem.id === story.id,
  );
  let twice = 0;
  let comments = 0;
  for (const item of [
    { type: 'userstory' as const, id: story.id },
    ...story.tasks.map((task) => ({ type: 'task' as const, id: task.id })),
  ]) {
    const texts = (await readItem(system.sandbox, item.type, item.id)).comments;
    comments += texts.length;
    twice += texts.length - new Set(texts).size;
  }
  const runs = await Promise.all(runIds.map((runId) => system.store.runs.getRun(runId)));
  return {
    runs: runIds.length,
    completed: runs.filter((run) => run?.status === 'completed').length,
    starts: starts.length,
    comments,
    twice,
  };
}

type Counts = Awaited<ReturnType<typeof counts>>;
const describe = (c: Counts) =>
  `${c.runs} run (${c.completed} completed), ${c.starts} run.start job(s), ${c.comments} comments, ${c.twice} twice`;

async function sameDeliveryTwenty(system: ChaosSystem, report: ScenarioReport): Promise<void> {
  const { seed, project } = await system.addProject('twenty', {}, { webhookUrl: heldWebhooks });
  const story = await createStory(system.sandbox, seed.project.id, 'Delivered twenty times', ['only step']);
  const since = system.sandbox.webhookDeliveries().length;
  await assignBot(system, story.id, seed.users.bot.id);
  const [assignment] = deliveriesOf(system, story.id, since);
  const answers = await Promise.all(
    Array.from({ length: 20 }, () => forward(system, project.id, assignment!)),
  );
  const accepted = answers.filter((answer) => answer.status === 202).length;
  const duplicates = answers.filter(
    (answer) => answer.status === 200 && answer.body.duplicate === true,
  ).length;
  report.check(
    'the same delivery 20 times at once: accepted once, 19 duplicates',
    accepted === 1 && duplicates === 19,
    `${accepted} × 202, ${duplicates} × 200 duplicate`,
  );
  await runForStory(system, project.id, story.id);
  const found = await counts(system, project.id, story);
  report.check(
    'the same delivery 20 times: one run, one run.start job, each comment once',
    found.runs === 1 && found.completed === 1 && found.starts === 1 && found.twice === 0,
    describe(found),
  );
}

async function statusBeforeAssignment(system: ChaosSystem, report: ScenarioReport): Promise<void> {
  const { seed, project } = await system.addProject('reordered', {}, { webhookUrl: heldWebhooks });
  const story = await createStory(system.sandbox, seed.project.id, 'Moved before it was assigned', [
    'only step',
  ]);
  const since = system.sandbox.webhookDeliveries().length;
  await assignBot(system, story.id, seed.users.bot.id);
  const inProgress = seed.statuses.userStory.find((status) => status.slug === 'in-progress')!;
  const version = ((await readStory(system, story.id)) as { version: number }).version;
  await system.sandbox.actAs('admin').patchUserStory(story.id, { status: inProgress.id, version });
  const [assignment, move] = deliveriesOf(system, story.id, since);
  const first = await forward(system, project.id, move!);
  const second = await forward(system, project.id, assignment!);
  await runForStory(system, project.id, story.id);
  const found = await counts(system, project.id, story);
  report.check(
    'a status change delivered before its assignment: one run, one run.start job, each comment once',
    first.status === 202 &&
      second.status === 202 &&
      found.runs === 1 &&
      found.completed === 1 &&
      found.starts === 1 &&
      found.twice === 0,
    `move ${first.status}${first.body.unmatched ? ' (unmatched)' : ''}, assignment ${second.status}; ${describe(found)}`,
  );
}

async function assignedTwice(system: ChaosSystem, report: ScenarioReport): Promise<void> {
  const { seed, project } = await system.addProject('twice', {}, { webhookUrl: heldWebhooks });
  const story = await createStory(system.sandbox, seed.project.id, 'Assigned twice', ['only step']);
  const since = system.sandbox.webhookDeliveries().length;
  await assignBot(system, story.id, seed.users.bot.id);
  await assignBot(system, story.id, seed.users.bot.id, {
    assigned_users: [seed.users.bot.id, seed.users.admin.id],
  });
  const [one, two] = deliveriesOf(system, story.id, since);
  const started = Date.now();
  const answers = await Promise.all([
    forward(system, project.id, one!),
    new Promise<void>((resolve) => setTimeout(resolve, 50)).then(() => forward(system, project.id, two!)),
  ]);
  const apartMs = Date.now() - started;
  await runForStory(system, project.id, story.id);
  const found = await counts(system, project.id, story);
  report.check(
    'the same story assigned twice within 100 ms: one run, each comment once',
    answers.every((answer) => answer.status === 202) &&
      found.runs === 1 &&
      found.completed === 1 &&
      found.twice === 0,
    `${answers.map((answer) => answer.status).join(' and ')} within ${apartMs} ms; ${describe(found)} (a run.start per delivery; the second finds the run)`,
  );
}

async function ciBeforePush(system: ChaosSystem, report: ScenarioReport): Promise<void> {
  // A remote of its own whose pre-receive hook holds each push until the suite says go, with the pushed SHA noted.
  const held = createGitRemote(system.dir, 'held');
  const pushes = join(system.state, 'pushes.log');
  // Not in the state directory, whose files the suite reads: reading a FIFO waits for a writer.
  const release = join(system.dir, 'release.fifo');
  execFileSync('mkfifo', [release]);
  const hook = join(held, 'hooks', 'pre-receive');
  writeFileSync(
    hook,
    `#!/usr/bin/env bash\nwhile read -r old new ref; do echo "$old $new $ref" >> '${pushes}'; done\ntimeout 60 head -n 1 '${release}' > /dev/null\nexit 0\n`,
  );
  chmodSync(hook, 0o755);
  const { seed, project } = await system.addProject(
    'ci-first',
    { repository: { url: held, baseBranch: 'main', pushRemote: 'origin' }, qaPolicy: { kind: 'ci' } },
    { webhookUrl: heldWebhooks },
  );
  const story = await createStory(system.sandbox, seed.project.id, 'CI answers first', ['only step']);
  const since = system.sandbox.webhookDeliveries().length;
  await assignBot(system, story.id, seed.users.bot.id);
  const [assignment] = deliveriesOf(system, story.id, since);
  await forward(system, project.id, assignment!);
  const runId = await runForStory(system, project.id, story.id);
  const { line } = await waitForStateLine(system, (file) => file === 'pushes.log');
  const [, sha, ref] = line.split(' ');
  const ci = await fetch(`${system.apps.ingester.url}/webhooks/ci`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secrets.ciToken}` },
    body: JSON.stringify({
      status: 'success',
      repository: 'chaos/held',
      branch: ref!.replace('refs/heads/', ''),
      sha,
      project: project.id,
      provider: 'chaos',
    }),
  });
  await writeFile(release, 'go\n');
  const found = await counts(system, project.id, story);
  const step = (await system.store.runs.listSteps(runId))[0];
  const verdicts = (
    await system.queues.queue(QueueName.Qa).getJobs(['completed', 'failed', 'waiting', 'active', 'delayed'])
  ).filter(
    (job: Job) => job.name === 'ci.result' && (job.data as { projectId: string }).projectId === project.id,
  );
  report.check(
    'a CI result delivered before its step was pushed decides the step once',
    ci.status === 202 &&
      step?.status === 'completed' &&
      found.runs === 1 &&
      found.completed === 1 &&
      verdicts.length === 1 &&
      found.twice === 0,
    `CI ${ci.status}; step ${step?.status}; ${describe(found)}; ${verdicts.length} ci.result job`,
  );
}
