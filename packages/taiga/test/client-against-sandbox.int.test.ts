import { desiredTaskState, resolveStatusMapping, StatusMappingError, statusPatch } from '@tundra/core';
import { startTaigaSandbox } from '@tundra/taiga-sandbox';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTaigaClient,
  type TaigaClientOptions,
  TaigaCredentialsError,
  verifyProjectMapping,
} from '../src/index.js';

type Sandbox = Awaited<ReturnType<typeof startTaigaSandbox>>;

let sandboxes: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.map((sandbox) => sandbox.stop()));
  sandboxes = [];
});

async function setup(
  sandboxOptions?: Parameters<typeof startTaigaSandbox>[0],
  overrides: Partial<TaigaClientOptions> = {},
) {
  const sandbox = await startTaigaSandbox(sandboxOptions);
  sandboxes.push(sandbox);
  const seed = await sandbox.seedDemo();
  const registry = new Registry();
  const client = createTaigaClient({
    baseUrl: sandbox.url,
    username: seed.users.bot.username,
    password: seed.users.bot.password,
    registry,
    timeoutMs: 5_000,
    retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 10, maxTotalMs: 10_000 },
    conflictRetries: 3,
    ...overrides,
  });
  const metric = async (name: string, labels: Record<string, string>) => {
    const values = (await registry.getSingleMetric(name)?.get())?.values ?? [];
    return (
      values.find((value) => Object.entries(labels).every(([k, v]) => value.labels[k] === v))?.value ?? 0
    );
  };
  return { sandbox, seed, client, metric, registry };
}

