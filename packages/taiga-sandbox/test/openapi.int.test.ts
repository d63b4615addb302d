import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { call, type Harness, type JsonResponse, startHarness } from './helpers.js';

/** Every sandbox endpoint's answers, validated against the OpenAPI document Tundra's client is generated from. */

interface OpenApiResponse {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, OpenApiResponse> }>>;
}

const documentUrl = new URL('../../taiga/openapi/taiga.yaml', import.meta.url);
const document = parse(readFileSync(documentUrl, 'utf8')) as OpenApiDocument;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(document as object, 'taiga.yaml');

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');
const methods = ['get', 'post', 'patch', 'put', 'delete'];

function resolvePointer(pointer: string): unknown {
  return pointer
    .replace(/^#\//, '')
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, segment) => (node as Record<string, unknown>)[segment], document);
}

/** Why a response does not conform to the document, or null when it does. */
function violations(path: string, method: string, response: JsonResponse): string | null {
  const operation = document.paths[path]?.[method];
  if (!operation) return `${method.toUpperCase()} ${path} is not in the document`;
  const status = String(response.status);
  const key = status in operation.responses ? status : `${status[0]}XX`;
  let described = operation.responses[key];
  if (!described) return `${method.toUpperCase()} ${path} does not document ${status}`;
  let pointer = `#/paths/${escapePointer(path)}/${method}/responses/${key}`;
  if (described.$ref) {
    pointer = described.$ref;
    described = resolvePointer(pointer) as OpenApiResponse;
  }
  if (!described.content?.['application/json']) {
    return response.text === ''
      ? null
      : `${method.toUpperCase()} ${path} ${status}: a body where none is documented`;
  }
  const validate = ajv.getSchema(`taiga.yaml${pointer}/content/application~1json/schema`);
  if (!validate) return `no schema at ${pointer}`;
  if (validate(response.body)) return null;
  return `${method.toUpperCase()} ${path} ${status}: ${ajv.errorsText(validate.errors)}`;
}

let harness: Harness;
afterEach(async () => {
  await harness.stop();
});

