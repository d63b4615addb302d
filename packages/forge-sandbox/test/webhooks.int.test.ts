import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhooks } from '@octokit/webhooks';
import { createStateStore } from '@tundra/core/server';
import { type IngesterConfig, ingesterConfigSchema, startIngester } from '@tundra/ingester';
import { buildProjectSpec, createTestRedis, type TestRedis } from '@tundra/testkit';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForgeSandbox, type ForgeHandle, type ForgeSandbox } from '../src/index.js';

/**
 * The sandbox's webhooks against the contracts: GitHub's signed as `@octokit/webhooks` verifies them and shaped as
 * `@octokit/webhooks-schemas` describes each event; GitLab's with every field of GitLab's documented examples; and
 * both accepted and parsed, unchanged, by Tundra's real ingester.
 */

const schemas = JSON.parse(
  readFileSync(new URL(import.meta.resolve('@octokit/webhooks-schemas/schema.json')), 'utf8'),
);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(schemas, 'webhooks');

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/gitlab/${name}.json`, import.meta.url), 'utf8'));

/** Keys of `example` (recursively, first element of arrays) missing from `actual`. */
function missingKeys(example: unknown, actual: unknown, path = ''): string[] {
  if (example === null || typeof example !== 'object' || actual === null || typeof actual !== 'object')
    return [];
  if (Array.isArray(example))
    return Array.isArray(actual) && example.length > 0 && actual.length > 0
      ? missingKeys(example[0], actual[0], `${path}[0]`)
      : [];
  return Object.entries(example).flatMap(([key, value]) =>
    key in actual
      ? missingKeys(value, (actual as Record<string, unknown>)[key], `${path}.${key}`)
      : [`${path}.${key}`],
  );
}

const githubSecret = 'github-secret-0123456789';
const gitlabToken = 'gitlab-token-0123456789';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

let sandbox: ForgeSandbox;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

async function openPullWithReviewAndCi(handle: ForgeHandle, repo: string) {
  const branch = 'tundra/demo/1-widget';
  const dir = handle.repoDir(repo);
  const { execFileSync } = await import('node:child_process');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'B',
    GIT_AUTHOR_EMAIL: 'b@x.invalid',
    GIT_COMMITTER_NAME: 'B',
    GIT_COMMITTER_EMAIL: 'b@x.invalid',
  };
  const tree = execFileSync('git', ['-C', dir, 'rev-parse', 'main^{tree}'], { encoding: 'utf8' }).trim();
  const parent = execFileSync('git', ['-C', dir, 'rev-parse', 'main'], { encoding: 'utf8' }).trim();
  const sha = execFileSync('git', ['-C', dir, 'commit-tree', tree, '-p', parent, '-m', 'Widget'], {
    encoding: 'utf8',
    env,
  }).trim();
  execFileSync('git', ['-C', dir, 'update-ref', `refs/heads/${branch}`, sha]);
  const token = handle.issueToken('tundra-bot', 'write');
  handle.addMember(repo, 'tundra-bot', 'write');
  handle.addMember(repo, 'alice', 'write');
  const api =
    handle.kind === 'github'
      ? `${handle.apiUrl}/repos/${repo}/pulls`
      : `${handle.apiUrl}/projects/${encodeURIComponent(repo)}/merge_requests`;
  const body =
    handle.kind === 'github'
      ? { title: 'TG-1: Widget', head: branch, base: 'main', body: 'Plan' }
      : { title: 'TG-1: Widget', source_branch: branch, target_branch: 'main', description: 'Plan' };
  const headers: Record<string, string> =
    handle.kind === 'github' ? { authorization: `token ${token}` } : { 'private-token': token };
  const send = async (method: string, url: string, payload: unknown) => {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(payload),
    });
    expect(response.status, `${method} ${url}: ${await response.clone().text()}`).toBeLessThan(300);
    return response.json();
  };
  await send('POST', api, body);
  if (handle.kind === 'github') {
    await send('PATCH', `${api}/1`, { title: 'TG-1: Widget, renamed' });
    await send('POST', `${handle.apiUrl}/repos/${repo}/issues/1/labels`, { labels: ['tundra'] });
    await send('POST', `${api}/1/requested_reviewers`, { reviewers: ['alice'] });
  } else {
    const users = await fetch(`${handle.apiUrl}/users?username=alice`, { headers });
    const [alice] = (await users.json()) as { id: number }[];
    await send('PUT', `${api}/1`, {
      title: 'TG-1: Widget, renamed',
      add_labels: 'tundra',
      reviewer_ids: [alice!.id],
    });
  }
  // A new commit pushed over smart HTTP with the bot's token moves the pull request's head. (Asynchronously: the
  // sandbox answering git runs in this process.)
  const { promisify } = await import('node:util');
  const gitAsync = promisify((await import('node:child_process')).execFile);
  const clone = `${dir}-clone`;
  const auth = [
    '-c',
    `http.extraHeader=Authorization: Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
  ];
  await gitAsync('git', [...auth, 'clone', '--quiet', '--branch', branch, handle.cloneUrl(repo), clone], {
    env,
  });
  await gitAsync('git', ['-C', clone, 'commit', '--quiet', '--allow-empty', '-m', 'Fix-up'], { env });
  await gitAsync('git', ['-C', clone, ...auth, 'push', '--quiet', 'origin', `HEAD:${branch}`], { env });
  const alice = handle.actAs('alice');
  alice.requestChanges(repo, 1, 'Please rename', [{ path: 'README.md', line: 1, body: 'Call it gadget' }]);
  alice.comment(repo, 1, '/tundra fix add a test');
  await alice.reportCi(repo, { branch, jobs: [{ name: 'test', conclusion: 'failure', log: 'FAIL\n' }] });
  await alice.reportCi(repo, { branch, jobs: [{ name: 'test', conclusion: 'success' }] });
  await alice.merge(repo, 1);
  await handle.webhooksSent();
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers as Record<string, string>,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(200).end();
    });
  }).listen(0, '127.0.0.1');
  await new Promise((resolve) => receiver.once('listening', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  sandbox = await createForgeSandbox();
  await sandbox.github.createRepository({ fullName: 'octo-org/octo-repo' });
  await sandbox.gitlab.createRepository({ fullName: 'gitlab-org/gitlab-test' });
  sandbox.github.addWebhook('octo-org/octo-repo', { url: `${receiverUrl}/github`, secret: githubSecret });
  sandbox.gitlab.addWebhook('gitlab-org/gitlab-test', { url: `${receiverUrl}/gitlab`, secret: gitlabToken });
  await openPullWithReviewAndCi(sandbox.github, 'octo-org/octo-repo');
  await openPullWithReviewAndCi(sandbox.gitlab, 'gitlab-org/gitlab-test');
});

