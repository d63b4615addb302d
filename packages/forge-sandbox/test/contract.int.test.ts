import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForgeSandbox, type ForgeSandbox } from '../src/index.js';

/**
 * Recorded real GitHub interactions (`@octokit/fixtures`) replayed against the sandbox where they cover what it
 * serves, and the forges' refusals over git and HTTP.
 */

const require = createRequire(import.meta.url);
interface Recorded {
  method: string;
  path: string;
  status: number;
  body?: unknown;
  response: unknown;
  headers: Record<string, unknown>;
}
const scenario = (name: string) =>
  require(`@octokit/fixtures/scenarios/api.github.com/${name}/normalized-fixture.json`) as Recorded[];

const keysOf = (value: unknown) => Object.keys(value as object).sort();
const run = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      'git',
      args,
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env } },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
const basic = (user: string, token: string) => ({
  GIT_CONFIG_COUNT: '1',
  GIT_CONFIG_KEY_0: 'http.extraHeader',
  GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`${user}:${token}`).toString('base64')}`,
});

let sandbox: ForgeSandbox;
let work: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  sandbox = await createForgeSandbox();
  work = mkdtempSync(join(tmpdir(), 'forge-contract-'));
  for (const forge of [sandbox.github, sandbox.gitlab]) {
    await forge.createRepository({ fullName: 'acme/widgets' });
    forge.addMember('acme/widgets', 'bot', 'write');
    forge.addMember('acme/widgets', 'reader', 'read');
    tokens[`${forge.kind}:write`] = forge.issueToken('bot', 'write');
    tokens[`${forge.kind}:read`] = forge.issueToken('reader', 'read');
  }
});
afterAll(async () => {
  await sandbox?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function github(method: string, path: string, body?: unknown, token = tokens['github:write']!) {
  const response = await fetch(`${sandbox.github.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `token ${token}`,
      accept: 'application/vnd.github.v3+json',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? '' : JSON.parse(text) };
}

describe('recorded GitHub interactions (@octokit/fixtures)', () => {
  it('answers with the headers a recorded answer carries', async () => {
    const recorded = scenario('get-repository')[0]!;
    const answer = await github('GET', '/repos/acme/widgets');
    expect(answer.status).toBe(recorded.status);
    for (const name of [
      'content-type',
      'x-github-media-type',
      'x-github-request-id',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
      'x-ratelimit-used',
      'x-ratelimit-resource',
    ]) {
      expect(recorded.headers[name], name).toBeDefined();
      expect(answer.headers.get(name), name).not.toBeNull();
    }
    expect(answer.headers.get('x-github-media-type')).toBe(recorded.headers['x-github-media-type']);
    // Every field the recorded repository has, the sandbox's has (the recording predates a few newer fields).
    expect(keysOf(recorded.response).filter((key) => !(key in answer.body))).toEqual([]);
  });

  it('adds labels as recorded: 200 with the labels, each with the recorded fields', async () => {
    const recorded = scenario('add-labels-to-issue')[1]!;
    await sandbox.github.actAs('bot');
    const branch = await makeBranch('labels');
    const opened = await github('POST', '/repos/acme/widgets/pulls', {
      title: 'Labels',
      head: branch,
      base: 'main',
    });
    const answer = await github(
      'POST',
      `/repos/acme/widgets/issues/${opened.body.number}/labels`,
      recorded.body,
    );
    expect(answer.status).toBe(recorded.status);
    expect((answer.body as unknown[]).map(keysOf)).toEqual((recorded.response as unknown[]).map(keysOf));
    expect((answer.body as { name: string }[]).map((label) => label.name)).toEqual(['Foo', 'bAr', 'baZ']);
  });

  it('refuses a bad request with the recorded validation error shape', async () => {
    const recorded = scenario('errors')[0]!;
    const answer = await github('POST', '/repos/acme/widgets/pulls', { title: 'No head' });
    expect(answer.status).toBe(recorded.status);
    expect(keysOf(answer.body)).toEqual([...keysOf(recorded.response), 'status'].sort());
    expect(keysOf((answer.body as { errors: unknown[] }).errors[0])).toEqual(
      keysOf((recorded.response as { errors: unknown[] }).errors[0]),
    );
  });

  it('deletes a ref as recorded: 204 and no body', async () => {
    const recorded = scenario('git-refs').find((entry) => entry.method === 'delete')!;
    await makeBranch('to-delete');
    const answer = await github('DELETE', '/repos/acme/widgets/git/refs/heads/to-delete');
    expect([answer.status, answer.body]).toEqual([recorded.status, recorded.response]);
  });

  it('paginates with a Link header in the recorded form', async () => {
    const recorded = scenario('paginate-issues')[1]!;
    const link = String(recorded.headers.link);
    for (let index = 0; index < 4; index += 1) {
      const branch = await makeBranch(`page-${index}`);
      await github('POST', '/repos/acme/widgets/pulls', {
        title: `Page ${index}`,
        head: branch,
        base: 'main',
      });
    }
    const answer = await github('GET', '/repos/acme/widgets/pulls?per_page=2&page=2&state=all');
    const ours = answer.headers.get('link')!;
    const rels = (header: string) => [...header.matchAll(/rel="(\w+)"/g)].map((match) => match[1]).sort();
    expect(rels(ours)).toEqual(rels(link));
    expect(ours).toMatch(
      /^<http:\/\/127\.0\.0\.1:\d+\/api\/v3\/repos\/acme\/widgets\/pulls\?[^>]*page=1[^>]*>; rel="prev"/,
    );
  });
});

