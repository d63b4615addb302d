// `pnpm demo:report`: Tundra's reports on a realistic project, end to end, on this machine. It starts a Redis, a
// Taiga sandbox seeded with 90 days of history (a fixed seed), a Slack-compatible receiver and the reporter; makes
// every report of the project and sends each to Slack, the sandbox's Taiga wiki and a directory; then prints where
// they landed. Options: --now <ISO date> (the end of the seeded history and of the reports: the same data every
// time), --out <dir> (default .tundra/demo-report), --docs (also copy the charts into docs/reports/), --keep (leave
// everything running until Ctrl-C, to look around).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type ProjectSpec, QueueName } from '@tundra/core';
import {
  createLogger,
  createMetricsRegistry,
  createStateStore,
  JobQueues,
  queuePrefix,
  startWorkerApp,
} from '@tundra/core/server';
import { startTaigaSandbox } from '@tundra/taiga-sandbox';
import { startRedisServer, startSlackReceiver } from '@tundra/testkit';
import { Job, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { reporterConfigSchema } from '../../apps/reporter/src/config.js';
import { createReporterHandlers } from '../../apps/reporter/src/reporter-handlers.js';

const { values } = parseArgs({
  options: {
    now: { type: 'string' },
    out: { type: 'string' },
    docs: { type: 'boolean' },
    keep: { type: 'boolean' },
  },
});
const root = resolve(import.meta.dirname, '../..');
const now = values.now ? new Date(values.now) : new Date();
if (Number.isNaN(now.getTime())) throw new Error(`--now is not a date: ${values.now}`);
const out = resolve(values.out ?? join(root, '.tundra/demo-report'));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const redisServer = process.env.REDIS_URL ? null : await startRedisServer();
const redisUrl = process.env.REDIS_URL ?? (redisServer?.url as string);
const prefix = 'tundra-demo-report';
const sandbox = await startTaigaSandbox();
const history = await sandbox.seedHistory({ seed: 17, days: 90, now });
const slackLog = join(out, 'slack.log');
const slack = await startSlackReceiver({ logFile: slackLog });

const redis = new Redis(redisUrl);
for (const key of await redis.keys(`${prefix}:*`)) await redis.unlink(key);
const spec: ProjectSpec = {
  id: 'reports-demo',
  name: 'Reports demo',
  taiga: {
    projectId: history.project.id,
    projectSlug: history.project.slug,
    webhookSecretRef: 'TUNDRA_DEMO_WEBHOOK_SECRET',
  },
  repository: { url: join(root, '.tundra/demo/origin.git'), baseBranch: 'main', pushRemote: null },
  trigger: { onBotAssignment: true, statusSlugs: [] },
  statusMapping: { preset: 'taiga-default' },
  planEngine: { kind: 'taiga-tasks' },
  execEngine: { kind: 'command', command: ['true'] },
  qaPolicy: { kind: 'manual' },
  waitForMerge: false,
  limits: { concurrentRuns: 2, stepTimeoutSeconds: 300, maxAttempts: 3 },
  reports: {
    timeZone: 'Europe/Paris',
    destinations: {
      slack: { webhookUrlRef: 'TUNDRA_SLACK_WEBHOOK_DEMO' },
      taigaWiki: {},
      directory: { path: 'reports-demo' },
    },
    schedules: [
      { name: 'monday-bugs', report: 'bugs', cron: '0 9 * * 1' },
      { name: 'monday-flow', report: 'flow', cron: '0 9 * * 1', periodDays: 42 },
      { name: 'daily-aging', report: 'aging', cron: '0 9 * * 1-5' },
      { name: 'monday-work', report: 'work', cron: '0 9 * * 1' },
      { name: 'hourly-exceptions', report: 'exceptions', cron: '0 * * * *', destinations: ['slack'] },
    ],
    rules: [
      { kind: 'blocked-longer-than', days: 2 },
      { kind: 'wip-over-limit' },
      { kind: 'issue-open-longer-than', severity: 'Critical', days: 1 },
    ],
  },
};
const store = createStateStore({ redis, prefix });
await store.projects.put(spec, 0);

const env = {
  REDIS_URL: redisUrl,
  TUNDRA_REDIS_PREFIX: prefix,
  TUNDRA_TAIGA_URL: sandbox.url,
  TUNDRA_TAIGA_USERNAME: history.users.bot.username,
  TUNDRA_TAIGA_PASSWORD: history.users.bot.password,
  TUNDRA_REPORTS_DIR: out,
  TUNDRA_SLACK_WEBHOOK_DEMO: slack.url,
};
const config = reporterConfigSchema.parse(env);
const reporter = await startWorkerApp({
  app: 'reporter',
  logger: createLogger({ app: 'reporter', level: 'warn', format: 'pretty' }),
  registry: createMetricsRegistry('reporter'),
  redis: { url: redisUrl, clusterNodes: [] },
  prefix,
  opsPort: 0,
  opsHost: '127.0.0.1',
  concurrency: 2,
  createHandlers: (deps) => createReporterHandlers(deps, config, env),
});

// Each schedule, now: the same job its cron would make, for the period ending at --now.
const queues = new JobQueues(redis, prefix);
const eventsConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const events = new QueueEvents(QueueName.Report, {
  connection: eventsConnection,
  prefix: queuePrefix(prefix),
});
await events.waitUntilReady();
const results = [];
for (const schedule of spec.reports?.schedules ?? []) {
  const jobId = `demo-${schedule.name}`;
  await queues.enqueue(
    'report.run',
    {
      projectId: spec.id,
      correlationId: jobId,
      report: schedule.report,
      schedule: schedule.name,
      until: now.toISOString(),
    },
    { jobId },
  );
  const job = await Job.fromId(queues.queue(QueueName.Report), jobId);
  await job?.waitUntilFinished(events, 120_000).catch(() => undefined);
  const done = await Job.fromId(queues.queue(QueueName.Report), jobId);
  results.push({
    schedule: schedule.name,
    state: await done?.getState(),
    result: done?.returnvalue,
    reason: done?.failedReason,
  });
}
await queues.close();
await events.close();
eventsConnection.disconnect();

const login = await fetch(`${sandbox.url}/api/v1/auth`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ type: 'normal', username: 'admin', password: 'admin123' }),
});
const { auth_token: adminToken } = (await login.json()) as { auth_token: string };
const wikiPages = (await (
  await fetch(`${sandbox.url}/api/v1/wiki?project=${history.project.id}`, {
    headers: { authorization: `Bearer ${adminToken}`, 'x-disable-pagination': 'True' },
  })
).json()) as { slug: string; version: number; content: string }[];

