import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { type ProjectSpec, QueueName } from '@tundra/core';
import { createKeys, createStateStore, JobQueues } from '@tundra/core/server';
import { startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  type AppProcess,
  buildProjectSpec,
  createTestRedis,
  freePort,
  rawRequest,
  repoRoot,
  spawnApp,
  type TestRedis,
  waitForJob,
  waitForStreamEntry,
} from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertRules,
  dashboardQueries,
  infra,
  loadDashboards,
  metricsInDoc,
  substituteVariables,
} from './support.js';
import { type ConflictProxy, startConflictProxy } from './taiga-conflict-proxy.js';

/**
 * The real apps, a Taiga sandbox and a real Prometheus scraping them every second. The test drives a small flow
 * (Taiga webhooks, a plan that succeeds and one that fails, an item only the reconciler finds, a rejected
 * webhook, a CI callback, a Taiga outage and a version conflict, API calls), then checks that every dashboard query
 * is valid and returns series, and that every documented metric is exposed.
 */

const botUsername = 'taiga-bot';
const webhookKey = 'live-observability-webhook-key';
const ciToken = 'live-observability-ci-token';
const apiToken = 'live-observability-api-token';
const fixtures = resolve(repoRoot, 'test/observability/fixtures');

interface RunningApp {
  job: string;
  proc: AppProcess;
  port: number;
}

let redis: TestRedis;
let sandbox: TaigaSandbox;
let proxy: ConflictProxy;
let work: string;
const apps: RunningApp[] = [];
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;

async function startApp(job: string, entry: string, env: Record<string, string>, listening: string) {
  const proc = spawnApp(entry, {
    ...redis.env,
    TUNDRA_REDIS_PREFIX: redis.prefix,
    TUNDRA_OPS_HOST: '127.0.0.1',
    NODE_ENV: 'test',
    ...env,
  });
  const app = { job, proc, port: 0 };
  apps.push(app);
  const line = await proc.waitForLine((l) => l.msg === listening, 60_000);
  app.port = line.port as number;
  return app;
}

function app(job: string): RunningApp {
  const found = apps.find((a) => a.job === job);
  if (!found) throw new Error(`${job} is not running`);
  return found;
}

/** A git repository with one commit on main, for the executor's worktrees. */
function makeRepository(dir: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '--quiet', '--initial-branch=main');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--allow-empty', '-m', 'start');
  return dir;
}

async function startPrometheus(): Promise<void> {
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [join(infra, 'prometheus/rules/*.yml')],
    scrape_configs: apps.map((a) => ({
      job_name: a.job,
      static_configs: [{ targets: [`127.0.0.1:${a.port}`] }],
    })),
  };
  // JSON is YAML: Prometheus reads it as its config file.
  const configFile = join(work, 'prometheus.yml');
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(work, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const log: string[] = [];
  const ready = new Promise<void>((resolveReady, reject) => {
    prometheus!.once('error', reject);
    prometheus!.once('exit', (code) =>
      reject(new Error(`prometheus exited with ${code}:\n${log.join('\n')}`)),
    );
    createInterface({ input: prometheus!.stderr! }).on('line', (line) => {
      log.push(line);
      if (line.includes('Server is ready to receive web requests.')) resolveReady();
    });
  });
  await ready;
}

async function promApi<T>(path: string): Promise<{ status: string; data: T; error?: string }> {
  const response = await fetch(`${prometheusUrl}${path}`);
  return (await response.json()) as { status: string; data: T; error?: string };
}

/** Polls Prometheus (an external system) until `check` holds, at its scrape interval; the deadline bounds a hang. */
async function pollPrometheus<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  deadline = Date.now() + 30_000,
): Promise<T> {
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) return value;
    await new Promise((wake) => setTimeout(wake, 1_000));
  }
}

