import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueName } from '@tundra/core';
import { ingesterConfigSchema, startIngester } from '@tundra/ingester';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type ApiHarness, adminToken, startHarness } from '../../../apps/api/test/harness.js';
import { spawnTundra, tundra } from './tundra-process.js';

let h: ApiHarness;
let env: Record<string, string>;
let dir: string;
let ingester: { port: number; stop(): Promise<void> };

beforeAll(async () => {
  h = await startHarness();
  env = { TUNDRA_API_URL: h.url, TUNDRA_API_TOKEN: adminToken };
  dir = await mkdtemp(join(tmpdir(), 'tundra-cli-'));
  ingester = await startIngester({
    config: ingesterConfigSchema.parse({
      ...h.redis.env,
      TUNDRA_REDIS_PREFIX: h.redis.prefix,
      TUNDRA_INGESTER_PORT: '0',
      TUNDRA_INGESTER_HOST: '127.0.0.1',
      TUNDRA_API_TOKEN: adminToken,
      TUNDRA_TAIGA_BOT_USERNAME: 'taiga-bot',
    }),
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
  });
});
afterAll(async () => {
  await ingester.stop();
  await h.stop();
  await rm(dir, { recursive: true, force: true });
});

const demoProject = (id: string, name: string) => ({
  id,
  name,
  taiga: { projectSlug: h.seed.project.slug, webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_DEMO' },
  repository: { url: '/srv/git/demo.git', baseBranch: 'main', pushRemote: null },
  trigger: { onBotAssignment: true, statusSlugs: [] },
  execEngine: { kind: 'command', command: ['claude', '-p'] },
  qaPolicy: { kind: 'manual' },
});

async function projectsFile(name: string, projects: unknown[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, projects.map((p) => stringify(p)).join('---\n'));
  return file;
}

describe('tundra projects', () => {
  it('apply registers, then changes nothing on the same file, then updates what changed', async () => {
    const file = await projectsFile('projects.yaml', [demoProject('cli-a', 'A'), demoProject('cli-b', 'B')]);
    const first = await tundra(['projects', 'apply', '-f', file], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/cli-a\s+created\s+1\s+manual/);
    expect(first.stdout).toContain('2 project(s): 2 created, 0 updated, 0 unchanged, 0 failed');
    const again = await tundra(['projects', 'apply', '-f', file, '--json'], env);
    expect(again.code).toBe(0);
    // The bot is no admin of the Taiga project here: each webhook is left to a person (webhook-cli.test.ts).
    const manual = expect.objectContaining({ state: 'manual' });
    expect(JSON.parse(again.stdout).results).toEqual([
      { id: 'cli-a', result: 'unchanged', version: 1, webhook: manual },
      { id: 'cli-b', result: 'unchanged', version: 1, webhook: manual },
    ]);
    const renamed = join(dir, 'renamed.yaml');
    await writeFile(renamed, stringify({ projects: [demoProject('cli-a', 'A2')] }));
    const third = await tundra(['projects', 'apply', '-f', renamed], env);
    expect(third.stdout).toMatch(/cli-a\s+updated\s+2/);
    expect((await h.store.projects.get('cli-a'))?.name).toBe('A2');
  });

  it('apply reports what Taiga refuses and exits 1', async () => {
    const bad = {
      ...demoProject('cli-bad', 'Bad'),
      trigger: { onBotAssignment: false, statusSlugs: ['nope'] },
    };
    const run = await tundra(['projects', 'apply', '-f', await projectsFile('bad.yaml', [bad])], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/cli-bad\s+failed/);
    expect(run.stderr).toContain("the trigger status 'nope'");
  });

  it('list and show print a table and YAML, or JSON', async () => {
    await h.putProject({ id: 'cli-list' });
    const table = await tundra(['projects', 'list'], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TAIGA PROJECT\s+TRIGGER\s+VERSION$/);
    expect(table.stdout).toMatch(/cli-list\s+Demo project\s+demo \(1\)\s+bot assignment\s+1/);
    const shown = await tundra(['projects', 'show', 'cli-list', '--json'], env);
    expect(JSON.parse(shown.stdout).project).toMatchObject({ id: 'cli-list', version: 1 });
    const yaml = await tundra(['projects', 'show', 'cli-list'], env);
    expect(yaml.stdout).toContain('id: cli-list\n');
  });

  it('budget shows the limits, raises one and keeps the others, and clears one', async () => {
    await h.putProject({ id: 'cli-budget', budgets: { maxCostUsdPerRun: 5, maxCostUsdPerDay: 50 } });
    const shown = await tundra(['projects', 'budget', 'cli-budget'], env);
    expect(shown.stdout.trim()).toBe('maxCostUsdPerRun $5.00, maxCostUsdPerDay $50.00');
    const raised = await tundra(['projects', 'budget', 'cli-budget', '--max-cost-usd-per-run', '10'], env);
    expect(raised.code).toBe(0);
    expect(raised.stdout.trim()).toBe(
      'cli-budget: maxCostUsdPerRun $10.00, maxCostUsdPerDay $50.00 (version 2)',
    );
    const cleared = await tundra(
      ['projects', 'budget', 'cli-budget', '--clear', 'maxCostUsdPerDay', '--json'],
      env,
    );
    expect(JSON.parse(cleared.stdout)).toEqual({ budgets: { maxCostUsdPerRun: 10 } });
    expect((await h.store.projects.get('cli-budget'))?.budgets).toEqual({ maxCostUsdPerRun: 10 });
    const bad = await tundra(['projects', 'budget', 'cli-budget', '--max-cost-usd-per-run', '-1'], env);
    expect(bad.code).not.toBe(0);
  });
});

describe('tundra exit codes', () => {
  it('mean usage (2), auth (5), not found (3)', async () => {
    const usage = await tundra(['runs', 'show'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("missing required argument 'run-id'");
    const noToken = await tundra(['projects', 'list'], { TUNDRA_API_URL: h.url });
    expect(noToken.code).toBe(2);
    const auth = await tundra(['projects', 'list', '--token', 'wrong-token'], env);
    expect(auth.code).toBe(5);
    expect(auth.stderr).toContain('error (UNAUTHORIZED)');
    const missing = await tundra(['projects', 'show', 'nope'], env);
    expect(missing.code).toBe(3);
    const json = await tundra(['runs', 'show', 'run_doesnotexist', '--json'], env);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout).error.code).toBe('NOT_FOUND');
  });
});

describe('tundra run and runs', () => {
  it('start enqueues a run for a Taiga ref', async () => {
    await h.putProject({
      id: 'cli-start',
      taiga: { projectId: h.seed.project.id, projectSlug: h.seed.project.slug, webhookSecretRef: 'X' },
    });
    const start = ['run', 'start', `TG-${h.seed.story.ref}`, '--project', 'cli-start'];
    const run = await tundra([...start, '--idempotency-key', 'cli-start-1'], env);
    expect(run.code).toBe(0);
    const jobId = /job (\S+)\)/.exec(run.stdout)?.[1];
    expect((await h.queues.queue(QueueName.Plan).getJob(jobId!))?.data.taigaItem).toMatchObject({
      type: 'userstory',
      ref: h.seed.story.ref,
    });
    const again = await tundra([...start, '--idempotency-key', 'cli-start-1'], env);
    expect(again.stdout).toContain(`(job ${jobId}) — already done with this idempotency key.`);
    const reused = await tundra([...start, '--idempotency-key', 'cli-start-1', '--reason', 'other'], env);
    expect(reused.code).toBe(1);
    expect(reused.stderr).toContain('error (IDEMPOTENCY_KEY_REUSED): Idempotency-Key cli-start-1 was used');
    expect((await tundra(['run', 'start', 'x42', '--project', 'cli-start'], env)).code).toBe(2);
  });

  it('lists, shows, pauses with a reason, refuses a forbidden action with 4, and shows the events', async () => {
    await h.putProject({ id: 'cli-runs' });
    const { run, steps } = await h.runningRun('cli-runs', 2);
    const list = await tundra(['runs', 'list', '--project', 'cli-runs'], env);
    expect(list.stdout).toMatch(new RegExp(`${run.id}\\s+running\\s+userstory #${run.taigaItem.ref}`));
    const shown = await tundra(['runs', 'show', run.id], env);
    expect(shown.stdout).toContain(`Run ${run.id}  running`);
    expect(shown.stdout).toMatch(new RegExp(`1\\s+${steps[0]!.id}\\s+pending\\s+0\\s+-\\s+-\\s+-\\s+step 0`));
    expect(shown.stdout).toContain('spent     $0.00, 0 tokens in, 0 out');
    const paused = await tundra(['run', 'pause', run.id, '--reason', 'deploy freeze'], env);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain(`${run.id}: paused`);
    const refused = await tundra(['run', 'replan', run.id], env);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('cannot replan a protocol run that is paused; allowed: resume, cancel');
    const events = await tundra(['runs', 'events', run.id], env);
    expect(events.stdout).toMatch(/protocol_run\.paused\s+running → paused\s+operator:admin\s+deploy freeze/);
  });

  it("go approves a planned run's plan and starts it; refused once it runs", async () => {
    await h.putProject({ id: 'cli-go', planApproval: 'required' });
    const { run } = await h.runningRun('cli-go', 1, { approved: false });
    const go = await tundra(['run', 'go', run.id, '--reason', 'plan looks right'], env);
    expect(go.code).toBe(0);
    expect(go.stdout).toContain(`${run.id}: running`);
    const events = await tundra(['runs', 'events', run.id], env);
    expect(events.stdout).toMatch(
      /protocol_run\.run_started\s+planned → running\s+operator:admin\s+plan looks right/,
    );
    const again = await tundra(['run', 'go', run.id], env);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('cannot start a protocol run that is running');
  });

  it('tail follows the events live and stops when the run is cancelled', async () => {
    await h.putProject({ id: 'cli-tail' });
    const { run } = await h.runningRun('cli-tail', 1);
    const tail = spawnTundra(['runs', 'tail', run.id], env);
    await tail.printed('protocol_run.run_started');
    const cancelled = await tundra(['run', 'cancel', run.id, '--reason', 'wrong story'], env);
    expect(cancelled.stdout).toContain(`${run.id}: cancelled`);
    const done = await tail.done;
    expect(done.code).toBe(0);
    const lines = done.stdout.trim().split('\n');
    expect(lines.map((line) => line.split('  ')[1])).toEqual([
      'protocol_run.created',
      'protocol_run.plan_started',
      'protocol_run.plan_stored',
      'protocol_run.plan_ready',
      'protocol_run.run_started',
      'protocol_run.cancelled',
    ]);
    expect(lines.at(-1)).toContain('wrong story');
  });

  it('logs prints a step output, and --follow keeps printing new lines', async () => {
    await h.putProject({ id: 'cli-logs' });
    const { run, steps } = await h.runningRun('cli-logs', 1);
    const key = h.keys.stepLog(run.id, steps[0]!.id);
    const write = (stream: string, line: string) =>
      h.redis.client.xadd(key, '*', 'stream', stream, 'line', line, 'at', new Date().toISOString());
    await write('stdout', 'compiling');
    await write('stderr', 'warning: unused');
    const printed = await tundra(['runs', 'logs', steps[0]!.id], env);
    expect(printed.stdout).toBe('compiling\n[stderr] warning: unused\n');
    const follow = spawnTundra(['runs', 'logs', steps[0]!.id, '--follow', '--json'], env);
    await follow.printed('warning: unused');
    await write('stdout', 'tests passed');
    await follow.printed('tests passed');
    follow.child.kill('SIGINT');
    const done = await follow.done;
    expect(done.code).toBe(0);
    expect(
      done.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).line),
    ).toEqual(['compiling', 'warning: unused', 'tests passed']);
  });
});

