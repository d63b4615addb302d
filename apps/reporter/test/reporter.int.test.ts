import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ProjectSpec, QueueName, type ReportSettings } from '@tundra/core';
import { createStateStore, JobQueues, type RunningService } from '@tundra/core/server';
import { createTaigaClient } from '@tundra/taiga';
import { startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  buildProjectSpec,
  createTestRedis,
  type SlackReceiver,
  startSlackReceiver,
  type TestRedis,
  waitForJob,
} from '@tundra/testkit';
import { Queue, QueueEvents } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestReporter } from './test-reporter.js';

let redis: TestRedis;
let sandbox: TaigaSandbox;
let slack: SlackReceiver;
let reportsDir: string;
let reporters: RunningService[] = [];
let history: Awaited<ReturnType<TaigaSandbox['seedHistory']>>;
let demo: Awaited<ReturnType<TaigaSandbox['seedDemo']>>;

beforeAll(async () => {
  redis = await createTestRedis();
  sandbox = await startTaigaSandbox();
  demo = await sandbox.seedDemo();
  history = await sandbox.seedHistory({ days: 60 });
  slack = await startSlackReceiver();
  reportsDir = mkdtempSync(join(tmpdir(), 'tundra-reports-'));
});
afterEach(async () => {
  await Promise.all(reporters.map((reporter) => reporter.stop()));
  reporters = [];
});
afterAll(async () => {
  await slack.stop();
  await sandbox.stop();
  await redis.stop();
  rmSync(reportsDir, { recursive: true, force: true });
});

const store = () => createStateStore({ redis: redis.client, prefix: redis.prefix });

async function register(id: string, taigaProjectId: number, reports: ReportSettings): Promise<ProjectSpec> {
  const spec = buildProjectSpec({
    id,
    name: id[0]!.toUpperCase() + id.slice(1),
    taiga: { projectId: taigaProjectId, projectSlug: id, webhookSecretRef: 'TUNDRA_DEMO_WEBHOOK_SECRET' },
    reports,
  });
  const saved = await store().projects.put(spec, 0);
  expect(saved.kind).toBe('saved');
  return spec;
}

async function start(): Promise<void> {
  reporters.push(
    await startTestReporter({
      redis,
      taigaUrl: sandbox.url,
      reportsDir,
      env: { TUNDRA_SLACK_WEBHOOK_TEAM: slack.url },
    }),
  );
}

async function runReport(projectId: string, report: string, schedule: string) {
  const queues = new JobQueues(redis.client, redis.prefix);
  const jobId = `${projectId}-${schedule}-${Date.now()}`;
  await queues.enqueue(
    'report.run',
    { projectId, correlationId: jobId, report: report as never, schedule, until: new Date().toISOString() },
    { jobId },
  );
  await queues.close();
  await waitForJob(redis, QueueName.Report, jobId);
  const queue = new Queue(QueueName.Report, { connection: redis.client, prefix: redis.queuePrefix });
  const job = await queue.getJob(jobId);
  await queue.close();
  if (!job) throw new Error(`job ${jobId} is gone`);
  return job;
}