afterAll(async () => {
  await sandbox?.stop();
  receiver?.close();
});

describe('GitHub webhooks', () => {
  const github = () => received.filter((delivery) => delivery.path === '/github');

  it('sends the events a pull request, a review, comments, CI and a merge cause', () => {
    const events = github().map(
      (delivery) => `${delivery.headers['x-github-event']}.${JSON.parse(delivery.body).action ?? ''}`,
    );
    expect(events).toEqual(
      expect.arrayContaining([
        'pull_request.opened',
        'pull_request_review_comment.created',
        'pull_request_review.submitted',
        'issue_comment.created',
        'workflow_run.requested',
        'check_run.completed',
        'check_suite.completed',
        'workflow_run.completed',
        'push.',
        'pull_request.edited',
        'pull_request.labeled',
        'pull_request.review_requested',
        'pull_request.synchronize',
        'pull_request.closed',
      ]),
    );
  });

  it('signs each delivery as GitHub does, and @octokit/webhooks verifies it', async () => {
    for (const delivery of github()) {
      expect(delivery.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(delivery.headers['x-github-hook-installation-target-type']).toBe('repository');
      const signature = delivery.headers['x-hub-signature-256']!;
      expect(await new Webhooks({ secret: githubSecret }).verify(delivery.body, signature)).toBe(true);
      expect(await new Webhooks({ secret: 'wrong-secret' }).verify(delivery.body, signature)).toBe(false);
    }
  });

  it('shapes every payload as the event schema of @octokit/webhooks-schemas says', () => {
    for (const delivery of github()) {
      const payload = JSON.parse(delivery.body);
      const event = delivery.headers['x-github-event']!;
      const name = event === 'push' ? 'push$event' : `${event}$${payload.action}`;
      const validate = ajv.getSchema(`webhooks#/definitions/${name}`);
      expect(validate, name).toBeDefined();
      const valid = validate!(payload);
      expect(valid ? null : `${name}: ${ajv.errorsText(validate!.errors)}`).toBeNull();
    }
  });
});

describe('GitLab webhooks', () => {
  const gitlab = () => received.filter((delivery) => delivery.path === '/gitlab');
  const of = (event: string) =>
    gitlab()
      .filter((delivery) => delivery.headers['x-gitlab-event'] === event)
      .map((delivery) => JSON.parse(delivery.body));

  it('sends the headers GitLab sends, with the secret token', () => {
    for (const delivery of gitlab()) {
      expect(delivery.headers['x-gitlab-token']).toBe(gitlabToken);
      expect(delivery.headers['x-gitlab-event-uuid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(delivery.headers['x-gitlab-webhook-uuid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(delivery.headers['x-gitlab-instance']).toBe(sandbox.gitlab.url);
      expect(delivery.headers['user-agent']).toMatch(/^GitLab\//);
      expect(delivery.headers['idempotency-key']).toBeDefined();
    }
  });

  it.each([
    ['Merge Request Hook', 'merge_request_open'],
    ['Note Hook', 'note_merge_request'],
    ['Pipeline Hook', 'pipeline_success'],
    ['Job Hook', 'job_created'],
  ])("gives each %s every field of GitLab's documented example", (event, example) => {
    const payloads = of(event);
    expect(payloads.length).toBeGreaterThan(0);
    const documented = fixture(example);
    // Optional parts of the examples: a pipeline started by another project's, a job's runner and environment.
    // `changes` lists what this event changed (GitLab: "always inspect the content of the changes field").
    for (const optional of ['source_pipeline', 'runner', 'environment', 'changes'])
      delete documented[optional];
    if (documented.builds) documented.builds = [documented.builds[1]];
    for (const payload of payloads) expect(missingKeys(documented, payload)).toEqual([]);
  });

  it('tells a request for changes with the reviewer state, and a merge with action merge', () => {
    const actions = of('Merge Request Hook').map((payload) => payload.object_attributes.action);
    expect(actions).toEqual(expect.arrayContaining(['open', 'update', 'merge']));
    expect(of('Merge Request Hook').some((payload) => payload.object_attributes.oldrev)).toBe(true);
    expect(of('Push Hook').length).toBeGreaterThan(0);
    const review = of('Merge Request Hook').find(
      (payload) => payload.changes.reviewers?.current[0]?.state === 'requested_changes',
    );
    expect(review.changes.reviewers.previous).toEqual([
      expect.objectContaining({ username: 'alice', state: 'unreviewed' }),
    ]);
    expect(review.reviewers).toEqual([
      expect.objectContaining({ username: 'alice', state: 'requested_changes' }),
    ]);
    expect(of('Note Hook').map((payload) => payload.object_attributes.type)).toEqual(
      expect.arrayContaining(['DiffNote', null]),
    );
  });
});

describe("Tundra's ingester, unchanged, takes the sandbox's webhooks", () => {
  let redis: TestRedis;
  let ingester: Awaited<ReturnType<typeof startIngester>>;

  beforeAll(async () => {
    redis = await createTestRedis();
    const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
    await store.projects.put(
      buildProjectSpec({
        id: 'gh',
        repository: {
          url: sandbox.github.cloneUrl('octo-org/octo-repo'),
          baseBranch: 'main',
          pushRemote: null,
        },
      }),
      0,
    );
    await store.projects.put(
      buildProjectSpec({
        id: 'gl',
        taiga: { projectId: 2, projectSlug: 'gl', webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_GL' },
        repository: {
          url: sandbox.gitlab.cloneUrl('gitlab-org/gitlab-test'),
          baseBranch: 'main',
          pushRemote: null,
        },
      }),
      0,
    );
    const config: IngesterConfig = ingesterConfigSchema.parse({
      NODE_ENV: 'test',
      ...redis.env,
      TUNDRA_REDIS_PREFIX: redis.prefix,
      TUNDRA_INGESTER_HOST: '127.0.0.1',
      TUNDRA_INGESTER_PORT: '0',
      TUNDRA_LOG_LEVEL: 'silent',
      TUNDRA_TAIGA_BOT_USERNAME: 'taiga-bot',
      TUNDRA_GITHUB_WEBHOOK_SECRET: githubSecret,
      TUNDRA_GITLAB_WEBHOOK_TOKEN: gitlabToken,
      TUNDRA_PROJECT_CACHE_TTL_MS: '1',
    });
    ingester = await startIngester({ config, logger: pino({ level: 'silent' }), registry: new Registry() });
  });
  afterAll(async () => {
    await ingester?.stop();
    await redis?.stop();
  });

  it('accepts every delivery, and turns CI results and the merge into ci.result jobs for the project', async () => {
    const answers: { event: string; status: number; json: any }[] = [];
    for (const delivery of received) {
      const path = delivery.path === '/github' ? '/webhooks/github' : '/webhooks/gitlab';
      const {
        host: _host,
        'content-length': _length,
        connection: _connection,
        ...headers
      } = delivery.headers;
      const response = await fetch(`http://127.0.0.1:${ingester.port}${path}`, {
        method: 'POST',
        headers,
        body: delivery.body,
      });
      answers.push({
        event: headers['x-github-event'] ?? headers['x-gitlab-event']!,
        status: response.status,
        json: await response.json(),
      });
    }
    for (const answer of answers) expect([200, 202], JSON.stringify(answer)).toContain(answer.status);
    const jobs = (event: string) =>
      answers.filter((answer) => answer.event === event).flatMap((answer) => answer.json.jobs ?? []);
    for (const event of [
      'check_suite',
      'workflow_run',
      'check_run',
      'pull_request',
      'Pipeline Hook',
      'Merge Request Hook',
      'Job Hook',
    ]) {
      expect(jobs(event).length, event).toBeGreaterThan(0);
    }
    expect(answers.filter((answer) => answer.json.error !== undefined)).toEqual([]);
  });

  it('records a redelivery (same id, same bytes) once', async () => {
    const original = received.find((delivery) => delivery.headers['x-github-event'] === 'check_suite')!;
    const id = original.headers['x-github-delivery']!;
    sandbox.github.redeliver(id);
    await sandbox.github.webhooksSent();
    const copies = received.filter((delivery) => delivery.headers['x-github-delivery'] === id);
    expect(copies).toHaveLength(2);
    expect(copies[1]!.body).toBe(copies[0]!.body);
    const {
      host: _host,
      'content-length': _length,
      connection: _connection,
      ...headers
    } = copies[1]!.headers;
    const response = await fetch(`http://127.0.0.1:${ingester.port}/webhooks/github`, {
      method: 'POST',
      headers,
      body: copies[1]!.body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ duplicate: true });
  });
});
