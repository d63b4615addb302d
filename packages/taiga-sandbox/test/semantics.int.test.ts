import { afterEach, describe, expect, it } from 'vitest';
import { SandboxRequestError } from '../src/index.js';
import { call, type Harness, startHarness } from './helpers.js';

let harness: Harness;
afterEach(async () => {
  await harness.stop();
});

async function setup(options: Parameters<typeof startHarness>[0] = {}) {
  harness = await startHarness(options);
  return {
    ...harness,
    admin: await harness.login('admin', 'admin123'),
    bot: await harness.login('taiga-bot', 'bot12345'),
  };
}

const patch = (url: string, headers: Record<string, string>, body: unknown) =>
  call(url, { method: 'PATCH', headers, body });

describe('optimistic concurrency', () => {
  it('adds 1 per PATCH, refuses a stale version on a changed field and merges one on other fields', async () => {
    const { api, seed, admin, bot } = await setup();
    const url = `${api}/tasks/${seed.tasks[0]!.id}`;
    const [, inProgress, readyForTest] = seed.statuses.task;
    expect((await patch(url, admin, { status: inProgress!.id, version: 1 })).body).toMatchObject({
      version: 2,
    });
    expect((await patch(url, admin, { comment: 'noted', version: 2 })).body).toMatchObject({ version: 3 });

    const conflict = await patch(url, bot, { status: readyForTest!.id, version: 1 });
    expect(conflict.status).toBe(400);
    expect(conflict.body).toEqual({ version: "The version doesn't match with the current one" });

    const merged = await patch(url, bot, { subject: 'renamed with a stale version', version: 1 });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({
      version: 4,
      subject: 'renamed with a stale version',
      status: inProgress!.id,
    });

    // A comment touches no field: even a stale one goes through.
    expect((await patch(url, bot, { comment: 'late remark', version: 2 })).status).toBe(200);
    expect((await patch(url, bot, { subject: 'x', version: 99 })).body).toEqual({
      version: 'The version parameter is not valid',
    });
    expect((await patch(url, bot, { subject: 'x' })).body).toEqual({
      version: 'The version parameter is not valid',
    });
  });

  it('answers validation errors as {field: [message]}', async () => {
    const { api, seed, bot } = await setup();
    const url = `${api}/tasks/${seed.tasks[0]!.id}`;
    expect((await patch(url, bot, { status: 9999, version: 1 })).body).toEqual({
      status: ["Invalid pk '9999' - object does not exist."],
    });
    expect((await patch(url, bot, { subject: '', version: 1 })).body).toEqual({
      subject: ['This field is required.'],
    });
    const foreign = await patch(url, bot, { status: seed.statuses.userStory[0]!.id, version: 1 });
    expect(foreign.status).toBe(400);
  });
});

describe('pagination', () => {
  it('pages with next/prev links, 404s past the end and stops paginating on x-disable-pagination', async () => {
    const { api, seed, bot, sandbox } = await setup({ defaultPageSize: 2 });
    const base = `${api}/tasks?project=${seed.project.id}`;
    const first = await call(base, { headers: bot });
    expect(first.headers.get('x-paginated-by')).toBe('2');
    expect(first.headers.get('x-pagination-count')).toBe('3');
    expect((first.body as unknown[]).length).toBe(2);
    expect(first.headers.get('x-pagination-next')).toBe(
      `${sandbox.url}/api/v1/tasks?project=${seed.project.id}&page=2`,
    );
    expect(first.headers.has('x-pagination-prev')).toBe(false);

    const second = await call(first.headers.get('x-pagination-next')!, { headers: bot });
    expect((second.body as unknown[]).length).toBe(1);
    expect(second.headers.has('x-pagination-next')).toBe(false);
    expect(second.headers.get('x-pagination-prev')).toBe(
      `${sandbox.url}/api/v1/tasks?project=${seed.project.id}&page=1`,
    );

    const past = await call(`${base}&page=3`, { headers: bot });
    expect(past.status).toBe(404);
    expect(past.body).toEqual({ _error_message: "Page is not 'last', nor can it be converted to an int." });
    for (const page of ['0', '-1', 'two', '1.5']) {
      const refused = await call(`${base}&page=${page}`, { headers: bot });
      expect([refused.status, refused.body], page).toEqual([
        404,
        { _error_message: "Page is not 'last', nor can it be converted to an int." },
      ]);
    }
    const last = await call(`${base}&page=last`, { headers: bot });
    expect([last.status, last.headers.get('x-pagination-current')]).toEqual([200, '2']);

    const all = await call(base, { headers: { ...bot, 'x-disable-pagination': 'True' } });
    expect((all.body as unknown[]).length).toBe(3);
    expect(all.headers.has('x-paginated')).toBe(false);
  });
});