console.log(`
Tundra's reports of "${history.project.name}" (Taiga sandbox project ${history.project.slug}: ${history.counts.userstories} stories, ${history.counts.tasks} tasks, ${history.counts.issues} issues, ${history.counts.changes} changes over 90 days to ${now.toISOString()}):
`);
for (const { schedule, state, result, reason } of results) {
  console.log(
    `  ${schedule.padEnd(18)} ${state}${result?.outcome ? ` (${result.outcome})` : ''}${reason ? `: ${reason}` : ''}`,
  );
}
console.log('\nTaiga wiki (the sandbox):');
for (const page of wikiPages) {
  console.log(
    `  ${sandbox.url}/api/v1/wiki/by_slug?project=${history.project.id}&slug=${page.slug}   (version ${page.version}, ${page.content.length} characters)`,
  );
}
console.log('\nFiles (every format; charts as SVG and PNG):');
for (const { result } of results) {
  for (const delivered of result?.delivered ?? []) {
    if (delivered.destination === 'directory')
      console.log(`  ${delivered.location}/report.html   charts: ${delivered.location}/charts/*.png`);
  }
}
console.log(
  `\nSlack-compatible receiver's log (${slack.messages().length} messages, one JSON line each):\n  ${slackLog}`,
);

if (values.docs) {
  const docs = join(root, 'docs/reports');
  mkdirSync(docs, { recursive: true });
  for (const { result } of results) {
    const folder = result?.delivered?.find(
      (d: { destination: string }) => d.destination === 'directory',
    )?.location;
    if (!folder) continue;
    const kind = folder.split('/').at(-2) as string;
    // The sample sits beside its charts in docs/reports/.
    writeFileSync(
      join(docs, `${kind}.md`),
      readFileSync(join(folder, 'report.md'), 'utf8').replaceAll('](charts/', ']('),
    );
    for (const chart of [
      'cumulative-flow',
      'cycle-time',
      'throughput',
      'open-bugs-by-age',
      'issues-per-week',
      'open-by-age',
      'runs-by-outcome',
    ]) {
      try {
        copyFileSync(join(folder, 'charts', `${chart}.png`), join(docs, `${chart}.png`));
      } catch {
        // Not every report draws every chart.
      }
    }
  }
  console.log(`\nCopied the reports' Markdown and charts into ${docs}`);
}

async function stop() {
  await reporter.stop();
  await slack.stop();
  await sandbox.stop();
  await redis.quit();
  await redisServer?.stop();
}
if (values.keep) {
  console.log(`\nStill running (Taiga sandbox at ${sandbox.url}, admin/admin123). Ctrl-C stops everything.`);
  process.once('SIGINT', () => void stop().then(() => process.exit(0)));
} else {
  await stop();
}
