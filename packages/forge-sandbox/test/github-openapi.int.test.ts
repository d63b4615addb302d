import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Octokit } from '@octokit/rest';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForgeSandbox, type ForgeSandbox } from '../src/index.js';

/**
 * The sandbox's GitHub answers, validated against GitHub's own OpenAPI description (`@octokit/openapi`): every
 * call Tundra's client makes, sent through Octokit, successes and refusals alike.
 */

interface Described {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  responses: Record<string, Described>;
}
const document = JSON.parse(
  readFileSync(new URL(import.meta.resolve('@octokit/openapi/generated/api.github.com.json')), 'utf8'),
) as {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, Described> };
};

// OpenAPI 3.0 reads `nullable` as "null is allowed too", enums included (GitHub sends `start_side: null`); Ajv's
// `nullable` keeps an enum closed, so null joins each nullable enum first.
(function openNullableEnums(node: unknown): void {
  if (node === null || typeof node !== 'object') return;
  const schema = node as { nullable?: boolean; enum?: unknown[] };
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null))
    schema.enum.push(null);
  for (const child of Object.values(node)) openNullableEnums(child);
})(document);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
// OpenAPI 3.0's `nullable` is an Ajv keyword; `strict: false` lets the document's other annotations through.
const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(document as object, 'github');
const pointerSegment = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** Why an answer does not conform to the description, or null. */
function violation(method: string, template: string, status: number, body: unknown): string | null {
  const operation = document.paths[template]?.[method.toLowerCase()];
  if (!operation) return `${method} ${template} is not in GitHub's description`;
  // Any operation may answer 401, a rate limit or a server error with GitHub's error object, documented or not.
  let documented = operation.responses[String(status)] ?? (status >= 400 ? {} : undefined);
  if (!documented) return `${method} ${template} does not document ${status}`;
  let at = `/paths/${pointerSegment(template)}/${method.toLowerCase()}/responses/${status}`;
  if (documented.$ref) {
    at = documented.$ref.replace(/^#/, '');
    documented = document.components.responses[documented.$ref.split('/').at(-1)!]!;
  }
  if (!documented.content?.['application/json']) {
    if (body === '' || body === undefined || body === null) return null;
    // Where the description leaves an error's body out, GitHub still sends its usual error object.
    if (status < 400) return `${method} ${template} ${status}: a body where none is documented`;
    at = '/components/schemas/basic-error';
    const validateError = ajv.getSchema(`github#${at}`)!;
    return validateError(body)
      ? null
      : `${method} ${template} ${status}: ${ajv.errorsText(validateError.errors)}`;
  }
  const pointer = `github#${at}/content/application~1json/schema`;
  const validate = ajv.getSchema(pointer);
  if (!validate) return `no schema at ${pointer}`;
  return validate(body) ? null : `${method} ${template} ${status}: ${ajv.errorsText(validate.errors)}`;
}

let sandbox: ForgeSandbox;
let octokit: Octokit;
let mallory: Octokit;
const checked: { call: string; problem: string | null }[] = [];
const repo = { owner: 'acme', repo: 'widgets' };

function record(client: Octokit) {
  client.hook.after('request', (response, options) => {
    checked.push({
      call: `${options.method} ${options.url} ${response.status}`,
      problem: violation(options.method, options.url, response.status, response.data),
    });
  });
  client.hook.error('request', (error, options) => {
    const failure = error as { status?: number; response?: { data?: unknown } };
    checked.push({
      call: `${options.method} ${options.url} ${failure.status}`,
      problem: violation(options.method, options.url, failure.status ?? 0, failure.response?.data),
    });
    throw error;
  });
  return client;
}

beforeAll(async () => {
  sandbox = await createForgeSandbox();
  const github = sandbox.github;
  await github.createRepository({ fullName: 'acme/widgets' });
  github.addMember('acme/widgets', 'tundra-bot', 'write');
  github.addMember('acme/widgets', 'alice', 'write');
  github.addMember('acme/widgets', 'mallory', 'read');
  const dir = github.repoDir('acme/widgets');
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'B',
    GIT_AUTHOR_EMAIL: 'b@x.invalid',
    GIT_COMMITTER_NAME: 'B',
    GIT_COMMITTER_EMAIL: 'b@x.invalid',
  };
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env }).trim();
  git(
    'update-ref',
    'refs/heads/feature',
    git('commit-tree', git('rev-parse', 'main^{tree}'), '-p', git('rev-parse', 'main'), '-m', 'Feature'),
  );
  octokit = record(new Octokit({ auth: github.issueToken('tundra-bot', 'write'), baseUrl: github.apiUrl }));
  mallory = record(new Octokit({ auth: github.issueToken('mallory', 'read'), baseUrl: github.apiUrl }));
});
afterAll(async () => sandbox?.stop());

