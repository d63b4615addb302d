import { freePort } from '@tundra/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTaigaClient,
  TaigaAuthError,
  type TaigaClientOptions,
  TaigaConflictError,
  TaigaCredentialsError,
  TaigaNotFoundError,
  TaigaUnavailableError,
  TaigaValidationError,
} from '../src/index.js';
import { loadApiCapture } from './fixtures/index.js';
import { type Reply, replyFrom, type Script, startReplayServer } from './replay-server.js';

const login = replyFrom('api_auth_login_ok_taiga-bot');
const taskV1 = replyFrom('api_task_get');
const taskV2 = replyFrom('api_task_patch_status_ok');
const conflict = replyFrom('api_task_patch_400_version_conflict_stale_same_field');
const notFound = replyFrom('api_404_task_not_found');
const fault = (status: number, headers: Record<string, string> = {}): Reply => ({
  status,
  headers,
  body: { _error_message: 'fault' },
});

let stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.map((stop) => stop()));
  stops = [];
});

async function setup(script: Script, overrides: Partial<TaigaClientOptions> = {}) {
  const server = await startReplayServer({ 'POST /auth': [login], ...script });
  stops.push(server.stop);
  const registry = new Registry();
  const delays: number[] = [];
  const client = createTaigaClient({
    baseUrl: server.url,
    username: 'taiga-bot',
    password: 'bot12345',
    registry,
    timeoutMs: 2_000,
    retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 10_000 },
    conflictRetries: 2,
    // Retries wait through this hook: the test records the delays instead of sleeping them.
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...overrides,
  });
  const metric = async (name: string, labels: Record<string, string>) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    const match = values.find((value) => Object.entries(labels).every(([k, v]) => value.labels[k] === v));
    return match?.value ?? 0;
  };
  return { server, client, delays, metric };
}