describe('the client against the Taiga sandbox', () => {
  it('refreshes an expired token and carries on', async () => {
    const { sandbox, seed, client, metric } = await setup();
    const taskId = seed.tasks[0]!.id;
    await expect(client.me()).resolves.toMatchObject({ username: seed.users.bot.username });
    sandbox.expireTokens();
    await expect(client.getTask(taskId)).resolves.toMatchObject({ id: taskId });
    expect(
      await metric('tundra_taiga_requests_total', { endpoint: '/tasks/{id}', outcome: 'unauthorized' }),
    ).toBe(1);
    expect(
      await metric('tundra_taiga_requests_total', { endpoint: '/auth/refresh', outcome: 'success' }),
    ).toBe(1);
  });

  it('reports a wrong bot password as refused credentials', async () => {
    const { client, metric } = await setup(undefined, { password: 'not-the-password' });
    const error = await client.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaigaCredentialsError);
    expect(error).toMatchObject({
      username: 'taiga-bot',
      taigaMessage: 'No active account found with the given credentials',
    });
    expect(await metric('tundra_taiga_requests_total', { endpoint: '/auth', outcome: 'unauthorized' })).toBe(
      1,
    );
  });

  it('resolves a version conflict with a person’s edit by re-reading', async () => {
    let interfere: (() => Promise<void>) | null = null;
    const { sandbox, seed, client, metric } = await setup(undefined, {
      // Between Tundra's read and its PATCH, a person moves the task: the PATCH carries a stale version.
      fetch: async (request) => {
        if (request.method === 'PATCH' && interfere !== null) {
          const act = interfere;
          interfere = null;
          await act();
        }
        return fetch(request);
      },
    });
    const taskId = seed.tasks[0]!.id;
    const [, inProgress, readyForTest] = seed.statuses.task;
    const before = await client.getTask(taskId);
    interfere = async () => {
      await sandbox
        .actAs(seed.users.admin.username)
        .patchTask(taskId, { status: inProgress!.id, version: before.version });
    };
    const seen: number[] = [];
    const outcome = await client.patchTask(taskId, (current) => {
      seen.push(current.version);
      return { status: readyForTest!.id, comment: 'Ready for review' };
    });
    expect(outcome).toMatchObject({ changed: true, attempts: 2 });
    expect(seen).toEqual([before.version, before.version + 1]);
    expect(outcome.item.status).toBe(readyForTest!.id);
    expect(await metric('tundra_taiga_version_conflicts_total', { resource: 'task' })).toBe(1);
  });

  it('survives a burst of 5xx', async () => {
    const { sandbox, seed, client, metric, registry } = await setup();
    const taskId = seed.tasks[1]!.id;
    await client.me();
    sandbox.injectFaults({ status: 503, count: 3, method: 'GET', pathPattern: /\/tasks\/\d+$/ });
    await expect(client.getTask(taskId)).resolves.toMatchObject({ id: taskId });
    expect(
      await metric('tundra_taiga_requests_total', { endpoint: '/tasks/{id}', outcome: 'server_error' }),
    ).toBe(3);
    // Each failed attempt is timed under its outcome, apart from the successful one.
    const timed = (
      await registry.getSingleMetric('tundra_taiga_request_duration_seconds')!.get()
    ).values.filter(
      (value) =>
        (value as { metricName?: string }).metricName === 'tundra_taiga_request_duration_seconds_count' &&
        value.labels.endpoint === '/tasks/{id}',
    );
    expect(Object.fromEntries(timed.map((value) => [value.labels.outcome, value.value]))).toEqual({
      server_error: 3,
      success: 1,
    });
  });

  it('honours Retry-After on a 429', async () => {
    const delays: number[] = [];
    const { sandbox, seed, client } = await setup(undefined, {
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    await client.me();
    sandbox.injectFaults({ status: 429, count: 1, method: 'GET', retryAfterSeconds: 3 });
    await expect(client.getTask(seed.tasks[0]!.id)).resolves.toBeDefined();
    expect(delays).toEqual([3_000]);
  });

  it('reads past one page, following links or disabling pagination', async () => {
    const { seed, client } = await setup({ defaultPageSize: 2 });
    const expected = seed.tasks.map((task) => task.id).sort();
    const followed = await client.listTasks({ project: seed.project.id });
    expect(followed.map((task) => task.id).sort()).toEqual(expected);
    const page1 = await client.listTasksPage({ project: seed.project.id }, 1);
    expect(page1.items).toHaveLength(2);
    expect(page1.page).toMatchObject({ paginated: true, count: 3, current: 1 });
    expect(page1.page.next).not.toBeNull();
    const all = await client.listTasks({ project: seed.project.id }, 'disable');
    expect(all.map((task) => task.id).sort()).toEqual(expected);
  });

  it('writes a blocked state from the mapping, and clears it', async () => {
    const { seed, client } = await setup();
    const mapping = resolveStatusMapping({ preset: 'taiga-default' });
    const statuses = await client.listTaskStatuses(seed.project.id);
    const context = { projectId: 'demo', kind: 'task' } as const;
    const taskId = seed.tasks[2]!.id;
    const blocked = await client.patchTask(taskId, (current) =>
      statusPatch(current, desiredTaskState(mapping, 'blocked', 'CI is red'), statuses, context),
    );
    expect(blocked.item).toMatchObject({ is_blocked: true, blocked_note: 'CI is red' });
    expect(blocked.item.status).toBe(statuses.find((status) => status.slug === 'needs-info')!.id);
    const again = await client.patchTask(taskId, (current) =>
      statusPatch(current, desiredTaskState(mapping, 'blocked', 'CI is red'), statuses, context),
    );
    expect(again).toMatchObject({ changed: false, attempts: 0 });
    const cleared = await client.patchTask(taskId, (current) =>
      statusPatch(current, desiredTaskState(mapping, 'running'), statuses, context),
    );
    expect(cleared.item).toMatchObject({ is_blocked: false, blocked_note: '' });
  });

  it('verifies a project’s status mapping against its live statuses', async () => {
    const { seed, client } = await setup();
    const project = (preset: 'taiga-default' | 'tundra') => ({
      id: 'demo',
      taiga: {
        projectId: seed.project.id,
        projectSlug: seed.project.slug,
        webhookSecretRef: 'TAIGA_DEMO_KEY',
      },
      statusMapping: { preset },
    });
    await expect(verifyProjectMapping(client, project('taiga-default'))).resolves.toBeUndefined();
    const error = await verifyProjectMapping(client, project('tundra')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatusMappingError);
    expect((error as Error).message).toContain("uses slug 'in_progress'");
    expect((error as Error).message).toContain(
      'it has: new, in-progress, ready-for-test, closed, needs-info',
    );
  });
});