describe('authentication', () => {
  it('expires access tokens and refreshes them', async () => {
    const { api, sandbox } = await setup();
    const login = await call(`${api}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { type: 'normal', username: 'taiga-bot', password: 'bot12345' },
    });
    const { auth_token, refresh } = login.body as { auth_token: string; refresh: string };
    sandbox.expireTokens();
    const expired = await call(`${api}/users/me`, { headers: { Authorization: `Bearer ${auth_token}` } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    expect(expired.body).toMatchObject({ code: 'token_not_valid' });

    const refreshed = await call(`${api}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { refresh },
    });
    expect(refreshed.status).toBe(200);
    const renewed = (refreshed.body as { auth_token: string }).auth_token;
    expect((await call(`${api}/users/me`, { headers: { Authorization: `Bearer ${renewed}` } })).status).toBe(
      200,
    );
    // The refresh token rotated: the old one is used up.
    const reused = await call(`${api}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { refresh },
    });
    expect(reused.status).toBe(401);
  });

  it('lets tokens expire after tokenTtlSeconds', async () => {
    const { api } = await setup({ tokenTtlSeconds: 0 });
    const headers = await harness.login('taiga-bot', 'bot12345');
    expect((await call(`${api}/users/me`, { headers })).status).toBe(401);
  });

  it('treats anonymous callers of a private project as Taiga does', async () => {
    const { api, seed } = await setup();
    expect((await call(`${api}/tasks?project=${seed.project.id}`)).body).toEqual([]);
    const detail = await call(`${api}/tasks/${seed.tasks[0]!.id}`);
    expect(detail.status).toBe(401);
    expect(detail.body).toEqual({
      _error_message: 'Authentication credentials were not provided.',
      _error_type: 'taiga.base.exceptions.NotAuthenticated',
    });
    const login = await call(`${api}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { type: 'normal', username: 'taiga-bot', password: 'wrong' },
    });
    expect(login.status).toBe(401);
    expect(login.headers.get('www-authenticate')).toBe('Bearer realm="api"');
    const unknownType = await call(`${api}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: { type: 'github', username: 'taiga-bot', password: 'bot12345' },
    });
    expect([unknownType.status, unknownType.body]).toEqual([
      400,
      { _error_message: 'invalid login type', _error_type: 'taiga.base.exceptions.BadRequest' },
    ]);
  });
});

describe('fault injection', () => {
  it('answers the next matching requests with the fault, then recovers', async () => {
    const { api, seed, bot, sandbox } = await setup();
    sandbox.injectFaults({
      status: 429,
      count: 2,
      method: 'GET',
      pathPattern: /^\/tasks\/\d+$/,
      retryAfterSeconds: 3,
    });
    const url = `${api}/tasks/${seed.tasks[0]!.id}`;
    const throttled = await call(url, { headers: bot });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect(throttled.headers.get('x-throttle-wait-seconds')).toBe('3');
    expect((await call(`${api}/users/me`, { headers: bot })).status).toBe(200);
    expect((await call(url, { headers: bot })).status).toBe(429);
    expect((await call(url, { headers: bot })).status).toBe(200);

    sandbox.injectFaults({ status: 503, count: 1 });
    const unavailable = await call(url, { headers: bot });
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('webhooks', () => {
  it('carries the acting user in `by` and sends nothing for a task outside a story', async () => {
    const { seed, sandbox, receiver } = await setup();
    await sandbox.actAs('taiga-bot').patchTask(seed.tasks[0]!.id, { comment: 'from the bot', version: 1 });
    const fromBot = JSON.parse((await receiver.next()).rawBody.toString());
    expect(fromBot.by).toMatchObject({ id: seed.users.bot.id, username: 'taiga-bot' });

    const orphan = await sandbox.actAs('admin').createTask({ project: seed.project.id, subject: 'no story' });
    expect(orphan).toMatchObject({ user_story: null, version: 1 });
    await sandbox.actAs('admin').patchTask(orphan.id as number, { subject: 'still no story', version: 1 });
    // The next delivery is the story change below, not anything about the orphan task.
    await sandbox.actAs('admin').patchUserStory(seed.story.id, { subject: 'changed', version: 1 });
    const next = JSON.parse((await receiver.next()).rawBody.toString());
    expect(next).toMatchObject({ action: 'change', type: 'userstory', by: { username: 'admin' } });
    expect(sandbox.webhookDeliveries().map((delivery) => delivery.type)).toEqual(['task', 'userstory']);

    await expect(
      sandbox.actAs('admin').patchTask(seed.tasks[0]!.id, { subject: 'x', version: 7 }),
    ).rejects.toBeInstanceOf(SandboxRequestError);
  });

  it('keeps the last 10 logs per webhook, with failures, and resends one', async () => {
    const { api, seed, admin, receiver } = await setup();
    const webhookId = seed.webhook!.id;
    receiver.setStatus(500);
    for (let version = 1; version <= 12; version += 1) {
      await patch(`${api}/tasks/${seed.tasks[1]!.id}`, admin, { comment: `comment ${version}`, version });
      await receiver.next();
    }
    const logs = await call(`${api}/webhooklogs?webhook=${webhookId}`, { headers: admin });
    const bodies = logs.body as {
      id: number;
      status: number;
      request_data: { change: { comment: string } };
    }[];
    expect(bodies).toHaveLength(10);
    expect(bodies[0]).toMatchObject({ status: 500, request_data: { change: { comment: 'comment 12' } } });

    receiver.setStatus(200);
    const resent = await call(`${api}/webhooklogs/${bodies[0]!.id}/resend`, {
      method: 'POST',
      headers: admin,
    });
    expect(resent.body).toMatchObject({ status: 200, request_data: { change: { comment: 'comment 12' } } });
    expect(JSON.parse((await receiver.next()).rawBody.toString()).change.comment).toBe('comment 12');
  });

  it('edits a comment and sends the edit as a change', async () => {
    const { api, seed, admin, receiver } = await setup();
    const taskId = seed.tasks[2]!.id;
    await patch(`${api}/tasks/${taskId}`, admin, { comment: 'first words', version: 1 });
    await receiver.next();
    const history = await call(`${api}/history/task/${taskId}`, { headers: admin });
    const [latest] = history.body as { id: string; comment: string }[];
    expect(latest!.comment).toBe('first words');
    const edited = await call(`${api}/history/task/${taskId}/edit_comment?id=${latest!.id}`, {
      method: 'POST',
      headers: admin,
      body: { comment: 'better words' },
    });
    expect(edited.status).toBe(200);
    const change = JSON.parse((await receiver.next()).rawBody.toString()).change;
    expect(change).toMatchObject({ comment: 'better words', comment_versions: [{ comment: 'first words' }] });
    expect(change.edit_comment_date).toEqual(expect.any(String));
  });
});