async function makeBranch(name: string): Promise<string> {
  const dir = sandbox.github.repoDir('acme/widgets');
  const env = {
    GIT_AUTHOR_NAME: 'B',
    GIT_AUTHOR_EMAIL: 'b@x.invalid',
    GIT_COMMITTER_NAME: 'B',
    GIT_COMMITTER_EMAIL: 'b@x.invalid',
  };
  const git = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('git', ['-C', dir, ...args], { env: { ...process.env, ...env } }, (error, stdout) =>
        error ? reject(error) : resolve(stdout.trim()),
      ),
    );
  const sha = await git(
    'commit-tree',
    await git('rev-parse', 'main^{tree}'),
    '-p',
    await git('rev-parse', 'main'),
    '-m',
    name,
  );
  await git('update-ref', `refs/heads/${name}`, sha);
  return name;
}

describe.each(['github', 'gitlab'] as const)('%s over git and HTTP', (kind) => {
  const forge = () => (kind === 'github' ? sandbox.github : sandbox.gitlab);
  const user = kind === 'github' ? 'x-access-token' : 'oauth2';

  it('clones with a token, and refuses none, a bad one and a revoked one with 401', async () => {
    const url = forge().cloneUrl('acme/widgets');
    expect(
      (await run(work, ['clone', '--quiet', url, `${kind}-ok`], basic(user, tokens[`${kind}:read`]!))).code,
    ).toBe(0);
    expect((await run(work, ['clone', '--quiet', url, `${kind}-none`])).stderr).toMatch(
      /could not read Username/,
    );
    expect((await run(work, ['clone', '--quiet', url, `${kind}-bad`], basic(user, 'nope'))).stderr).toMatch(
      /could not read Username|401/,
    );
    const revoked = forge().issueToken('bot', 'write');
    forge().revokeToken(revoked);
    expect(
      (await run(work, ['clone', '--quiet', url, `${kind}-revoked`], basic(user, revoked))).code,
    ).not.toBe(0);
  });

  it('answers 404 for a repository that does not exist or that the token cannot see', async () => {
    const result = await run(
      work,
      ['clone', '--quiet', `${forge().url}/acme/nothing.git`, `${kind}-missing`],
      basic(user, tokens[`${kind}:write`]!),
    );
    expect(result.stderr).toMatch(/404|not found|could not be found/i);
  });

  it('refuses a push with a read token (403), and takes it with a write token', async () => {
    const clone = join(work, `${kind}-ok`);
    await run(clone, [
      '-c',
      'user.name=B',
      '-c',
      'user.email=b@x.invalid',
      'commit',
      '--quiet',
      '--allow-empty',
      '-m',
      'Change',
    ]);
    const refused = await run(
      clone,
      ['push', 'origin', 'HEAD:refs/heads/pushed'],
      basic(user, tokens[`${kind}:read`]!),
    );
    expect(refused.stderr).toMatch(/403/);
    const pushed = await run(
      clone,
      ['push', '--quiet', 'origin', 'HEAD:refs/heads/pushed'],
      basic(user, tokens[`${kind}:write`]!),
    );
    expect(pushed.code).toBe(0);
    expect(await forge().branchHead('acme/widgets', 'pushed')).not.toBeNull();
  });

  it("refuses a bad API token with 401 in the forge's words", async () => {
    const response =
      kind === 'github'
        ? await fetch(`${forge().apiUrl}/repos/acme/widgets`, { headers: { authorization: 'token nope' } })
        : await fetch(`${forge().apiUrl}/projects/acme%2Fwidgets`, { headers: { 'private-token': 'nope' } });
    expect(response.status).toBe(401);
    expect(((await response.json()) as any).message).toBe(
      kind === 'github' ? 'Bad credentials' : '401 Unauthorized',
    );
  });
});

describe('GitLab pagination and rate limits', () => {
  it('paginates with x-page, x-next-page, x-total and x-total-pages', async () => {
    const response = await fetch(`${sandbox.gitlab.apiUrl}/users?per_page=1&page=1`, {
      headers: { 'private-token': tokens['gitlab:write']! },
    });
    const total = Number(response.headers.get('x-total'));
    expect(total).toBeGreaterThan(1);
    expect(response.headers.get('x-page')).toBe('1');
    expect(response.headers.get('x-next-page')).toBe('2');
    expect(response.headers.get('x-total-pages')).toBe(String(total));
    expect(response.headers.get('link')).toContain('rel="next"');
  });

  it('rate limits with 429, Retry-After and RateLimit-* headers', async () => {
    sandbox.gitlab.injectFault({ status: 429, count: 1, retryAfterSeconds: 7 });
    const response = await fetch(`${sandbox.gitlab.apiUrl}/projects/acme%2Fwidgets`, {
      headers: { 'private-token': tokens['gitlab:write']! },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('ratelimit-remaining')).toBe('0');
    expect(await response.text()).toBe('Retry later\n');
  });
});