/** An event of a project's runs. */
const projectEvent = (projectId: string, predicate: (type: string, to: string | null) => boolean) =>
  waitForStreamEntry(
    redis.client,
    createKeys(redis.prefix).projectEvents(projectId),
    (fields) =>
      predicate(JSON.parse(fields.type ?? '""') as string, JSON.parse(fields.to ?? 'null') as string | null),
    120_000,
  );

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tundra-observability-'));
  redis = await createTestRedis();
  sandbox = await startTaigaSandbox();
  proxy = await startConflictProxy({
    target: sandbox.url,
    editFirst: async (kind, id, body) => {
      const admin = sandbox.actAs('admin');
      await (kind === 'tasks' ? admin.patchTask(id, body) : admin.patchUserStory(id, body));
    },
  });

  const ingester = await startApp(
    'tundra-ingester',
    'apps/ingester/src/main.ts',
    {
      TUNDRA_INGESTER_PORT: '0',
      TUNDRA_INGESTER_HOST: '127.0.0.1',
      TUNDRA_TAIGA_BOT_USERNAME: botUsername,
      TUNDRA_WEBHOOK_KEY_DEMO: webhookKey,
      TUNDRA_CI_TOKEN: ciToken,
    },
    'ingester listening',
  );
  const demo = await sandbox.seedDemo({
    webhookUrl: `http://127.0.0.1:${ingester.port}/webhooks/taiga/demo`,
    webhookKey,
  });
  const quiet = await sandbox.seedDemo({ projectSlug: 'quiet-demo' });
  expect(demo.users.bot.username).toBe(botUsername);

  const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
  const repository = makeRepository(mkdtempSync(join(work, 'repo-')));
  const engines: Partial<ProjectSpec> = {
    planEngine: { kind: 'command', command: [process.execPath, join(fixtures, 'plan-engine.mjs')] },
    execEngine: { kind: 'command', command: [process.execPath, join(fixtures, 'exec-engine.mjs')] },
    repository: { url: repository, baseBranch: 'main', pushRemote: null },
  };
  // Budgets: demo has a daily limit it never nears (the day gauges); quiet's step limit is below what its one step
  // costs, so the executor stops that engine (budget_exceeded) and the step's retry is blocked before it starts.
  for (const [id, seed, secretRef, budgets] of [
    ['demo', demo, 'TUNDRA_WEBHOOK_KEY_DEMO', { maxCostUsdPerDay: 100 }],
    ['quiet', quiet, 'TUNDRA_WEBHOOK_KEY_QUIET', { maxCostUsdPerStep: 0.01 }],
  ] as const) {
    const saved = await store.projects.put(
      buildProjectSpec({
        id,
        name: id,
        taiga: { projectId: seed.project.id, projectSlug: seed.project.slug, webhookSecretRef: secretRef },
        ...engines,
        budgets,
        // Reports to a folder; a New column limited to 0 makes the exception report fire.
        reports: {
          timeZone: 'UTC',
          destinations: { directory: { path: id } },
          schedules: [{ name: 'alerts', report: 'exceptions', cron: '0 9 * * 1' }],
          rules: [{ kind: 'wip-over-limit', limits: { new: 0 } }],
        },
      }),
      0,
    );
    expect(saved.kind).toBe('saved');
  }

  const taiga = {
    TUNDRA_TAIGA_USERNAME: demo.users.bot.username,
    TUNDRA_TAIGA_PASSWORD: demo.users.bot.password,
  };
  const workspaces = join(work, 'workspaces');
  await Promise.all([
    startApp(
      'tundra-planner',
      'apps/planner/src/main.ts',
      {
        ...taiga,
        TUNDRA_TAIGA_URL: proxy.url,
        // One attempt per call: an injected Taiga error fails the job, which BullMQ retries.
        TUNDRA_TAIGA_RETRY_MAX_ATTEMPTS: '1',
        TUNDRA_PLANNER_PORT: '0',
        TUNDRA_RECONCILE_INTERVAL_MS: '1000',
        TUNDRA_STEP_RETRY_BASE_DELAY_MS: '200',
        // The write-back's "taiga in sync" line (debug) says how many version conflicts it re-read.
        TUNDRA_LOG_LEVEL: 'debug',
      },
      'ops server listening',
    ),
    startApp(
      'tundra-executor',
      'apps/executor/src/main.ts',
      { TUNDRA_EXECUTOR_PORT: '0', TUNDRA_WORKSPACES_DIR: workspaces },
      'ops server listening',
    ),
    startApp(
      'tundra-qa',
      'apps/qa/src/main.ts',
      { TUNDRA_QA_PORT: '0', TUNDRA_WORKSPACES_DIR: workspaces },
      'ops server listening',
    ),
    startApp(
      'tundra-api',
      'apps/api/src/main.ts',
      {
        ...taiga,
        TUNDRA_TAIGA_URL: sandbox.url,
        TUNDRA_API_PORT: '0',
        TUNDRA_API_HOST: '127.0.0.1',
        TUNDRA_API_TOKEN: apiToken,
      },
      'api listening',
    ),
    startApp(
      'tundra-reporter',
      'apps/reporter/src/main.ts',
      {
        ...taiga,
        TUNDRA_TAIGA_URL: sandbox.url,
        TUNDRA_REPORTER_PORT: '0',
        TUNDRA_REPORTS_DIR: join(work, 'reports'),
      },
      'ops server listening',
    ),
  ]);
  await startPrometheus();

  // --- the flow ---
  const admin = sandbox.actAs('admin');
  const bot = demo.users.bot.id;
  // Taiga fails the first read of a task once: the job that made it fails and is retried.
  sandbox.injectFaults({ status: 500, count: 1, method: 'GET', pathPattern: /^\/tasks\/\d+$/ });
  // Taiga sends no webhook for a task outside a user story.
  const story = demo.story.id;
  await admin.createTask({
    project: demo.project.id,
    user_story: story,
    subject: 'Add a health endpoint',
    assigned_to: bot,
  });
  const failing = await admin.createTask({
    project: demo.project.id,
    user_story: story,
    subject: 'Please fail the plan',
    assigned_to: bot,
  });
  await admin.createTask({ project: demo.project.id, user_story: story, subject: 'Not for the bot' });
  await admin.createTask({
    project: quiet.project.id,
    subject: 'Only the reconciler sees this',
    assigned_to: bot,
  });

  const ingest = `http://127.0.0.1:${ingester.port}`;
  const rejected = await fetch(`${ingest}/webhooks/taiga/demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-taiga-webhook-signature': 'forged' },
    body: '{}',
  });
  expect(rejected.status).toBe(401);
  // Bytes that are not HTTP: refused by Node's parser, answered and counted by the HTTP layer.
  expect((await rawRequest(ingest, 'HELLO\r\n\r\n')).status).toBe(400);
  const ci = await fetch(`${ingest}/webhooks/ci`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ciToken}` },
    body: JSON.stringify({ status: 'failure', repository, branch: 'nobody/uses-this', project: 'demo' }),
  });
  expect(ci.status).toBe(202);
  const api = `http://127.0.0.1:${app('tundra-api').port}/api/v1`;
  const projects = await fetch(`${api}/projects`, { headers: { authorization: `Bearer ${apiToken}` } });
  expect(projects.status).toBe(200);
  // A report served by the API, and a scheduled exception report made and delivered by the reporter.
  const report = await fetch(`${api}/projects/demo/reports/flow?format=csv`, {
    headers: { authorization: `Bearer ${apiToken}` },
  });
  expect(report.status).toBe(200);
  // A console sign-in, as its form posts it.
  const signIn = await fetch(`http://127.0.0.1:${app('tundra-api').port}/console/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: apiToken }),
    redirect: 'manual',
  });
  expect(signIn.status).toBe(303);
  const queues = new JobQueues(redis.client, redis.prefix);
  await queues.enqueue(
    'report.run',
    { projectId: 'demo', correlationId: 'live-report', report: 'exceptions', schedule: 'alerts' },
    { jobId: 'live-report' },
  );
  await queues.close();
  const reported = await waitForJob(redis, QueueName.Report, 'live-report');
  expect(await reported.getState()).toBe('completed');

  const planner = app('tundra-planner').proc;
  await Promise.all([
    projectEvent('demo', (type, to) => type.startsWith('protocol_run.') && to === 'running'),
    projectEvent('demo', (type, to) => type.startsWith('protocol_run.') && to === 'failed'),
    planner.waitForLine(
      (l) => l.msg === 'reconciler: starting a run a webhook missed' && l.projectId === 'quiet',
      120_000,
    ),
    planner.waitForLine((l) => l.msg === 'job failed' && l.outcome === 'retried', 120_000),
    // The write-back re-read the item after the proxy's version conflict and wrote it (issue 12's item writer).
    planner.waitForLine((l) => l.msg === 'taiga in sync' && Number(l.conflicts) > 0, 120_000),
    proxy.conflicted,
    // quiet's step spent past its limit: stopped, then its retry blocked before it started.
    projectEvent('quiet', (type, to) => type.startsWith('protocol_run.') && to === 'blocked'),
  ]);

  // People talk to Tundra on the task whose plan failed (its run waits for a `replan`): a member's command, a command
  // by a stakeholder (a member whose role may not modify tasks: the sandbox, like a private Taiga project, takes no
  // comment from a non-member), and a plain comment, which is feedback for the next plan.
  sandbox.addUser({ username: 'sam', password: 'sam12345' });
  sandbox.addMember({ project: demo.project.id, username: 'sam', role: 'stakeholder' });
  const login = await fetch(`${sandbox.url}/api/v1/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'normal', username: 'admin', password: demo.users.admin.password }),
  });
  const { auth_token: adminToken } = (await login.json()) as { auth_token: string };
  const comment = async (user: string, text: string) => {
    const task = await fetch(`${sandbox.url}/api/v1/tasks/${failing.id}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const { version } = (await task.json()) as { version: number };
    await sandbox.actAs(user).patchTask(failing.id as number, { comment: text, version });
  };
  await comment('admin', '/tundra status');
  await comment('sam', '/tundra cancel');
  await comment('admin', 'Plan it in two steps next time.');
  await Promise.all([
    planner.waitForLine((l) => l.msg === 'answered a comment command' && l.command === 'status', 60_000),
    planner.waitForLine(
      (l) => l.msg === 'answered a comment command' && l.command === 'cancel' && l.outcome === 'not_allowed',
      60_000,
    ),
    planner.waitForLine((l) => l.msg === 'a comment kept as feedback for the agent', 60_000),
  ]);
}, 420_000);

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await once(prometheus, 'exit');
  }
  await Promise.all(apps.map((a) => a.proc.stop('SIGTERM')));
  await proxy?.stop();
  await sandbox?.stop();
  await redis?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe('a real Prometheus scraping the running apps', () => {
  it('scrapes every app', async () => {
    const targets = await pollPrometheus(
      () =>
        promApi<{ activeTargets: { labels: { job: string }; health: string; lastError: string }[] }>(
          '/api/v1/targets',
        ),
      (answer) =>
        answer.data.activeTargets.length === apps.length &&
        answer.data.activeTargets.every((t) => t.health === 'up'),
    );
    expect(
      targets.data.activeTargets.map((t) => `${t.labels.job} ${t.health} ${t.lastError}`).sort(),
    ).toEqual(apps.map((a) => `${a.job} up `).sort());
  });

  it('loads the alert rules', async () => {
    const rules = await promApi<{ groups: { rules: { name: string; health: string }[] }[] }>('/api/v1/rules');
    const loaded = rules.data.groups.flatMap((group) => group.rules);
    expect(loaded.map((rule) => rule.name).sort()).toEqual(
      alertRules()
        .map((rule) => rule.alert)
        .sort(),
    );
    expect(loaded.filter((rule) => rule.health === 'err')).toEqual([]);
  });

  /**
   * Metrics this flow does not make yet, each with what would: the forge clients' (packages/forge) and delivery's
   * need a project here that delivers by pull request, on the forge sandbox (test/e2e/pull-request-delivery.test.ts
   * drives them today). Each goes once the flow makes it.
   */
  const notInTheLiveFlow = new Set([
    'tundra_forge_requests_total',
    'tundra_forge_request_duration_seconds',
    'tundra_pull_requests_total',
    'tundra_review_rounds_total',
    'tundra_run_to_pull_request_seconds',
    'tundra_pull_request_to_merge_seconds',
  ]);

  it('answers every dashboard query with at least one series', async () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(30);
    const query = (expr: string) =>
      promApi<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(substituteVariables(expr))}`);
    const problems: string[] = [];
    // One deadline for all: work the flow started (a write-back, a bot webhook) may land a few scrapes later.
    const deadline = Date.now() + 60_000;
    for (const { where, expr } of queries) {
      if ([...notInTheLiveFlow].some((name) => expr.includes(name))) continue;
      const answer = await pollPrometheus(
        () => query(expr),
        (a) => a.status !== 'success' || a.data.result.length > 0,
        deadline,
      );
      if (answer.status !== 'success') problems.push(`${where}: invalid: ${answer.error}\n  ${expr}`);
      else if (answer.data.result.length === 0) problems.push(`${where}: no series\n  ${expr}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('fills every template variable from Prometheus', async () => {
    for (const { dashboard } of loadDashboards()) {
      for (const variable of dashboard.templating.list) {
        const definition =
          typeof variable.query === 'string' ? variable.query : (variable.query?.query ?? '');
        const [, metric, label] = /^label_values\((\w+), (\w+)\)$/.exec(definition) ?? [];
        const values = await promApi<string[]>(`/api/v1/label/${label}/values?match[]=${metric}`);
        expect(values.data.sort(), `${dashboard.title} › $${variable.name}`).toEqual(['demo', 'quiet']);
      }
    }
  });

  it('exposes every documented metric with samples on some app', async () => {
    const pages = await Promise.all(
      apps.map(async (a) => (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text()),
    );
    const exposition = pages.join('\n');
    const missing = [...metricsInDoc()].filter(
      (name) =>
        !notInTheLiveFlow.has(name) &&
        !new RegExp(`^${name}(_bucket|_count|_sum)?(\\{| )`, 'm').test(exposition),
    );
    expect(missing).toEqual([]);
  });
});
