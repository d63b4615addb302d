import { createMetricsRegistry, createStateStore } from '@tundra/core/server';
import { createTaigaClient } from '@tundra/taiga';
import { startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReports } from './create-reports.js';

let redis: TestRedis;
let sandbox: TaigaSandbox;
beforeAll(async () => {
  redis = await createTestRedis();
  sandbox = await startTaigaSandbox();
});
afterAll(async () => {
  await sandbox.stop();
  await redis.stop();
});

describe('the report cache of Taiga', () => {
  it('reads only what changed since the last report, and drops deleted items on a full listing', async () => {
    const history = await sandbox.seedHistory({ days: 90 });
    const registry = createMetricsRegistry('test');
    let now = new Date();
    const taiga = createTaigaClient({
      baseUrl: sandbox.url,
      username: 'taiga-bot',
      password: 'bot12345',
      timeoutMs: 5_000,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1_000 },
      conflictRetries: 1,
      registry,
    });
    const { service } = createReports({
      redis: redis.client,
      prefix: redis.prefix,
      store: createStateStore({ redis: redis.client, prefix: redis.prefix }),
      taiga,
      registry,
      logger: pino({ level: 'silent' }),
      now: () => now,
      fullSyncEveryMs: 7 * 86_400_000,
    });
    const project = {
      id: 'team',
      name: 'Team',
      taiga: { projectId: history.project.id, projectSlug: history.project.slug },
    } as Parameters<typeof service.build>[0];
    const reads = async (read: string, sync: string) =>
      (await registry.getSingleMetric('tundra_report_taiga_reads_total')?.get())?.values.find(
        (value) => value.labels.read === read && value.labels.sync === sync,
      )?.value ?? 0;
    const historyRequests = async () =>
      ((await registry.getSingleMetric('tundra_taiga_requests_total')?.get())?.values ?? [])
        .filter((value) => String(value.labels.endpoint).startsWith('/history/'))
        .reduce((sum, value) => sum + value.value, 0);
    const itemCount = history.counts.userstories + history.counts.tasks + history.counts.issues;

    // The first report reads everything once.
    const first = await service.build(project, 'aging');
    expect(await reads('history', 'full')).toBe(itemCount);
    expect(await historyRequests()).toBe(itemCount);

    // A day later, one story moved: the next report reads that story's history alone.
    now = new Date(now.getTime() + 86_400_000);
    const admin = sandbox.actAs('admin');
    const story = (await taiga.listUserStories({ project: history.project.id })).find(
      (s) => !s.is_closed && !s.is_blocked,
    )!;
    await admin.patchUserStory(story.id, {
      is_blocked: true,
      blocked_note: 'waiting',
      version: story.version,
    });
    const second = await service.build(project, 'aging');
    expect(await historyRequests()).toBe(itemCount + 1);
    expect(await reads('history', 'incremental')).toBe(1);
    const blocked = (report: typeof first) =>
      report.tables.find((table) => table.name === 'blocked')!.rows.map((row) => row.item);
    expect(blocked(second)).toContain(`US #${story.ref}`);
    expect(blocked(first)).not.toContain(`US #${story.ref}`);

    // A week on, a full listing finds the issue deleted in Taiga without reading unchanged histories again.
    const issue = (await taiga.listIssues({ project: history.project.id }))[0]!;
    await sandbox.actAs('admin').patchIssue(issue.id, { subject: 'renamed', version: issue.version });
    const deleted = (await taiga.listTasks({ project: history.project.id }))[0]!;
    await admin.deleteTask(deleted.id);
    now = new Date(now.getTime() + 7 * 86_400_000);
    const third = await service.build(project, 'aging');
    expect(await historyRequests()).toBe(itemCount + 2);
    const openTasks = third.tables
      .find((table) => table.name === 'open_items')!
      .rows.filter((row) => row.kind === 'task');
    expect(openTasks.map((row) => row.ref)).not.toContain(deleted.ref);
  });
});