describe('the reporter', () => {
  it('delivers to Slack, the Taiga wiki and a directory; posts exceptions only when a rule fires; one project failing on Taiga does not stop the others', async () => {
    const destinations = {
      slack: { webhookUrlRef: 'TUNDRA_SLACK_WEBHOOK_TEAM' },
      taigaWiki: {},
      directory: { path: 'team', publicUrl: 'http://reports.test/team' },
    };
    const schedules = [
      { name: 'weekly-flow', report: 'flow' as const, cron: '0 9 * * 1' },
      { name: 'alerts', report: 'exceptions' as const, cron: '0 * * * *', destinations: ['slack' as const] },
    ];
    await register('team', history.project.id, {
      timeZone: 'Europe/Paris',
      destinations,
      schedules,
      // Stories always wait in New for a while in the seeded project: a limit of 0 fires.
      rules: [{ kind: 'wip-over-limit', limits: { new: 0 } }],
    });
    await register('quiet', history.project.id, {
      timeZone: 'UTC',
      destinations: { slack: destinations.slack },
      schedules: [{ name: 'alerts', report: 'exceptions', cron: '0 * * * *' }],
      rules: [{ kind: 'blocked-longer-than', days: 365 }],
    });
    // A Taiga project the bot cannot see: every report of this project fails on Taiga's 404.
    await register('broken', 999, {
      timeZone: 'UTC',
      destinations: { slack: destinations.slack },
      schedules,
      rules: [],
    });
    await start();

    const [broken, flow] = await Promise.all([
      runReport('broken', 'flow', 'weekly-flow'),
      runReport('team', 'flow', 'weekly-flow'),
    ]);
    expect(await broken.getState()).toBe('failed');
    expect(broken.failedReason).toMatch(/TAIGA_NOT_FOUND/);
    expect(await flow.getState()).toBe('completed');
    expect(flow.returnvalue.delivered.map((d: { destination: string }) => d.destination)).toEqual([
      'directory',
      'taigaWiki',
      'slack',
    ]);

    // The directory holds every format and each chart as SVG and PNG.
    const folder = flow.returnvalue.delivered[0].location as string;
    for (const file of [
      'report.md',
      'report.html',
      'report.csv',
      'report.json',
      'charts/cumulative-flow.png',
      'charts/cycle-time.svg',
    ]) {
      expect(existsSync(join(folder, file)), file).toBe(true);
    }
    expect(folder.startsWith(join(reportsDir, 'team', 'flow'))).toBe(true);

    // The wiki page holds the report, linked from the sidebar; charts point at the directory's public URL.
    const taiga = createTaigaClient({
      baseUrl: sandbox.url,
      username: 'admin',
      password: 'admin123',
      timeoutMs: 5_000,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxTotalMs: 1_000 },
      conflictRetries: 1,
    });
    const page = await taiga.findWikiPage(history.project.id, 'tundra-report-flow-of-stories');
    expect(page?.content).toMatch(/^# Flow of stories — Team/);
    expect(page?.content).toMatch(
      /!\[Cumulative flow of user stories\]\(http:\/\/reports\.test\/team\/flow\/\d{4}-\d{2}-\d{2}\/charts\/cumulative-flow\.png\)/,
    );
    expect((await taiga.listWikiLinks(history.project.id)).map((link) => link.href)).toContain(
      'tundra-report-flow-of-stories',
    );

    // Slack got Block Kit with the link to the wiki page and the charts as images.
    const [message] = (await slack.waitFor(1)) as { blocks: { type: string; text?: { text: string } }[] }[];
    expect(message!.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Flow of stories — Team' } });
    expect(message!.blocks.filter((block) => block.type === 'image')).toHaveLength(3);
    expect(JSON.stringify(message)).toContain(
      `<http://taiga.test/project/team/wiki/tundra-report-flow-of-stories|Full report>`,
    );

    // Exceptions: posted when a rule fires, saying which and why; nothing when none does.
    const quiet = await runReport('quiet', 'exceptions', 'alerts');
    expect(quiet.returnvalue).toEqual({ outcome: 'nothing_to_post' });
    const alerts = await runReport('team', 'exceptions', 'alerts');
    expect(alerts.returnvalue.delivered).toEqual([{ destination: 'slack', location: 'slack' }]);
    const messages = (await slack.waitFor(2)) as { text: string; blocks: { text?: { text: string } }[] }[];
    expect(messages).toHaveLength(2);
    expect(messages[1]!.text).toBe(
      'Exceptions — Team: a user story status holding more stories than its WIP limit',
    );
    expect(messages[1]!.blocks[3]!.text!.text).toMatch(
      /Rule fired: a user story status holding more stories than its WIP limit\*\nNew holds \d+ stor(y|ies), over its limit of 0\./,
    );

    // Every project's schedules are registered with BullMQ.
    const queue = new Queue(QueueName.Report, { connection: redis.client, prefix: redis.queuePrefix });
    expect((await queue.getJobSchedulers(0, -1)).map((s) => s.key).sort()).toEqual([
      'report:broken:alerts',
      'report:broken:weekly-flow',
      'report:quiet:alerts',
      'report:team:alerts',
      'report:team:weekly-flow',
    ]);
    await queue.close();
    expect(readFileSync(join(folder, 'report.csv'), 'utf8').split('\r\n')[0]).toBe(
      'ref,subject,status,created,started,done,cycle_days,lead_days',
    );
  });

  it('fires a schedule once per period, across restarts and with two reporters', async () => {
    await register('tick', demo.project.id, {
      timeZone: 'UTC',
      destinations: {},
      schedules: [{ name: 'every-2s', report: 'exceptions', cron: '*/2 * * * * *' }],
      rules: [],
    });
    const events = new QueueEvents(QueueName.Report, {
      connection: redis.connect(),
      prefix: redis.queuePrefix,
    });
    await events.waitUntilReady();
    const done: string[] = [];
    const waiters: { count: number; resolve: () => void }[] = [];
    events.on('completed', ({ jobId }) => {
      if (!jobId.startsWith('repeat:report:tick:')) return;
      done.push(jobId);
      for (const waiter of waiters.filter((w) => done.length >= w.count)) waiter.resolve();
    });
    const completed = (count: number) =>
      new Promise<void>((resolve) => (done.length >= count ? resolve() : waiters.push({ count, resolve })));

    await start();
    await completed(2);
    await reporters.pop()!.stop();
    const beforeRestart = done.length;
    // A restart, and a second reporter beside it: both register the same schedule again.
    await start();
    await start();
    await completed(beforeRestart + 3);
    await Promise.all(reporters.splice(0).map((reporter) => reporter.stop()));
    await events.close();

    const queue = new Queue(QueueName.Report, { connection: redis.client, prefix: redis.queuePrefix });
    const jobs = (await queue.getJobs(['completed', 'failed'])).filter((job) =>
      job.id?.startsWith('repeat:report:tick:'),
    );
    await queue.close();
    const firings = jobs.map((job) => Number(job.id!.split(':').at(-1)));
    expect(new Set(firings).size).toBe(firings.length);
    expect(firings.every((millis) => millis % 2000 === 0)).toBe(true);
    expect(jobs.every((job) => job.returnvalue?.outcome === 'nothing_to_post')).toBe(true);
    expect(jobs.length).toBeGreaterThanOrEqual(5);
    expect(new Set(done).size).toBe(done.length);
  });
});