describe('tundra step', () => {
  it('approves a step waiting for QA, and exits 4 when the step cannot be retried', async () => {
    await h.putProject({ id: 'cli-step' });
    const { run, steps } = await h.runningRun('cli-step', 1);
    const step = steps[0]!;
    const actor = { kind: 'system', name: 'test' } as const;
    await h.store.runs.transitionStep(run.id, step.id, 'step_started', { actor });
    await h.store.runs.transitionStep(run.id, step.id, 'execution_finished', { actor });
    const retry = await tundra(['step', 'retry', step.id], env);
    expect(retry.code).toBe(4);
    const approved = await tundra(['step', 'approve', step.id, '--reason', 'checked by hand'], env);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`${step.id}: completed`);
  });

  it('rejects a step waiting for QA with the reason as feedback, and wants a reason', async () => {
    await h.putProject({ id: 'cli-reject' });
    const { run, steps } = await h.runningRun('cli-reject', 1);
    const step = steps[0]!;
    const actor = { kind: 'system', name: 'test' } as const;
    await h.store.runs.transitionStep(run.id, step.id, 'step_started', { actor });
    await h.store.runs.transitionStep(run.id, step.id, 'execution_finished', { actor });
    expect((await tundra(['step', 'reject', step.id], env)).code).toBe(2);
    const rejected = await tundra(['step', 'reject', step.id, '--reason', 'say "hello, world"'], env);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(new RegExp(`^${step.id}: (pending|failed)`));
    const remarks = await h.store.conversation.listRemarks(run.id);
    expect(remarks).toContainEqual(expect.objectContaining({ kind: 'reject', text: 'say "hello, world"' }));
  });
});

