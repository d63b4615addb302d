import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProjectSpec } from '@tundra/core';
import { createForgeSandbox, type ForgeHandle, type ForgeSandbox } from '@tundra/forge-sandbox';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startSystem, type TundraSystem } from './support/system.js';
import { assignToBot, createStory, readItem } from './support/taiga-board.js';

// Delivery by pull request, end to end: the real apps, real git and the forge sandbox over HTTP, for both forges.
const forges = ['github', 'gitlab'] as const;
type ForgeName = (typeof forges)[number];

let system: TundraSystem;
let forge: ForgeSandbox;
const tokens: Record<string, string> = {};
const githubSecret = randomBytes(16).toString('hex');
const gitlabToken = randomBytes(16).toString('hex');

const handle = (name: ForgeName): ForgeHandle => (name === 'github' ? forge.github : forge.gitlab);
const tokenRef = (name: ForgeName, which: 'ok' | 'revoked') =>
  `TUNDRA_FORGE_TOKEN_${name.toUpperCase()}_${which.toUpperCase()}`;

beforeAll(async () => {
  forge = await createForgeSandbox();
  for (const name of forges) {
    for (const which of ['ok', 'revoked'] as const) {
      tokens[tokenRef(name, which)] = handle(name).issueToken('tundra-bot', 'write');
    }
  }
  system = await startSystem({
    TUNDRA_GITHUB_API_URL: forge.github.apiUrl,
    TUNDRA_GITLAB_URL: forge.gitlab.url,
    TUNDRA_GITHUB_WEBHOOK_SECRET: githubSecret,
    TUNDRA_GITLAB_WEBHOOK_TOKEN: gitlabToken,
    ...tokens,
  });
}, 120_000);
afterAll(async () => {
  await system?.stop();
  await forge?.stop();
});

/** A repository on the forge with a `main` branch, the bot and a reviewer as members, its webhook to the ingester. */
async function repository(name: ForgeName, repo: string): Promise<void> {
  const forgeHandle = handle(name);
  await forgeHandle.createRepository({ fullName: repo, files: { 'README.md': '# widgets\n' } });
  forgeHandle.addMember(repo, 'tundra-bot', 'write');
  forgeHandle.addMember(repo, 'alice', 'write');
  forgeHandle.addWebhook(repo, {
    url: `${system.ingesterUrl}/webhooks/${name}`,
    secret: name === 'github' ? githubSecret : gitlabToken,
  });
}

async function deliveringProject(
  name: ForgeName,
  id: string,
  options: { token?: 'ok' | 'revoked'; limits?: Partial<ProjectSpec['limits']>; deleteBranch?: boolean } = {},
): Promise<{ repo: string; seed: Awaited<ReturnType<TundraSystem['addProject']>>['seed'] }> {
  const repo = `acme/${id}`;
  await repository(name, repo);
  const spec: Partial<ProjectSpec> = {
    repository: { url: handle(name).cloneUrl(repo), baseBranch: 'main', pushRemote: null },
    delivery: {
      kind: 'pull-request',
      forge: name,
      repo,
      tokenRef: tokenRef(name, options.token ?? 'ok'),
      labels: ['tundra'],
      reviewers: ['alice'],
      ...(options.deleteBranch ? { deleteBranch: true } : {}),
    },
    limits: { concurrentRuns: 3, stepTimeoutSeconds: 120, maxAttempts: 3, ...options.limits },
  };
  const { seed } = await system.addProject(id, spec);
  return { repo, seed };
}

