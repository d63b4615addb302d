import { signTaigaWebhook, verifyTaigaSignature } from '@tundra/taiga/webhook-signature';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pythonJsonDumps } from '../src/index.js';
import {
  type ApiCapture,
  call,
  type Harness,
  type JsonResponse,
  loadCapture,
  type ReceivedWebhook,
  shapeDifferences,
  startHarness,
  type WebhookCapture,
} from './helpers.js';

/**
 * The same assertions against a capture from a real Taiga and against the sandbox's answer to the same request:
 * status, the headers that matter, and the structure of the body. Drift on either side fails here.
 */

let harness: Harness;
let bot: Record<string, string>;
let admin: Record<string, string>;

beforeEach(async () => {
  harness = await startHarness();
  bot = await harness.login('taiga-bot', 'bot12345');
  admin = await harness.login('admin', 'admin123');
});
afterEach(async () => {
  await harness.stop();
});

const comparedHeaders = ['content-type', 'allow', 'content-language', 'www-authenticate', 'x-paginated'];

function expectSameResponse(
  captureName: string,
  actual: JsonResponse,
  options: { exactBody?: boolean } = {},
): void {
  const capture = loadCapture<ApiCapture>(captureName);
  const expectedHeaders = new Headers(capture.response.headers);
  expect(actual.status, captureName).toBe(capture.response.status);
  // Some captures recorded only part of the headers: compare those they hold.
  for (const name of comparedHeaders.filter(
    (header) => expectedHeaders.has(header) || header === 'www-authenticate',
  )) {
    expect(actual.headers.get(name), `${captureName}: ${name}`).toBe(expectedHeaders.get(name));
  }
  for (const name of [
    'x-pagination-count',
    'x-paginated-by',
    'x-pagination-current',
    'taiga-info-order-updated',
  ]) {
    expect(actual.headers.has(name), `${captureName}: has ${name}`).toBe(expectedHeaders.has(name));
  }
  if (options.exactBody) expect(actual.body).toEqual(capture.response.body);
  expect(shapeDifferences(capture.response.body, actual.body), captureName).toEqual([]);
}