describe("the GitHub sandbox's answers conform to GitHub's OpenAPI description", () => {
  it('for the calls of a pull request from opening to merge', async () => {
    await octokit.rest.users.getAuthenticated();
    await octokit.rest.repos.get(repo);
    const { data: pull } = await octokit.rest.pulls.create({
      ...repo,
      head: 'feature',
      base: 'main',
      title: 'TG-1: Feature',
      body: 'Plan',
    });
    await octokit.rest.pulls
      .create({ ...repo, head: 'feature', base: 'main', title: 'again' })
      .catch(() => null);
    await octokit.rest.pulls.list({ ...repo, head: 'acme:feature', state: 'all' });
    await octokit.rest.pulls.get({ ...repo, pull_number: pull.number });
    await octokit.rest.pulls.update({ ...repo, pull_number: pull.number, title: 'TG-1: Feature, renamed' });
    await octokit.rest.pulls.requestReviewers({ ...repo, pull_number: pull.number, reviewers: ['alice'] });
    await octokit.rest.issues.addLabels({ ...repo, issue_number: pull.number, labels: ['tundra'] });
    sandbox.github
      .actAs('alice')
      .requestChanges('acme/widgets', pull.number, 'Rename it', [
        { path: 'README.md', line: 1, body: 'gadget' },
      ]);
    await octokit.rest.pulls.listReviews({ ...repo, pull_number: pull.number });
    const { data: comments } = await octokit.rest.pulls.listReviewComments({
      ...repo,
      pull_number: pull.number,
    });
    await octokit.rest.pulls.createReplyForReviewComment({
      ...repo,
      pull_number: pull.number,
      comment_id: comments[0]!.id,
      body: 'Done',
    });
    await octokit.rest.issues.createComment({ ...repo, issue_number: pull.number, body: 'Working on it' });
    await octokit.rest.issues.listComments({ ...repo, issue_number: pull.number });
    await sandbox.github.actAs('alice').reportCi('acme/widgets', {
      branch: 'feature',
      jobs: [{ name: 'test', conclusion: 'failure', log: 'FAIL\n' }],
    });
    const { data: checks } = await octokit.rest.checks.listForRef({ ...repo, ref: pull.head.sha });
    await octokit.rest.checks.listSuitesForRef({ ...repo, ref: pull.head.sha });
    const { data: runs } = await octokit.rest.actions.listWorkflowRunsForRepo({
      ...repo,
      head_sha: pull.head.sha,
    });
    await octokit.rest.actions.listJobsForWorkflowRun({ ...repo, run_id: runs.workflow_runs[0]!.id });
    const log = await octokit.rest.actions.downloadJobLogsForWorkflowRun({
      ...repo,
      job_id: checks.check_runs[0]!.id,
    });
    expect(log.data).toBe('FAIL\n');
    await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: 'alice' });
    await sandbox.github.actAs('alice').merge('acme/widgets', pull.number);
    await octokit.rest.pulls.merge({ ...repo, pull_number: pull.number }).catch(() => null);
    await octokit.rest.git.deleteRef({ ...repo, ref: 'heads/feature' });
    await octokit.rest.git.deleteRef({ ...repo, ref: 'heads/feature' }).catch(() => null);
    await octokit.rest.pulls.get({ ...repo, pull_number: 999 }).catch(() => null);
    await mallory.rest.issues
      .createComment({ ...repo, issue_number: pull.number, body: 'no' })
      .catch(() => null);
    const revoked = sandbox.github.issueToken('tundra-bot', 'write');
    sandbox.github.revokeToken(revoked);
    await record(new Octokit({ auth: revoked, baseUrl: sandbox.github.apiUrl }))
      .rest.repos.get(repo)
      .catch(() => null);
    sandbox.github.injectFault({ status: 403, count: 1, rateLimit: 'primary', retryAfterSeconds: 60 });
    await octokit.rest.repos.get(repo).catch(() => null);
    sandbox.github.injectFault({ status: 429, count: 1, rateLimit: 'secondary', retryAfterSeconds: 60 });
    await octokit.rest.repos.get(repo).catch(() => null);
    // The download itself is the redirect's target, outside the API: only API calls are checked.
    const problems = checked.filter((entry) => entry.problem !== null && !entry.call.includes('/logs'));
    expect(problems).toEqual([]);
    expect(checked.map((entry) => entry.call)).toEqual(
      expect.arrayContaining([
        'POST /repos/{owner}/{repo}/pulls 422',
        'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 405',
        'GET /repos/{owner}/{repo}/pulls/{pull_number} 404',
        'POST /repos/{owner}/{repo}/issues/{issue_number}/comments 403',
        'DELETE /repos/{owner}/{repo}/git/refs/{ref} 422',
        'GET /repos/{owner}/{repo} 401',
        'GET /repos/{owner}/{repo} 403',
        'GET /repos/{owner}/{repo} 429',
      ]),
    );
  });
});