describe('the sandbox against packages/taiga/openapi/taiga.yaml', () => {
  it('answers every documented endpoint as documented', async () => {
    harness = await startHarness();
    const { api, seed, sandbox, receiver } = harness;
    const admin = await harness.login('admin', 'admin123');
    const bot = await harness.login('taiga-bot', 'bot12345');
    const problems: string[] = [];
    const exercised = new Set<string>();
    const check = async (
      expected: number,
      path: string,
      method: string,
      url: string,
      init: Parameters<typeof call>[1] = {},
    ) => {
      const response = await call(`${api}${url}`, { ...init, method: method.toUpperCase() });
      exercised.add(`${method} ${path}`);
      if (response.status !== expected)
        problems.push(`${method} ${url}: ${response.status} instead of ${expected}`);
      const problem = violations(path, method, response);
      if (problem) problems.push(problem);
      return response;
    };
    const json = { 'Content-Type': 'application/json' };
    const taskId = seed.tasks[0]!.id;
    const storyId = seed.story.id;

    const login = await check(200, '/auth', 'post', '/auth', {
      headers: json,
      body: { type: 'normal', username: 'taiga-bot', password: 'bot12345' },
    });
    await check(401, '/auth', 'post', '/auth', {
      headers: json,
      body: { type: 'normal', username: 'taiga-bot', password: 'x' },
    });
    await check(400, '/auth', 'post', '/auth', {
      headers: json,
      body: { type: 'normal', username: 'taiga-bot' },
    });
    await check(200, '/auth/refresh', 'post', '/auth/refresh', {
      headers: json,
      body: { refresh: (login.body as { refresh: string }).refresh },
    });
    await check(401, '/auth/refresh', 'post', '/auth/refresh', { headers: json, body: { refresh: 'nope' } });
    await check(200, '/users/me', 'get', '/users/me', { headers: bot });
    await check(401, '/users/me', 'get', '/users/me', { headers: { Authorization: 'Bearer expired' } });
    await check(200, '/projects/{id}', 'get', `/projects/${seed.project.id}`, { headers: bot });
    await check(404, '/projects/{id}', 'get', '/projects/999', { headers: bot });
    await check(200, '/projects/by_slug', 'get', `/projects/by_slug?slug=${seed.project.slug}`, {
      headers: bot,
    });
    await check(200, '/task-statuses', 'get', `/task-statuses?project=${seed.project.id}`, { headers: bot });
    await check(200, '/userstory-statuses', 'get', `/userstory-statuses?project=${seed.project.id}`, {
      headers: bot,
    });

    await check(200, '/tasks', 'get', `/tasks?project=${seed.project.id}&user_story=${storyId}`, {
      headers: bot,
    });
    await check(404, '/tasks', 'get', `/tasks?project=${seed.project.id}&page=9`, { headers: bot });
    const created = await check(201, '/tasks', 'post', '/tasks', {
      headers: bot,
      body: { project: seed.project.id, user_story: storyId, subject: 'A new task' },
    });
    await check(400, '/tasks', 'post', '/tasks', { headers: bot, body: { project: seed.project.id } });
    await check(
      200,
      '/tasks/by_ref',
      'get',
      `/tasks/by_ref?ref=${seed.tasks[1]!.ref}&project=${seed.project.id}`,
      {
        headers: bot,
      },
    );
    await check(200, '/tasks/{id}', 'get', `/tasks/${taskId}`, { headers: bot });
    await check(401, '/tasks/{id}', 'get', `/tasks/${taskId}`);
    await check(404, '/tasks/{id}', 'get', '/tasks/99999', { headers: bot });
    await check(200, '/tasks/{id}', 'patch', `/tasks/${taskId}`, {
      headers: bot,
      body: { status: seed.statuses.task[1]!.id, comment: 'started', version: 1 },
    });
    await check(400, '/tasks/{id}', 'patch', `/tasks/${taskId}`, {
      headers: bot,
      body: { status: seed.statuses.task[2]!.id, version: 1 },
    });
    expect(created.status).toBe(201);

    await check(200, '/userstories', 'get', `/userstories?project=${seed.project.id}`, { headers: bot });
    await check(201, '/userstories', 'post', '/userstories', {
      headers: bot,
      body: { project: seed.project.id, subject: 'Another story' },
    });
    await check(
      200,
      '/userstories/by_ref',
      'get',
      `/userstories/by_ref?ref=${seed.story.ref}&project=${seed.project.id}`,
      {
        headers: bot,
      },
    );
    await check(200, '/userstories/{id}', 'get', `/userstories/${storyId}`, { headers: bot });
    await check(200, '/userstories/{id}', 'patch', `/userstories/${storyId}`, {
      headers: bot,
      body: { assigned_users: [seed.users.bot.id], version: 1 },
    });

    const issue = await sandbox.actAs('admin').createIssue({ project: seed.project.id, subject: 'A bug' });
    await check(200, '/issues/{id}', 'get', `/issues/${issue.id}`, { headers: bot });
    await check(200, '/issues/{id}', 'patch', `/issues/${issue.id}`, {
      headers: bot,
      body: { subject: 'A bad bug', version: 1 },
    });

    const project = seed.project.id;
    await check(200, '/issues', 'get', `/issues?project=${project}&modified_date__gte=2020-01-01T00:00:00Z`, {
      headers: bot,
    });
    await check(200, '/issue-statuses', 'get', `/issue-statuses?project=${project}`, { headers: bot });
    await check(200, '/issue-types', 'get', `/issue-types?project=${project}`, { headers: bot });
    await check(200, '/priorities', 'get', `/priorities?project=${project}`, { headers: bot });
    await check(200, '/severities', 'get', `/severities?project=${project}`, { headers: bot });
    await check(200, '/history/issue/{id}', 'get', `/history/issue/${issue.id}`, { headers: bot });
    await check(404, '/history/issue/{id}', 'get', '/history/issue/9999', { headers: bot });
    const page = await check(201, '/wiki', 'post', '/wiki', {
      headers: bot,
      body: { project, slug: 'tundra-report', content: '# Report' },
    });
    await check(400, '/wiki', 'post', '/wiki', { headers: bot, body: { project, slug: 'tundra-report' } });
    await check(200, '/wiki', 'get', `/wiki?project=${project}&slug=tundra-report`, { headers: bot });
    await check(200, '/wiki/by_slug', 'get', `/wiki/by_slug?project=${project}&slug=tundra-report`, {
      headers: bot,
    });
    await check(404, '/wiki/by_slug', 'get', `/wiki/by_slug?project=${project}&slug=nope`, { headers: bot });
    const pageId = (page.body as { id: number }).id;
    await check(200, '/wiki/{id}', 'get', `/wiki/${pageId}`, { headers: bot });
    await check(200, '/wiki/{id}', 'patch', `/wiki/${pageId}`, {
      headers: bot,
      body: { content: '# Report, again', version: 1 },
    });
    await check(400, '/wiki/{id}', 'patch', `/wiki/${pageId}`, {
      headers: bot,
      body: { content: 'stale', version: 1 },
    });
    await check(201, '/wiki-links', 'post', '/wiki-links', {
      headers: bot,
      body: { project, title: 'Tundra report' },
    });
    await check(200, '/wiki-links', 'get', `/wiki-links?project=${project}`, { headers: bot });

    const history = await check(200, '/history/task/{id}', 'get', `/history/task/${taskId}`, {
      headers: bot,
    });
    await check(200, '/history/userstory/{id}', 'get', `/history/userstory/${storyId}`, { headers: bot });
    const comment = (history.body as { id: string; comment: string }[]).find((entry) => entry.comment !== '');
    await check(
      200,
      '/history/{type}/{id}/edit_comment',
      'post',
      `/history/task/${taskId}/edit_comment?id=${comment?.id}`,
      {
        headers: bot,
        body: { comment: 'started, really' },
      },
    );

    await check(
      200,
      '/history/{type}/{id}/delete_comment',
      'post',
      `/history/task/${taskId}/delete_comment?id=${comment?.id}`,
      { headers: bot },
    );
    await check(
      400,
      '/history/{type}/{id}/delete_comment',
      'post',
      `/history/task/${taskId}/delete_comment?id=${comment?.id}`,
      { headers: bot },
    );
    await check(200, '/history/task/{id}', 'get', `/history/task/${taskId}?type=comment`, { headers: bot });

    const memberships = await check(200, '/memberships', 'get', `/memberships?project=${project}`, {
      headers: bot,
    });
    await check(200, '/memberships', 'get', `/memberships?project=${project}`, { headers: admin });
    const membershipId = (memberships.body as { id: number }[])[0]!.id;
    await check(200, '/memberships/{id}', 'get', `/memberships/${membershipId}`, { headers: bot });
    await check(404, '/memberships/{id}', 'get', '/memberships/9999', { headers: bot });
    await check(401, '/memberships/{id}', 'get', `/memberships/${membershipId}`);
    const roles = await check(200, '/roles', 'get', `/roles?project=${project}`, { headers: bot });
    await check(200, '/roles/{id}', 'get', `/roles/${(roles.body as { id: number }[])[0]!.id}`, {
      headers: bot,
    });
    await check(404, '/roles/{id}', 'get', '/roles/9999', { headers: bot });

    await check(200, '/webhooks', 'get', `/webhooks?project=${seed.project.id}`, { headers: admin });
    await check(200, '/webhooks/{id}', 'get', `/webhooks/${seed.webhook!.id}`, { headers: admin });
    await check(403, '/webhooks/{id}', 'get', `/webhooks/${seed.webhook!.id}`, { headers: bot });
    await check(200, '/webhooks/{id}', 'patch', `/webhooks/${seed.webhook!.id}`, {
      headers: admin,
      body: { name: 'Tundra (renamed)' },
    });
    await check(400, '/webhooks/{id}', 'patch', `/webhooks/${seed.webhook!.id}`, {
      headers: admin,
      body: { url: 'not a url' },
    });
    await check(403, '/webhooks/{id}', 'patch', `/webhooks/${seed.webhook!.id}`, {
      headers: bot,
      body: { name: 'mine now' },
    });
    await check(403, '/webhooks', 'post', '/webhooks', {
      headers: bot,
      body: { project: seed.project.id, name: 'bot hook', url: receiver.url, key: 'k' },
    });
    const webhook = await check(201, '/webhooks', 'post', '/webhooks', {
      headers: admin,
      body: { project: seed.project.id, name: 'second', url: receiver.url, key: 'another' },
    });
    await check(200, '/webhooks/{id}/test', 'post', `/webhooks/${(webhook.body as { id: number }).id}/test`, {
      headers: admin,
    });
    const logs = await check(200, '/webhooklogs', 'get', `/webhooklogs?webhook=${seed.webhook!.id}`, {
      headers: admin,
    });
    await check(
      200,
      '/webhooklogs/{id}/resend',
      'post',
      `/webhooklogs/${(logs.body as { id: number }[])[0]!.id}/resend`,
      {
        headers: admin,
      },
    );

    sandbox.injectFaults({ status: 429, count: 1, retryAfterSeconds: 1 });
    await check(429, '/users/me', 'get', '/users/me', { headers: bot });
    sandbox.injectFaults({ status: 500, count: 1 });
    await check(500, '/users/me', 'get', '/users/me', { headers: bot });

    expect(problems).toEqual([]);
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => methods.includes(method))
        .map((method) => `${method} ${path}`),
    );
    expect(documented.filter((operation) => !exercised.has(operation))).toEqual([]);
  });
});