describe('the REST API against the captures', () => {
  it('logs in, refreshes and answers /users/me', async () => {
    const login = await call(`${harness.api}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { type: 'normal', username: 'taiga-bot', password: 'bot12345' },
    });
    expectSameResponse('api_auth_login_ok_taiga-bot', login);
    const refresh = await call(`${harness.api}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { refresh: (login.body as { refresh: string }).refresh },
    });
    expectSameResponse('api_auth_refresh_ok', refresh);
    expectSameResponse('api_users_me_ok', await call(`${harness.api}/users/me`, { headers: bot }));
  });

  it('answers a wrong password with 401 invalid_credentials', async () => {
    const response = await call(`${harness.api}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { type: 'normal', username: 'taiga-bot', password: 'not-the-password' },
    });
    expectSameResponse('api_auth_login_401_invalid_credentials', response, { exactBody: true });
  });

  it('answers an unknown token with 401 token_not_valid', async () => {
    const response = await call(`${harness.api}/users/me`, {
      headers: { Authorization: 'Bearer not-a-token' },
    });
    expectSameResponse('api_401_invalid_token', response, { exactBody: true });
  });

  it('serves the project and its statuses', async () => {
    const { seed } = harness;
    expectSameResponse(
      'api_project_by_slug',
      await call(`${harness.api}/projects/by_slug?slug=${seed.project.slug}`, { headers: admin }),
    );
    expectSameResponse(
      'api_task_statuses_list',
      await call(`${harness.api}/task-statuses?project=${seed.project.id}`, { headers: bot }),
    );
    expectSameResponse(
      'api_userstory_statuses_list',
      await call(`${harness.api}/userstory-statuses?project=${seed.project.id}`, { headers: bot }),
    );
  });

  it('serves tasks: list, detail, 404, pagination', async () => {
    const { seed } = harness;
    expectSameResponse(
      'api_task_get',
      await call(`${harness.api}/tasks/${seed.tasks[0]!.id}`, { headers: bot }),
    );
    expectSameResponse(
      'api_tasks_list_default',
      await call(`${harness.api}/tasks?project=${seed.project.id}`, { headers: bot }),
    );
    expectSameResponse(
      'api_404_task_not_found',
      await call(`${harness.api}/tasks/99999999`, { headers: bot }),
      {
        exactBody: true,
      },
    );
    const page = await call(`${harness.api}/tasks?project=${seed.project.id}&page_size=1&page=1`, {
      headers: bot,
    });
    expectSameResponse('api_pagination_tasks_page1_of2', page);
    expectSameResponse(
      'api_pagination_tasks_page_past_end_404',
      await call(`${harness.api}/tasks?project=${seed.project.id}&page_size=1&page=4`, { headers: bot }),
      { exactBody: true },
    );
    expect(page.headers.get('x-pagination-next')).toBe(
      `${harness.sandbox.url}/api/v1/tasks?project=${seed.project.id}&page_size=1&page=2`,
    );
    expect(page.headers.has('x-pagination-prev')).toBe(false);
  });

  it('patches a task: status, comment, stale version', async () => {
    const taskId = harness.seed.tasks[0]!.id;
    const inProgress = harness.seed.statuses.task[1]!.id;
    const status = await call(`${harness.api}/tasks/${taskId}`, {
      method: 'PATCH',
      headers: admin,
      body: { status: inProgress, version: 1 },
    });
    expectSameResponse('api_task_patch_status_ok', status);
    expect(status.body).toMatchObject({ version: 2, status: inProgress });
    expect(status.headers.get('taiga-info-order-updated')).toMatch(new RegExp(`^\\{"${taskId}": \\d+\\}$`));

    const comment = await call(`${harness.api}/tasks/${taskId}`, {
      method: 'PATCH',
      headers: admin,
      body: { comment: 'A real comment from the admin', version: 2 },
    });
    expectSameResponse('api_task_patch_comment_ok', comment);
    expect(comment.body).toMatchObject({
      version: 3,
      total_comments: 1,
      watchers: [harness.seed.users.admin.id],
    });
    expect(comment.headers.get('taiga-info-order-updated')).toBe('{}');

    const stale = await call(`${harness.api}/tasks/${taskId}`, {
      method: 'PATCH',
      headers: admin,
      body: { status: inProgress, version: 1 },
    });
    expectSameResponse('api_task_patch_400_version_conflict_stale_same_field', stale, { exactBody: true });
  });

  it('creates a webhook', async () => {
    const response = await call(`${harness.api}/webhooks`, {
      method: 'POST',
      headers: admin,
      body: {
        project: harness.seed.project.id,
        name: 'local receiver',
        url: harness.receiver.url,
        key: 'secret123',
      },
    });
    expectSameResponse('api_webhook_create', response);
    expect(response.body).toMatchObject({ name: 'local receiver', key: 'secret123', logs_counter: 0 });
  });
});

const webhookHeaderOrder = [
  'host',
  'accept-encoding',
  'x-taiga-webhook-signature',
  'x-hub-signature',
  'content-type',
  'content-length',
  'user-agent',
];

function expectSameWebhook(captureName: string, received: ReceivedWebhook): void {
  const capture = loadCapture<WebhookCapture>(captureName);
  // The capture's own bytes are what Python wrote: the sandbox's serializer must reproduce them exactly.
  expect(pythonJsonDumps(JSON.parse(capture.body)), captureName).toBe(capture.body);

  const names = received.rawHeaders
    .map(([name]) => name.toLowerCase())
    .filter((name) => name !== 'connection');
  expect(names).toEqual(webhookHeaderOrder);
  expect(Object.keys(capture.headers).map((name) => name.toLowerCase())).toEqual(webhookHeaderOrder);
  for (const name of ['accept-encoding', 'content-type', 'user-agent']) {
    expect(received.header(name), name).toBe(
      capture.headers[Object.keys(capture.headers).find((key) => key.toLowerCase() === name)!],
    );
  }
  expect(received.header('content-length')).toBe(String(received.rawBody.length));

  expect(
    verifyTaigaSignature(received.rawBody, 'secret123', received.header('x-taiga-webhook-signature')),
  ).toBe(true);
  expect(received.header('x-hub-signature')).toBe(`sha1=${signTaigaWebhook(received.rawBody, 'secret123')}`);

  const raw = received.rawBody.toString('utf8');
  expect(pythonJsonDumps(JSON.parse(raw))).toBe(raw);
  expect(shapeDifferences(JSON.parse(capture.body), JSON.parse(raw), true), captureName).toEqual([]);
}

describe('webhooks against the captures', () => {
  it('sends task create, status change and comment as Taiga does', async () => {
    const { seed } = harness;
    const created = await call(`${harness.api}/tasks`, {
      method: 'POST',
      headers: admin,
      body: {
        project: seed.project.id,
        user_story: seed.story.id,
        subject: 'Real task',
        description: 'task body',
      },
    });
    expect(created.status).toBe(201);
    const taskId = (created.body as { id: number }).id;
    expectSameWebhook('webhook_task_create', await harness.receiver.next());

    await call(`${harness.api}/tasks/${taskId}`, {
      method: 'PATCH',
      headers: admin,
      body: { status: seed.statuses.task[1]!.id, version: 1 },
    });
    const status = await harness.receiver.next();
    expectSameWebhook('webhook_task_change_status', status);
    expect(JSON.parse(status.rawBody.toString()).change.diff).toEqual({
      status: { from: 'New', to: 'In progress' },
    });

    await call(`${harness.api}/tasks/${taskId}`, {
      method: 'PATCH',
      headers: admin,
      body: { comment: 'A real comment from the admin', version: 2 },
    });
    const comment = await harness.receiver.next();
    expectSameWebhook('webhook_task_change_comment', comment);
    expect(JSON.parse(comment.rawBody.toString()).change).toMatchObject({
      comment: 'A real comment from the admin',
      comment_html: '<p>A real comment from the admin</p>',
      diff: {},
    });
  });

  it('sends a user story change with its diff in Taiga order', async () => {
    const { seed } = harness;
    await call(`${harness.api}/userstories/${seed.story.id}`, {
      method: 'PATCH',
      headers: admin,
      body: { status: seed.statuses.userStory[1]!.id, subject: 'Demo user story (renamed)', version: 1 },
    });
    const received = await harness.receiver.next();
    expectSameWebhook('webhook_userstory_change', received);
    const diff = JSON.parse(received.rawBody.toString()).change.diff;
    expect(Object.keys(diff)).toEqual(['status', 'subject', 'kanban_order']);
    expect(diff.status).toEqual({ from: 'New', to: 'Ready' });
  });

  it('sends the test webhook', async () => {
    const response = await call(`${harness.api}/webhooks/${harness.seed.webhook!.id}/test`, {
      method: 'POST',
      headers: admin,
    });
    expect(response.status).toBe(200);
    expectSameWebhook('webhook_test', await harness.receiver.next());
    expect(response.body).toMatchObject({ status: 200, response_data: '{"content": "ok"}' });
  });
});