describe('tundra inbox replay', () => {
  it("calls the ingester's replay endpoint with the admin token", async () => {
    const url = `http://127.0.0.1:${ingester.port}`;
    const empty = await tundra(
      ['inbox', 'replay', '--from', '2020-01-01T00:00:00.000Z', '--ingester-url', url],
      env,
    );
    expect(empty.code).toBe(0);
    expect(empty.stdout).toContain('0 entries replayed');
    const missing = await tundra(['inbox', 'replay', '--delivery', '1-0', '--ingester-url', url], env);
    expect(missing.code).toBe(3);
    // --event is the deprecated name of --delivery: it still asks for the same delivery.
    const old = await tundra(['inbox', 'replay', '--event', '1-0', '--ingester-url', url], env);
    expect(old.code).toBe(3);
    const both = await tundra(
      ['inbox', 'replay', '--delivery', '1-0', '--event', '1-0', '--ingester-url', url],
      env,
    );
    expect(both.code).toBe(2);
    const wrong = await tundra(
      ['inbox', 'replay', '--delivery', '1-0', '--ingester-url', url, '--token', 'x'],
      env,
    );
    expect(wrong.code).toBe(5);
    expect((await tundra(['inbox', 'replay', '--ingester-url', url], env)).code).toBe(2);
  });
});