describe('the client against replayed captures', () => {
  it('logs in with type normal and sends the bearer token', async () => {
    const { server, client } = await setup({ 'GET /users/me': [replyFrom('api_users_me_ok')] });
    const me = await client.me();
    expect(me).toMatchObject({ id: 6, username: 'taiga-bot' });
    expect(server.requests('POST', '/auth')[0]?.body).toEqual({
      type: 'normal',
      username: 'taiga-bot',
      password: 'bot12345',
    });
    expect(server.requests('GET', '/users/me')[0]?.headers.authorization).toBe('Bearer <redacted-jwt>');
  });

  it('shares one login between concurrent calls', async () => {
    const { server, client } = await setup({ 'GET /users/me': [replyFrom('api_users_me_ok')] });
    await Promise.all([client.me(), client.me(), client.me(), client.me()]);
    expect(server.requests('POST', '/auth')).toHaveLength(1);
  });

  it('reads a task field for field', async () => {
    const { client } = await setup({ 'GET /tasks/1': [taskV1] });
    const task = await client.getTask(1);
    expect(task).toMatchObject({
      id: 1,
      ref: 2,
      project: 1,
      user_story: 1,
      status: 1,
      status_extra_info: { name: 'New', is_closed: false },
      subject: 'Real task 035336',
      description: 'task body',
      version: 1,
      is_blocked: false,
      blocked_note: '',
      assigned_to: null,
      owner: 5,
      us_order: 1795406018551,
    });
  });

  it('reads the project and its statuses without pagination', async () => {
    const { server, client } = await setup({
      'GET /projects/by_slug': [replyFrom('api_project_by_slug')],
      'GET /task-statuses': [replyFrom('api_task_statuses_list')],
      'GET /userstory-statuses': [replyFrom('api_userstory_statuses_list')],
    });
    const project = await client.getProjectBySlug('admin-real-taiga-scrum-035336');
    expect(project.task_statuses.map((status) => status.slug)).toContain('needs-info');
    const tasks = await client.listTaskStatuses(1);
    const stories = await client.listUserStoryStatuses(1);
    expect(tasks.map((status) => status.slug)).toEqual([
      'new',
      'in-progress',
      'ready-for-test',
      'closed',
      'needs-info',
    ]);
    expect(stories.find((status) => status.slug === 'archived')).toMatchObject({
      is_closed: true,
      is_archived: true,
    });
    expect(server.requests('GET', '/task-statuses')[0]).toMatchObject({ url: '/task-statuses?project=1' });
    expect(server.requests('GET', '/task-statuses')[0]?.headers['x-disable-pagination']).toBe('True');
  });

  it("follows x-pagination-next, asking its own base URL for the link's query", async () => {
    // The captured link points at the Taiga that was recorded (port 8800), not at this server.
    const page2 = replyFrom('api_tasks_list_default', (capture) => {
      (capture.response.body as { id: number; ref: number }[])[0]!.id = 2;
    });
    const { server, client } = await setup({
      'GET /tasks': [replyFrom('api_pagination_tasks_page1_of2'), page2],
    });
    const tasks = await client.listTasks({ project: 1 });
    expect(tasks.map((task) => task.id)).toEqual([1, 2]);
    expect(server.requests('GET', '/tasks').map((request) => request.url)).toEqual([
      '/tasks?project=1',
      '/tasks?project=1&page_size=1&page=2',
    ]);
  });

  it('reads one page with its pagination headers', async () => {
    const { client } = await setup({ 'GET /tasks': [replyFrom('api_pagination_tasks_page1_of2')] });
    const { items, page } = await client.listTasksPage({ project: 1 }, 1, 1);
    expect(items).toHaveLength(1);
    expect(page).toEqual({
      paginated: true,
      count: 2,
      pageSize: 1,
      current: 1,
      next: 'http://127.0.0.1:8800/api/v1/tasks?project=1&page_size=1&page=2',
      prev: null,
    });
  });

  it('maps 404 to TaigaNotFoundError with Taiga’s message', async () => {
    const { client } = await setup({ 'GET /tasks/99999999': [notFound] });
    const error = await client.getTask(99999999).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaigaNotFoundError);
    expect((error as Error).message).toContain('No Task matches the given query.');
    expect((error as TaigaNotFoundError).site).toEqual({ endpoint: '/tasks/{id}', method: 'GET' });
  });

  it('refreshes an expired token once and repeats the call', async () => {
    const { server, client } = await setup({
      'GET /users/me': [
        replyFrom('api_users_me_ok'),
        replyFrom('api_401_invalid_token'),
        replyFrom('api_users_me_ok'),
      ],
      'POST /auth/refresh': [replyFrom('api_auth_refresh_ok')],
    });
    await client.me();
    await expect(client.me()).resolves.toMatchObject({ username: 'taiga-bot' });
    expect(server.requests('POST', '/auth/refresh')[0]?.body).toEqual({ refresh: '<redacted-jwt>' });
    expect(server.requests('POST', '/auth')).toHaveLength(1);
  });

  it('logs in again when the refresh token is refused, and gives up on a second 401', async () => {
    const unauthorized = replyFrom('api_401_invalid_token');
    const { server, client } = await setup({
      'GET /users/me': [unauthorized],
      'POST /auth/refresh': [unauthorized],
    });
    // First call: no refresh token yet is impossible (login gave one), so: 401 → refresh 401 → login → 401 → error.
    await expect(client.me()).rejects.toBeInstanceOf(TaigaAuthError);
    expect(server.requests('POST', '/auth')).toHaveLength(2);
    expect(server.requests('GET', '/users/me')).toHaveLength(2);
  });

  it('reports refused credentials once, naming the user and Taiga’s words, and does not retry them', async () => {
    const { server, client, delays } = await setup({
      'POST /auth': [replyFrom('api_auth_login_401_invalid_credentials')],
      'GET /users/me': [replyFrom('api_users_me_ok')],
    });
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaigaCredentialsError);
    expect(error).toMatchObject({
      code: 'TAIGA_CREDENTIALS',
      retryable: false,
      username: 'taiga-bot',
      taigaMessage: 'No active account found with the given credentials',
    });
    expect((error as Error).message).toContain("bot user 'taiga-bot'");
    expect((error as Error).message).toContain('TUNDRA_TAIGA_PASSWORD');
    // Later calls get the same answer without asking Taiga again: failed logins count towards its throttle.
    await expect(client.getTask(1)).rejects.toBe(error);
    expect(server.requests('POST', '/auth')).toHaveLength(1);
    expect(server.requests('GET', '/users/me')).toHaveLength(0);
    expect(delays).toEqual([]);
  });

  it('reads an older Taiga’s 400 to a wrong password as refused credentials too', async () => {
    const refused = {
      status: 400,
      body: {
        _error_message: 'Username or password does not matches user.',
        _error_type: 'taiga.base.exceptions.WrongArguments',
      },
    };
    const { client } = await setup({ 'POST /auth': [refused] });
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaigaCredentialsError);
    expect((error as TaigaCredentialsError).taigaMessage).toBe('Username or password does not matches user.');
  });

  it('resolves a version conflict by re-reading and recomputing', async () => {
    const { server, client, metric } = await setup({
      'GET /tasks/1': [taskV1, taskV2],
      'PATCH /tasks/1': [conflict],
    });
    // Someone moved the task to status 2 meanwhile; recomputed from the fresh read, nothing is left to do.
    const outcome = await client.patchTask(1, (current) => (current.status === 2 ? null : { status: 2 }));
    expect(outcome).toMatchObject({ changed: false, attempts: 1, item: { version: 2, status: 2 } });
    expect(server.requests('PATCH', '/tasks/1')[0]?.body).toEqual({ status: 2, version: 1 });
    expect(await metric('tundra_taiga_version_conflicts_total', { resource: 'task' })).toBe(1);
  });

  it('sends the re-applied patch with the fresh version', async () => {
    const { server, client } = await setup({
      'GET /tasks/1': [taskV1, taskV2],
      'PATCH /tasks/1': [conflict, replyFrom('api_task_patch_comment_ok')],
    });
    const outcome = await client.patchTask(1, () => ({ subject: 'renamed' }));
    expect(outcome).toMatchObject({ changed: true, attempts: 2, item: { version: 3 } });
    expect(server.requests('PATCH', '/tasks/1').map((request) => request.body)).toEqual([
      { subject: 'renamed', version: 1 },
      { subject: 'renamed', version: 2 },
    ]);
  });

  it('throws TaigaConflictError once the re-reads are spent', async () => {
    const { server, client } = await setup({ 'GET /tasks/1': [taskV1], 'PATCH /tasks/1': [conflict] });
    const error = await client.patchTask(1, () => ({ status: 2 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaigaConflictError);
    expect((error as TaigaConflictError).retryable).toBe(true);
    expect(server.requests('PATCH', '/tasks/1')).toHaveLength(3);
  });

  it('posts a comment as a versioned PATCH', async () => {
    const { server, client } = await setup({
      'GET /tasks/1': [taskV2],
      'PATCH /tasks/1': [replyFrom('api_task_patch_comment_ok')],
    });
    const task = await client.commentOnTask(1, 'A real comment from the admin');
    expect(task.total_comments).toBe(1);
    expect(server.requests('PATCH', '/tasks/1')[0]?.body).toEqual({
      comment: 'A real comment from the admin',
      version: 2,
    });
  });

  it('maps a field error to TaigaValidationError', async () => {
    const { client } = await setup({
      'POST /tasks': [{ status: 400, body: { subject: ['This field is required.'] } }],
    });
    const error = await client.createTask({ project: 1, subject: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaigaValidationError);
    expect((error as TaigaValidationError).fieldErrors).toEqual({ subject: ['This field is required.'] });
  });

  it('survives a burst of 5xx on a read and counts each attempt by endpoint template', async () => {
    const { client, metric, delays } = await setup({ 'GET /tasks/1': [fault(502), fault(503), taskV1] });
    await expect(client.getTask(1)).resolves.toMatchObject({ id: 1 });
    expect(delays).toHaveLength(2);
    expect(
      await metric('tundra_taiga_requests_total', { endpoint: '/tasks/{id}', outcome: 'server_error' }),
    ).toBe(2);
    expect(await metric('tundra_taiga_requests_total', { endpoint: '/tasks/{id}', outcome: 'success' })).toBe(
      1,
    );
    expect(await metric('tundra_taiga_requests_total', { endpoint: '/tasks/1', outcome: 'success' })).toBe(0);
  });

  it('waits at least what Retry-After asks on a 429', async () => {
    const { client, delays } = await setup({ 'GET /tasks/1': [fault(429, { 'Retry-After': '2' }), taskV1] });
    await client.getTask(1);
    expect(delays).toEqual([2000]);
  });

  it('gives up with TaigaUnavailableError when the attempts are spent', async () => {
    const { server, client } = await setup({ 'GET /tasks/1': [fault(500)] });
    const error = await client.getTask(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaigaUnavailableError);
    expect(error).toMatchObject({ attempts: 4, retryable: true, mayHaveBeenApplied: false });
    expect(server.requests('GET', '/tasks/1')).toHaveLength(4);
  });

  it('gives up early when Retry-After exceeds the time budget', async () => {
    const { server, client } = await setup(
      { 'GET /tasks/1': [fault(429, { 'Retry-After': '60' })] },
      { retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxTotalMs: 1_000 } },
    );
    await expect(client.getTask(1)).rejects.toMatchObject({ retryAfterMs: 60_000, attempts: 1 });
    expect(server.requests('GET', '/tasks/1')).toHaveLength(1);
  });

  it('does not repeat a create after a 500: Taiga may have saved it', async () => {
    const { server, client } = await setup({ 'POST /tasks': [fault(500)] });
    const error = await client.createTask({ project: 1, subject: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TAIGA_UNAVAILABLE', mayHaveBeenApplied: true });
    expect(server.requests('POST', '/tasks')).toHaveLength(1);
  });

  it('repeats a create after 503 and 429, which Taiga did not act on', async () => {
    const created = { ...replyFrom('api_task_get'), status: 201 };
    const { server, client } = await setup({ 'POST /tasks': [fault(503), fault(429), created] });
    await expect(client.createTask({ project: 1, subject: 'x' })).resolves.toMatchObject({ id: 1 });
    expect(server.requests('POST', '/tasks')).toHaveLength(3);
  });

  it('does not repeat a comment after a 502, but repeats a status PATCH', async () => {
    const { server, client } = await setup({
      'GET /tasks/1': [taskV1],
      'PATCH /tasks/1': [fault(502), taskV2, fault(502)],
    });
    await expect(client.patchTask(1, () => ({ status: 2 }))).resolves.toMatchObject({ changed: true });
    expect(server.requests('PATCH', '/tasks/1')).toHaveLength(2);
    await expect(client.commentOnTask(1, 'hi')).rejects.toMatchObject({ mayHaveBeenApplied: true });
    expect(server.requests('PATCH', '/tasks/1')).toHaveLength(3);
  });

  it('times out a request that gets no answer and retries it', async () => {
    const { server, client, metric } = await setup(
      { 'GET /tasks/1': [{ status: 0, hang: true }, taskV1] },
      { timeoutMs: 200 },
    );
    await expect(client.getTask(1)).resolves.toMatchObject({ id: 1 });
    expect(server.requests('GET', '/tasks/1')).toHaveLength(2);
    expect(await metric('tundra_taiga_requests_total', { endpoint: '/tasks/{id}', outcome: 'timeout' })).toBe(
      1,
    );
  });

  it('gives up on a refused connection after retrying, and says it never reached Taiga', async () => {
    const offline = createTaigaClient({
      baseUrl: `http://127.0.0.1:${await freePort()}`,
      username: 'taiga-bot',
      password: 'x',
      timeoutMs: 1_000,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 5_000 },
      conflictRetries: 0,
      sleep: async () => {},
    });
    const error = await offline.createTask({ project: 1, subject: 'x' }).catch((e: unknown) => e);
    // The login fails first: retried to the limit, it surfaces the outage with its cause.
    expect(error).toMatchObject({ code: 'TAIGA_UNAVAILABLE', attempts: 3, mayHaveBeenApplied: false });
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('reads history, edits a comment and handles webhooks', async () => {
    const entry = {
      id: 'a1b2c3',
      user: { pk: 5, username: 'admin', name: 'Taiga Admin', photo: null, is_active: true },
      created_at: '2026-11-23T03:53:39.121Z',
      type: 1,
      key: 'tasks.task:1',
      diff: {},
      values_diff: {},
      comment: 'A real comment from the admin',
      comment_html: '<p>A real comment from the admin</p>',
      is_hidden: false,
    };
    const webhook = replyFrom('api_webhook_create');
    const log = {
      id: 9,
      webhook: 1,
      url: 'http://127.0.0.1:8899/hook',
      status: 200,
      request_data: { action: 'test' },
      request_headers: {},
      response_data: '',
      response_headers: {},
      duration: 0.01,
      created: '2026-11-23T03:53:38.150Z',
    };
    const { server, client } = await setup({
      'GET /history/task/1': [{ status: 200, body: [entry] }],
      'POST /history/task/1/edit_comment': [{ status: 200 }],
      'POST /webhooks': [webhook],
      'POST /webhooks/1/test': [{ status: 200, body: log }],
      'GET /webhooklogs': [{ status: 200, body: [log] }],
      'POST /webhooklogs/9/resend': [{ status: 200, body: { ...log, id: 10 } }],
    });
    expect((await client.taskHistory(1))[0]?.comment).toBe('A real comment from the admin');
    await client.editComment('task', 1, 'a1b2c3', 'edited');
    expect(server.requests('POST', '/history/task/1/edit_comment')[0]).toMatchObject({
      url: '/history/task/1/edit_comment?id=a1b2c3',
      body: { comment: 'edited' },
    });
    const created = await client.createWebhook(loadApiCapture('api_webhook_create').request.body as never);
    expect(created).toMatchObject({ id: 1, key: 'secret123', logs_counter: 0 });
    expect((await client.testWebhook(1)).status).toBe(200);
    expect(await client.listWebhookLogs(1)).toHaveLength(1);
    expect(server.requests('GET', '/webhooklogs')[0]?.url).toBe('/webhooklogs?webhook=1');
    expect((await client.resendWebhookLog(9)).id).toBe(10);
  });
});

describe("the calling job's context", () => {
  it('sends its correlation id to Taiga and logs retries with its logger', async () => {
    const lines: Record<string, unknown>[] = [];
    const jobLogger = pino(
      { level: 'info' },
      { write: (line: string) => void lines.push(JSON.parse(line)) },
    ).child({
      protocolRunId: 'run_abc12345',
    });
    let context: { correlationId?: string; logger?: typeof jobLogger } | undefined;
    const { server, client } = await setup(
      { 'GET /tasks/1': [fault(503), taskV1] },
      { context: () => context },
    );

    context = { correlationId: 'corr-42', logger: jobLogger };
    await client.getTask(1);
    expect(server.requests('GET', '/tasks/1').map((r) => r.headers['x-correlation-id'])).toEqual([
      'corr-42',
      'corr-42',
    ]);
    expect(lines.find((line) => line.msg === 'Taiga call failed; retrying')).toMatchObject({
      protocolRunId: 'run_abc12345',
    });

    context = undefined;
    await client.getTask(1);
    expect(server.requests('GET', '/tasks/1').at(-1)?.headers['x-correlation-id']).toBeUndefined();
  });
});