describe.each(forges)('delivery by pull request on %s', (name) => {
  it('opens one PR when the last step passes QA, through a rate limit, and completes the run on its merge', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { repo, seed } = await deliveringProject(name, `${name}-merge`, { deleteBranch: true });
    const story = await createStory(
      system.sandbox,
      seed.project.id,
      'Add an export button',
      ['Add the button', 'Write the CSV'],
      'Users want their data as CSV.',
    );
    // The first attempt to open the PR meets a rate limit, as each forge sends it: the client waits it out.
    handle(name).injectFault({
      status: name === 'github' ? 403 : 429,
      count: 1,
      rateLimit: 'primary',
      retryAfterSeconds: 1,
      method: 'POST',
      pathPattern: /pulls|merge_requests/,
    });
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory(`${name}-merge`, story.id);
    await system.waitForRunEvent(runId, 'protocol_run.pr_opened');

    const run = (await system.store.runs.getRun(runId))!;
    expect(run.status).toBe('in_review');
    const pulls = handle(name).pulls(repo);
    expect(pulls).toHaveLength(1);
    const pull = pulls[0]!;
    expect(run.pullRequest).toMatchObject({ forge: name, number: pull.number });
    expect(pull).toMatchObject({
      title: `TG-${story.ref}: Add an export button`,
      head: run.branch,
      base: 'main',
    });
    expect(pull.labels).toContain('tundra');
    expect(pull.body).toContain('Users want their data as CSV.');
    expect(pull.body).toContain('| 1 | Add the button | completed |');
    expect(pull.body).toContain('| 2 | Write the CSV | completed |');
    expect(pull.body).toContain('/tundra fix');
    // What was pushed is the last step's commit.
    const steps = await system.store.runs.listSteps(runId);
    expect(await handle(name).branchHead(repo, run.branch!)).toBe(steps.at(-1)!.commitSha);

    await system.waitForWriteBack(runId);
    const inReview = await readItem(system.sandbox, 'userstory', story.id);
    expect(inReview.status_extra_info.name).toBe('Ready for test');
    expect(inReview.comments.some((comment) => comment.includes(run.pullRequest!.url))).toBe(true);

    const merged = await handle(name).actAs('alice').merge(repo, pull.number);
    await system.waitForRunEvent(runId, 'protocol_run.pr_merged');
    expect((await system.store.runs.getRun(runId))!.status).toBe('completed');
    // The project asked for the merged branch to go (`delivery.deleteBranch`).
    expect(await handle(name).branchHead(repo, run.branch!)).toBeNull();
    await handle(name).webhooksSent();

    // Every delivery about this repository again, newest first: the ingester takes each once, nothing changes.
    const before = await system.store.events.readRun(runId, { count: 10_000 });
    const sent = handle(name)
      .deliveries()
      .filter((delivery) => !delivery.redelivery);
    for (const delivery of [...sent].reverse()) handle(name).redeliver(delivery.id);
    await handle(name).webhooksSent();
    const again = handle(name)
      .deliveries()
      .filter((delivery) => delivery.redelivery && sent.some((s) => s.id === delivery.id));
    expect(again.length).toBe(sent.length);
    expect(again.every((delivery) => delivery.status === 200)).toBe(true);
    expect(await system.store.events.readRun(runId, { count: 10_000 })).toEqual(before);
    expect(handle(name).pulls(repo)).toHaveLength(1);

    await system.waitForWriteBack(runId);
    const done = await readItem(system.sandbox, 'userstory', story.id);
    expect(done.status_extra_info.name).toBe('Done');
    if (merged.mergeCommitSha)
      expect(done.comments.some((comment) => comment.includes(merged.mergeCommitSha!.slice(0, 12)))).toBe(
        true,
      );
  });

  it('turns a review into exactly one fix-up step, pushes it and replies; ignores people without write access, once', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { repo, seed } = await deliveringProject(name, `${name}-review`);
    const story = await createStory(system.sandbox, seed.project.id, 'Add a greeting', ['Say hello']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory(`${name}-review`, story.id);
    const opened = await system.waitForRunEvent(runId, 'protocol_run.pr_opened');
    const { pullRequest } = (await system.store.runs.getRun(runId))!;
    const [first] = await system.store.runs.listSteps(runId);

    // Someone without write access asks twice: ignored, and told so once.
    handle(name).actAs('mallory').comment(repo, pullRequest!.number, '/tundra fix delete everything');
    handle(name).actAs('mallory').comment(repo, pullRequest!.number, '/tundra fix please');
    await handle(name).webhooksSent();
    // One review with two line comments: one fix-up step, not three.
    handle(name)
      .actAs('alice')
      .requestChanges(repo, pullRequest!.number, 'Please polish this', [
        { path: `steps/${first!.id}.md`, line: 1, body: 'Say "hello, world"' },
        { path: `steps/${first!.id}.md`, line: 1, body: 'And end with a newline' },
      ]);
    await system.waitForRunEvent(runId, 'protocol_run.fixup_requested');
    await system.waitForRunEvent(runId, 'protocol_run.pr_opened', undefined, opened);
    await handle(name).webhooksSent();

    const steps = await system.store.runs.listSteps(runId);
    expect(steps.map((step) => [step.title, step.status])).toEqual([
      ['Say hello', 'completed'],
      ['Fix-up 1: review by @alice', 'completed'],
    ]);
    const fixup = steps[1]!;
    expect(fixup.instructions).toContain('Say "hello, world"');
    expect(fixup.instructions).toContain(`steps/${first!.id}.md:1`);
    expect(fixup.instructions).toContain('@alice');
    expect(fixup.instructions).not.toContain('delete everything');
    expect(fixup.taigaTaskId).not.toBeNull();
    expect(await handle(name).branchHead(repo, (await system.store.runs.getRun(runId))!.branch!)).toBe(
      fixup.commitSha,
    );
    const events = await system.store.events.readRun(runId, { count: 10_000 });
    expect(events.filter((event) => event.type === 'step_run.appended')).toHaveLength(1);
    expect((await system.store.runs.getRun(runId))!.status).toBe('in_review');
    expect(handle(name).pulls(repo)).toHaveLength(1);

    const said = handle(name)
      .comments(repo, pullRequest!.number)
      .map((comment) => comment.body);
    expect(
      said.filter((body) => body.startsWith('@mallory: Tundra takes review requests only')),
    ).toHaveLength(1);
    expect(said.some((body) => body.includes(`pushed \`${fixup.commitSha!.slice(0, 12)}\``))).toBe(true);
    expect(said.some((body) => body.startsWith(`Addressed in \`${fixup.commitSha!.slice(0, 12)}\``))).toBe(
      true,
    );
  });

  it('keeps feedback given while a fix-up step runs for the next round, which takes it once the run is back in review', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { repo, seed } = await deliveringProject(name, `${name}-queued`);
    const story = await createStory(system.sandbox, seed.project.id, 'Add a banner', ['Write the banner']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory(`${name}-queued`, story.id);
    const opened = await system.waitForRunEvent(runId, 'protocol_run.pr_opened');
    const { pullRequest } = (await system.store.runs.getRun(runId))!;

    // The first round's fix-up step holds (its instructions carry the review's `[hold]`) while alice asks again.
    handle(name).actAs('alice').comment(repo, pullRequest!.number, '/tundra fix make it blue [hold]');
    const first = await system.waitForRunEvent(runId, 'protocol_run.fixup_requested');
    const fixup = (await system.store.runs.listSteps(runId))[1]!;
    await system.waitForStepLog(runId, fixup.id, 'engine: holding until told to go');
    const queued = system.apps.planner.waitForLine(
      (line) => line.msg === 'feedback queued for the next review round' && line.protocolRunId === runId,
    );
    handle(name).actAs('alice').comment(repo, pullRequest!.number, '/tundra fix and make it bigger');
    await handle(name).webhooksSent();
    await queued;
    writeFileSync(join(system.engineState, `${fixup.id}.go`), '');

    // Back in review, the next round takes what waited: a second fix-up step for it, and nothing twice.
    await system.waitForRunEvent(runId, 'protocol_run.fixup_requested', undefined, first);
    const back = await system.waitForRunEvent(runId, 'protocol_run.pr_opened', undefined, opened);
    await system.waitForRunEvent(runId, 'protocol_run.pr_opened', undefined, back);
    const steps = await system.store.runs.listSteps(runId);
    expect(steps.map((step) => [step.title, step.status])).toEqual([
      ['Write the banner', 'completed'],
      ['Fix-up 1: review by @alice', 'completed'],
      ['Fix-up 2: review by @alice', 'completed'],
    ]);
    expect(steps[1]!.instructions).toContain('make it blue');
    expect(steps[1]!.instructions).not.toContain('make it bigger');
    expect(steps[2]!.instructions).toContain('make it bigger');
    expect(steps[2]!.instructions).not.toContain('make it blue');
  });

  it('blocks the run past limits.reviewRounds, with the reason in Taiga and on the PR', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { repo, seed } = await deliveringProject(name, `${name}-rounds`, { limits: { reviewRounds: 1 } });
    const story = await createStory(system.sandbox, seed.project.id, 'Add a footer', ['Write the footer']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory(`${name}-rounds`, story.id);
    const opened = await system.waitForRunEvent(runId, 'protocol_run.pr_opened');
    const { pullRequest } = (await system.store.runs.getRun(runId))!;

    // The one round the project allows: a fix-up step, then back in review.
    const [first] = await system.store.runs.listSteps(runId);
    const onLine = (body: string) => [{ path: `steps/${first!.id}.md`, line: 1, body }];
    handle(name)
      .actAs('alice')
      .requestChanges(repo, pullRequest!.number, 'Add the year', onLine('The year is missing'));
    await system.waitForRunEvent(runId, 'protocol_run.fixup_requested');
    const back = await system.waitForRunEvent(runId, 'protocol_run.pr_opened', undefined, opened);

    // A second review: no second fix-up, the run blocks and says why, on Taiga and on the PR.
    handle(name)
      .actAs('alice')
      .requestChanges(repo, pullRequest!.number, 'And a link', onLine('Link to the docs here'));
    await system.waitForRunEvent(runId, 'protocol_run.blocked', undefined, back);
    const run = (await system.store.runs.getRun(runId))!;
    expect(run.reason).toMatch(/1 review round, the project's limit \(limits\.reviewRounds\)/);
    const steps = await system.store.runs.listSteps(runId);
    expect(steps.map((step) => step.title)).toEqual(['Write the footer', 'Fix-up 1: review by @alice']);
    // The PR's comment follows the transition.
    await expect
      .poll(
        () =>
          handle(name)
            .comments(repo, pullRequest!.number)
            .filter((comment) => comment.body.includes('limits.reviewRounds')).length,
        { timeout: 30_000 },
      )
      .toBe(1);
    await system.waitForWriteBack(runId);
    const blocked = await readItem(system.sandbox, 'userstory', story.id);
    expect(blocked.is_blocked).toBe(true);
    expect(blocked.comments.some((comment) => comment.includes('limits.reviewRounds'))).toBe(true);
  });

  it('turns a red CI run on the head into one fix-up step with the job and its log, then blocks past ciFixAttempts', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { repo, seed } = await deliveringProject(name, `${name}-ci`, { limits: { ciFixAttempts: 1 } });
    const story = await createStory(system.sandbox, seed.project.id, 'Add a counter', ['Count clicks']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory(`${name}-ci`, story.id);
    const opened = await system.waitForRunEvent(runId, 'protocol_run.pr_opened');
    const branch = (await system.store.runs.getRun(runId))!.branch!;
    const [first] = await system.store.runs.listSteps(runId);

    // The same failure reported twice (a re-run webhook): one fix-up step.
    for (let i = 0; i < 2; i++)
      await handle(name)
        .actAs('ci-bot')
        .reportCi(repo, {
          branch,
          sha: first!.commitSha!,
          jobs: [
            { name: 'lint', conclusion: 'success' },
            {
              name: 'unit tests',
              conclusion: 'failure',
              log: 'running 12 tests\nFAIL counter.test.ts\nexpected 2 to be 3',
            },
          ],
        });
    await system.waitForRunEvent(runId, 'protocol_run.fixup_requested');
    const back = await system.waitForRunEvent(runId, 'protocol_run.pr_opened', undefined, opened);
    const steps = await system.store.runs.listSteps(runId);
    expect(steps.map((step) => [step.title, step.status])).toEqual([
      ['Count clicks', 'completed'],
      ['CI fix-up 1: 1 failing job', 'completed'],
    ]);
    expect(steps[1]!.instructions).toContain('"unit tests" failed');
    expect(steps[1]!.instructions).toContain('expected 2 to be 3');
    expect(steps[1]!.instructions).not.toContain('"lint"');

    // CI fails again on the fix-up's commit: the one attempt is used, the run blocks with the reason.
    await handle(name)
      .actAs('ci-bot')
      .reportCi(repo, {
        branch,
        sha: steps[1]!.commitSha!,
        jobs: [{ name: 'unit tests', conclusion: 'failure', log: 'expected 2 to be 3' }],
      });
    await system.waitForRunEvent(runId, 'protocol_run.blocked', undefined, back);
    const run = (await system.store.runs.getRun(runId))!;
    expect(run.reason).toMatch(/limits\.ciFixAttempts/);
    await system.waitForWriteBack(runId);
    const blocked = await readItem(system.sandbox, 'userstory', story.id);
    expect(blocked.comments.some((comment) => comment.includes('limits.ciFixAttempts'))).toBe(true);
  });

  it('cancels the run when the PR is closed without a merge', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { repo, seed } = await deliveringProject(name, `${name}-close`);
    const story = await createStory(system.sandbox, seed.project.id, 'Try an idea', ['Sketch it']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory(`${name}-close`, story.id);
    await system.waitForRunEvent(runId, 'protocol_run.pr_opened');
    const number = (await system.store.runs.getRun(runId))!.pullRequest!.number;
    handle(name).actAs('alice').close(repo, number);
    await system.waitForRunEvent(runId, 'protocol_run.pr_closed');
    expect((await system.store.runs.getRun(runId))!.status).toBe('cancelled');
    await system.waitForWriteBack(runId);
    const story_ = await readItem(system.sandbox, 'userstory', story.id);
    expect(story_.comments.some((comment) => comment.includes('closed without a merge'))).toBe(true);
  });

  it('blocks the run with the reason in Taiga when the token was revoked', async () => {
    onTestFailed(() => console.error(system.describeLogs()));
    const { seed } = await deliveringProject(name, `${name}-revoked`, { token: 'revoked' });
    handle(name).revokeToken(tokens[tokenRef(name, 'revoked')]!);
    const story = await createStory(system.sandbox, seed.project.id, 'Never delivered', ['Do it']);
    await assignToBot(system.sandbox, story.id, seed.users.bot.id);
    const runId = await system.runForStory(`${name}-revoked`, story.id);
    await system.waitForRunEvent(runId, 'protocol_run.blocked');
    const run = (await system.store.runs.getRun(runId))!;
    expect(run.status).toBe('blocked');
    expect(run.reason).toMatch(/refused Tundra's credentials/);
    await system.waitForWriteBack(runId);
    const blocked = await readItem(system.sandbox, 'userstory', story.id);
    expect(blocked.is_blocked).toBe(true);
    expect(blocked.comments.some((comment) => comment.includes("refused Tundra's credentials"))).toBe(true);
  });
});
