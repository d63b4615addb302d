import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Forge,
  ForgeAuthError,
  ForgeNotFoundError,
  ForgeRateLimitedError,
  GitPushAuthError,
  pushWithToken,
} from '../src/index.js';
import { type ForgeFixture, git, repoName, startForgeFixture } from './harness.js';

const outcomes = async (fixture: ForgeFixture, outcome: string) =>
  (await fixture.metrics.requests.get()).values
    .filter((value) => value.labels.outcome === outcome && value.labels.forge === fixture.forge)
    .reduce((sum, value) => sum + value.value, 0);

describe.each<Forge>(['github', 'gitlab'])('the %s client against the forge sandbox over HTTP', (forge) => {
  let fixture: ForgeFixture;
  let number: number;
  const branch = 'tundra/demo/1-add-widget';

  beforeAll(async () => {
    fixture = await startForgeFixture(forge);
  });
  afterAll(async () => fixture?.stop());

  it('pushes with the token through the environment: it lands, and neither the clone nor the logs hold it', async () => {
    const clone = fixture.workClone(branch);
    const sha = await pushWithToken({
      forge,
      cwd: clone,
      remoteUrl: fixture.handle.cloneUrl(repoName),
      token: fixture.botToken,
      source: 'HEAD',
      branch,
    });
    expect(sha).toBe(git(clone, 'rev-parse', 'HEAD'));
    expect(await fixture.handle.branchHead(repoName, branch)).toBe(sha);
    const config = git(clone, 'config', '--list', '--show-origin');
    expect(config).not.toContain(fixture.botToken);
    expect(config).not.toContain(Buffer.from(`x-access-token:${fixture.botToken}`).toString('base64'));
    expect(git(clone, 'remote', '-v')).not.toContain(fixture.botToken);
    expect(fixture.logLines.join('')).not.toContain(fixture.botToken);
  });

  it('opens the pull request once, and finds it again by head', async () => {
    const client = fixture.client();
    expect(await client.findPullRequestByHead(branch)).toBeNull();
    const first = await client.openPullRequest({
      head: branch,
      base: 'main',
      title: 'TG-1: Add a widget',
      body: 'Plan',
    });
    expect(first.created).toBe(true);
    expect(first.pullRequest).toMatchObject({
      state: 'open',
      head: branch,
      base: 'main',
      title: 'TG-1: Add a widget',
      author: 'tundra-bot',
    });
    number = first.pullRequest.number;
    const again = await client.openPullRequest({
      head: branch,
      base: 'main',
      title: 'TG-1: Add a widget',
      body: 'Plan',
    });
    expect(again).toEqual({ pullRequest: expect.objectContaining({ number }), created: false });
    expect((await client.findPullRequestByHead(branch))?.number).toBe(number);
    expect(fixture.handle.pulls(repoName)).toHaveLength(1);
  });

  it('updates the title and body', async () => {
    const updated = await fixture
      .client()
      .updatePullRequest(number, { title: 'TG-1: Add two widgets', body: 'New plan' });
    expect(updated).toMatchObject({ title: 'TG-1: Add two widgets', body: 'New plan' });
    expect(await fixture.client().getPullRequest(number)).toMatchObject({
      title: 'TG-1: Add two widgets',
      body: 'New plan',
    });
  });

  it('reads a review that requests changes, its line comments, and replies in the thread', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    fixture.handle
      .actAs('alice')
      .requestChanges(repoName, number, 'Please rename it', [
        { path: 'feature.txt', line: 1, body: 'Call it gadget' },
      ]);
    const client = fixture.client();
    const reviews = await client.listReviews(number, before);
    expect(reviews).toEqual([expect.objectContaining({ author: 'alice', state: 'changes_requested' })]);
    const comments = await client.listReviewComments(number, before);
    expect(comments).toEqual([
      expect.objectContaining({ author: 'alice', path: 'feature.txt', line: 1, body: 'Call it gadget' }),
    ]);
    const reply = await client.replyToThread(number, comments[0]!.threadId, 'Renamed in abc1234');
    expect(reply).toMatchObject({
      threadId: comments[0]!.threadId,
      author: 'tundra-bot',
      body: 'Renamed in abc1234',
      path: 'feature.txt',
    });
    expect(await client.listReviewComments(number)).toHaveLength(2);
  });

  it('comments, and lists comments since a point', async () => {
    const client = fixture.client();
    fixture.handle.actAs('alice').comment(repoName, number, '/tundra fix add a test');
    // Forge times have one-second resolution: the sandbox's clock moves on instead of the test waiting.
    fixture.advanceClock(5000);
    const mark = new Date(Date.now() + 5000).toISOString();
    fixture.advanceClock(1000);
    const mine = await client.comment(number, 'Working on it');
    expect(mine).toMatchObject({ author: 'tundra-bot', body: 'Working on it' });
    expect((await client.listComments(number)).map((comment) => comment.body)).toEqual(
      expect.arrayContaining(['/tundra fix add a test', 'Working on it']),
    );
    expect((await client.listComments(number, mark)).map((comment) => comment.body)).toEqual([
      'Working on it',
    ]);
  });

  it('follows the forge pagination past 100 comments', async () => {
    const before = (await fixture.client().listComments(number)).length;
    for (let index = 0; index < 105; index += 1)
      fixture.handle.actAs('alice').comment(repoName, number, `note ${index}`);
    const comments = await fixture.client().listComments(number);
    expect(comments).toHaveLength(before + 105);
    expect(
      comments.filter((comment) => comment.body.startsWith('note ')).map((comment) => comment.body),
    ).toEqual(Array.from({ length: 105 }, (_, index) => `note ${index}`));
  });

  it('requests reviewers and adds labels', async () => {
    const client = fixture.client();
    await client.requestReviewers(number, ['alice']);
    await client.addLabels(number, ['tundra']);
    const pull = fixture.handle.pull(repoName, number);
    expect(pull.labels).toEqual(['tundra']);
    expect(pull.requestedReviewerIds).toHaveLength(1);
  });

  it('reads CI on the head and the tail of a failing job log', async () => {
    const client = fixture.client();
    const head = (await client.getPullRequest(number)).headSha;
    expect((await client.ciStatus(head)).state).toBe('none');
    const log = `${'noise\n'.repeat(3000)}FAIL src/widget.test.ts\nexpected 1, got 2\n`;
    await fixture.handle.actAs('tundra-bot').reportCi(repoName, {
      branch,
      jobs: [
        { name: 'lint', conclusion: 'success' },
        { name: 'test', conclusion: 'failure', log },
      ],
    });
    const status = await client.ciStatus(head);
    expect(status.state).toBe('failure');
    const failed = status.jobs.find((job) => job.state === 'failure');
    expect(failed?.name).toBe('test');
    const tail = await client.jobLogTail(failed!.id, 200);
    expect(tail.endsWith('FAIL src/widget.test.ts\nexpected 1, got 2\n')).toBe(true);
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(200);
  });

  it('tells the token permission and a user write access', async () => {
    const client = fixture.client();
    expect(await client.tokenPermission()).toBe('write');
    expect(await client.userPermission('alice')).toBe('write');
    expect(await client.userPermission('mallory')).toBe('none');
  });

  it('waits out a rate limit within its budget, and counts it', async () => {
    fixture.handle.injectFault({ status: 429, count: 1, rateLimit: 'primary', retryAfterSeconds: 1 });
    const limitedBefore = await outcomes(fixture, 'rate_limited');
    expect((await fixture.client().getPullRequest(number)).number).toBe(number);
    expect(await outcomes(fixture, 'rate_limited')).toBe(limitedBefore + 1);
  });

  it('retries a server error', async () => {
    fixture.handle.injectFault({ status: 502, count: 1 });
    const errorsBefore = await outcomes(fixture, 'server_error');
    expect((await fixture.client().getPullRequest(number)).number).toBe(number);
    expect(await outcomes(fixture, 'server_error')).toBe(errorsBefore + 1);
  });

  it('gives up on a rate limit longer than its budget with a RetryAfter error', async () => {
    fixture.handle.injectFault({ status: 403, count: 1, rateLimit: 'primary', retryAfterSeconds: 30 });
    const error = await fixture
      .client()
      .getPullRequest(number)
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ForgeRateLimitedError);
    expect((error as ForgeRateLimitedError).retryAfterMs).toBeGreaterThan(20_000);
    fixture.handle.clearFaults();
  });

  it('reports a missing repository as not found', async () => {
    const other = fixture.forge === 'github' ? 'acme/nothing' : 'acme/nothing';
    const client = { ...fixture.client() };
    const error = await (fixture.forge === 'github'
      ? (await import('../src/index.js')).createGithubClient({
          repo: other,
          token: fixture.botToken,
          apiUrl: fixture.handle.apiUrl,
          metrics: fixture.metrics,
          logger: (await import('pino')).pino({ level: 'silent' }),
        })
      : (await import('../src/index.js')).createGitlabClient({
          repo: other,
          token: fixture.botToken,
          url: fixture.handle.url,
          metrics: fixture.metrics,
          logger: (await import('pino')).pino({ level: 'silent' }),
        })
    )
      .tokenPermission()
      .catch((failure: unknown) => failure);
    expect(client.forge).toBe(forge);
    expect(error).toBeInstanceOf(ForgeNotFoundError);
  });

  it('merges, then deletes the branch once', async () => {
    const merged = await fixture.handle.actAs('alice').merge(repoName, number);
    const pull = await fixture.client().getPullRequest(number);
    expect(pull.state).toBe('merged');
    expect(pull.mergeCommitSha).toBe(merged.mergeCommitSha);
    expect(await fixture.handle.branchHead(repoName, 'main')).toBe(merged.mergeCommitSha);
    expect(await fixture.client().deleteBranch(branch)).toBe(true);
    expect(await fixture.client().deleteBranch(branch)).toBe(false);
  });

  it('turns a revoked token into a non-retryable auth error, for the API and for a push', async () => {
    const token = fixture.handle.issueToken('tundra-bot', 'write');
    fixture.handle.revokeToken(token);
    const error = await fixture
      .client(token)
      .getPullRequest(number)
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(ForgeAuthError);
    expect((error as ForgeAuthError).retryable).toBe(false);
    const clone = fixture.workClone('tundra/demo/2-revoked', 'other.txt');
    const push = await pushWithToken({
      forge,
      cwd: clone,
      remoteUrl: fixture.handle.cloneUrl(repoName),
      token,
      source: 'HEAD',
      branch: 'tundra/demo/2-revoked',
    }).catch((failure: unknown) => failure);
    expect(push).toBeInstanceOf(GitPushAuthError);
    expect(String((push as Error).message)).not.toContain(token);
  });
});
