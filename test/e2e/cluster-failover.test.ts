import { execFileSync } from 'node:child_process';
import { QueueName } from '@tundra/core';
import {
  type AppProcess,
  type RedisClusterNode,
  type RedisClusterProcess,
  spawnApp,
  startRedisCluster,
} from '@tundra/testkit';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startSystem, type TundraSystem } from './support/system.js';
import { assignToBot, createStory } from './support/taiga-board.js';

// A primary of the Redis Cluster dies (SIGKILL) while runs are in flight; the Cluster promotes its replica by itself.
// The apps must carry every run to its end exactly once, and lose no webhook they acknowledged. This file starts a
// Cluster of its own (three primaries, one replica each), so that its kills disturb no other test file.

/** `cluster-node-timeout`: a dead primary is failed over about this long after it stops answering. */
const nodeTimeoutMs = 1_000;

let cluster: RedisClusterProcess;
let system: TundraSystem;
/** The operator API, which the e2e system does not start: its answers during a failover are measured. */
let api: { proc: AppProcess; url: string };

beforeAll(async () => {
  cluster = await startRedisCluster(3, { replicas: 1, nodeTimeoutMs });
  // The system's Redis fixture (`createTestRedis`) and every app it starts reach the Cluster this variable names.
  // Set in this file's own worker, it points them at this Cluster instead of the one `pnpm test:cluster` shares.
  process.env.TUNDRA_REDIS_CLUSTER_NODES = cluster.nodes.join(',');
  await startOnCluster();
}, 180_000);
// A killed node comes back as a replica of the primary that took its slots: the next test starts from a whole
// Cluster, whose every primary has a replica to promote.
afterEach(async () => {
  for (const member of cluster.members) await member.start();
  await cluster.waitUntilHealthy();
});
afterAll(async () => {
  await api?.proc.stop('SIGTERM');
  await system?.stop();
  await cluster?.stop();
});

/** The e2e system and the API, on the Cluster. */
async function startOnCluster(): Promise<void> {
  // A webhook waits 1 s for Redis before it is answered 503 (5 s by default): shorter than a failover here, so that
  // some deliveries are refused and sent again, as well as some acknowledged late. The job locks (5 s) and step
  // leases (4 s) stay at their defaults, which outlast this failover: no job is handed on, no step starts again.
  system = await startSystem({ TUNDRA_INGEST_REDIS_WAIT_MS: '1000' });
  const proc = spawnApp('apps/api/src/main.ts', {
    ...system.env,
    TUNDRA_API_PORT: '0',
    TUNDRA_API_HOST: '127.0.0.1',
  });
  const listening = await proc.waitForLine((line) => typeof line.port === 'number');
  await proc.waitForLine((line) => line.msg === 'api is ready');
  api = { proc, url: `http://127.0.0.1:${listening.port as number}` };
}

/** A project id whose hash tag puts the project's (and its runs') keys on `primary`, or off it with `avoid`. */
async function projectOn(primary: RedisClusterNode, name: string, avoid = false): Promise<string> {
  for (let n = 0; n < 1000; n++) {
    const id = `${name}-${n}`;
    const owner = await cluster.primaryFor(system.store.keys.projectEvents(id));
    if ((owner.port === primary.port) !== avoid) return id;
  }
  throw new Error(`no project id puts its keys ${avoid ? 'off' : 'on'} 127.0.0.1:${primary.port}`);
}

/** Creates a story with tasks and assigns it to the bot (Taiga's webhooks go out from inside these requests). */
async function startStory(
  projectId: string,
  taigaProjectId: number,
  botId: number,
  subject: string,
  tasks: string[],
) {
  const story = await createStory(system.sandbox, taigaProjectId, subject, tasks);
  await assignToBot(system.sandbox, story.id, botId);
  return { projectId, story, tasks };
}
type StartedStory = Awaited<ReturnType<typeof startStory>>;

/**
 * Waits for the story's run to complete, then checks it happened once: every step completed with exactly one commit,
 * one end of execution and one QA verdict, and no entity's version appears twice in the run's stream (no transition
 * written twice). A step the failover interrupted starts again (`interrupted`, then `step_started`): counted.
 */
async function expectCompletedOnce({ projectId, story, tasks }: StartedStory): Promise<number> {
  const runId = await system.runForStory(projectId, story.id);
  await system.waitForRunEvent(runId, 'protocol_run.steps_completed');
  const run = await system.store.runs.getRun(runId);
  const steps = await system.store.runs.listSteps(runId);
  expect(steps.map((step) => [step.title, step.status])).toEqual(tasks.map((task) => [task, 'completed']));
  const subjects = execFileSync('git', ['log', '--format=%s', run!.branch!], {
    cwd: system.origin,
    encoding: 'utf8',
  })
    .trim()
    .split('\n');
  for (const task of tasks) {
    expect(subjects.filter((subject) => subject === `TG-${story.ref}: ${task}`)).toHaveLength(1);
  }
  const events = await system.store.events.readRun(runId, { count: 10_000 });
  const versions = events.map((event) => `${event.entityId}@${event.version}`);
  expect(new Set(versions).size).toBe(versions.length);
  let interrupted = 0;
  for (const step of steps) {
    const types = events.filter((event) => event.entityId === step.id).map((event) => event.type);
    interrupted += types.filter((type) => type === 'step_run.interrupted').length;
    expect(
      types.filter((type) => type !== 'step_run.interrupted' && type !== 'step_run.step_started'),
    ).toEqual(['step_run.execution_finished', 'step_run.qa_passed']);
  }
  return interrupted;
}

/** The longest time between two consecutive events of the project's stream: how long its runs stood still. */
async function longestPause(projectId: string): Promise<number> {
  const events = await system.store.events.readProject(projectId, { count: 10_000 });
  const times = events.map((event) => Number(event.id.split('-')[0]));
  return Math.max(0, ...times.slice(1).map((time, i) => time - times[i]!));
}

/** What the apps warned about or failed on since their line counts in `from`: each message once, with a count. */
function warningsSince(from: Record<string, number>): string[] {
  const seen = new Map<string, number>();
  for (const [name, app] of Object.entries(system.apps)) {
    for (const line of app.lines.slice(from[name] ?? 0)) {
      if (Number(line.level) < 40) continue;
      const err = line.err as { message?: string } | undefined;
      const key = `${name}: ${String(line.msg)}${err?.message ? ` (${err.message.slice(0, 120)})` : ''}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
  }
  return [...seen].map(([key, count]) => `${count}× ${key}`);
}

function lineCounts(): Record<string, number> {
  return Object.fromEntries(Object.entries(system.apps).map(([name, app]) => [name, app.lines.length]));
}

/** Printed when a test fails: the apps' logs, and where each queue's jobs stand (a stalled worker leaves them waiting). */
async function describeFailure(): Promise<void> {
  const counts = await Promise.all(
    Object.values(QueueName).map(async (name) => {
      const queue = new Queue(name, { connection: system.redis.client, prefix: system.redis.queuePrefix });
      try {
        return `${name} ${JSON.stringify(await queue.getJobCounts('waiting', 'active', 'delayed', 'failed'))}`;
      } finally {
        await queue.close();
      }
    }),
  );
  console.error([system.describeLogs(), '--- queues', ...counts].join('\n'));
}

/** A key of BullMQ's `{jobs}` slot, where every queue lives. */
function jobsKey(): string {
  return `${system.redis.queuePrefix}:${QueueName.Execute}:wait`;
}

/** Kills `victim` and resolves once the Cluster has failed over (with the time that took, in ms). */
async function failOver(victim: RedisClusterNode): Promise<{ failedOver: Promise<number> }> {
  const killedAt = Date.now();
  await victim.kill();
  return { failedOver: cluster.waitUntilHealthy().then(() => Date.now() - killedAt) };
}

/**
 * Asks the API for the project (a read of its slot) every 100 ms until `until` settles and once more after: each
 * answer's status, and when it came (ms since the sampling began). A request unanswered in 5 s counts as status 0.
 */
async function sampleApi(
  projectId: string,
  until: Promise<unknown>,
): Promise<{ status: number; at: number; ms: number }[]> {
  const started = Date.now();
  let settled = false;
  // Settled either way; the caller awaits `until` itself and reports its error.
  void until.then(
    () => (settled = true),
    () => (settled = true),
  );
  const samples: { status: number; at: number; ms: number }[] = [];
  for (let last = false; !last; ) {
    last = settled;
    const sent = Date.now();
    const response = await fetch(`${api.url}/api/v1/projects/${projectId}`, {
      headers: { authorization: `Bearer ${system.env.TUNDRA_API_TOKEN}` },
      signal: AbortSignal.timeout(5_000),
    }).catch(() => null);
    samples.push({ status: response?.status ?? 0, at: Date.now() - started, ms: Date.now() - sent });
    if (!last) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return samples;
}

/** From the sending of the first request answered 503 to the answer of the last, in ms (0 when there was none). */
function unavailableFor(samples: { status: number; at: number; ms: number }[]): number {
  const refused = samples.filter((sample) => sample.status === 503);
  return refused.length === 0 ? 0 : refused.at(-1)!.at - (refused[0]!.at - refused[0]!.ms);
}

describe('a Redis Cluster primary fails over', () => {
  it('of a project slot: its runs complete once, and every webhook it acknowledged is processed', async () => {
    onTestFailed(describeFailure);
    // The project's keys on the same primary as the ingester's inbox (`{ingest}`): the kill hits both the runs in
    // flight and the webhooks Taiga sends meanwhile.
    const inboxPrimary = await cluster.primaryFor(system.store.keys.ingest.inbox());
    const projectId = await projectOn(inboxPrimary, 'failover');
    const { seed } = await system.addProject(projectId);
    const bot = seed.users.bot.id;
    const inFlight = await Promise.all(
      [0, 1, 2].map((n) =>
        startStory(projectId, seed.project.id, bot, `Before ${n}`, ['One', 'Two', 'Three']),
      ),
    );
    const firstRun = await system.runForStory(projectId, inFlight[0]!.story.id);
    await system.waitForRunEvent(firstRun, 'step_run.step_started');

    const jobsToo = (await cluster.primaryFor(jobsKey())).port === inboxPrimary.port;
    const logsFrom = lineCounts();
    const deliveriesFrom = system.sandbox.webhookDeliveries().length;
    const { failedOver } = await failOver(inboxPrimary);
    const apiAnswers = sampleApi(projectId, failedOver);
    let healthy = false;
    // Settled either way: a failover that never completes ends the loop below, and its error is the one reported.
    void failedOver.then(
      () => (healthy = true),
      () => (healthy = true),
    );
    // Taiga keeps sending while the Cluster fails over: each story made and assigned now is three webhooks.
    const duringOutage: StartedStory[] = [];
    const answerTimes: number[] = [];
    while (!healthy) {
      const started = Date.now();
      duringOutage.push(
        await startStory(projectId, seed.project.id, bot, `During ${duringOutage.length}`, ['Only']),
      );
      answerTimes.push(Date.now() - started);
    }
    const failoverMs = await failedOver;
    // The API answers every request: the project, or 503 while its primary is gone; never an error, never a hang.
    const answers = await apiAnswers;
    expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 503)).toEqual([]);

    // Taiga does not send a webhook again; the test does, for each one answered 503, as a sender that honours
    // Retry-After would.
    const deliveries = system.sandbox.webhookDeliveries().slice(deliveriesFrom);
    const statuses = deliveries.map((delivery) => delivery.status);
    expect(statuses.every((status) => status === 503 || (status >= 200 && status < 300))).toBe(true);
    const refused = deliveries.filter((delivery) => delivery.status === 503);
    for (const delivery of refused) {
      const headers = Object.fromEntries(
        Object.entries(delivery.headers).filter(([name]) =>
          /^(x-taiga-webhook-signature|content-type)$/i.test(name),
        ),
      );
      const again = await fetch(delivery.url, { method: 'POST', headers, body: delivery.rawBody });
      expect([200, 202]).toContain(again.status);
    }

    let interrupted = 0;
    for (const story of [...inFlight, ...duringOutage]) interrupted += await expectCompletedOnce(story);
    // The apps' commands wait for the new primary (core's Cluster options): no step starts again.
    expect(interrupted).toBe(0);
    // Every acknowledged delivery's jobs were enqueued: none is left for the inbox's recovery to re-drive.
    expect(await system.redis.client.zcard(system.store.keys.ingest.pending())).toBe(0);

    console.info(
      [
        `failover of the project's and the inbox's primary${jobsToo ? ' (and of {jobs})' : ''}: ${failoverMs} ms ` +
          'to a healthy Cluster',
        `webhooks meanwhile: ${deliveries.length} (${refused.length} answered 503), each story's three took ` +
          `${answerTimes.join(', ')} ms`,
        `the API answered 503 for ${unavailableFor(answers)} ms: ${answers.map((a) => `${a.status} in ${a.ms} ms`).join(', ')}`,
        `the project's runs stood still for at most ${await longestPause(projectId)} ms; ${interrupted} steps ` +
          'were interrupted and started again',
        ...warningsSince(logsFrom),
      ].join('\n'),
    );
  });

  it("of BullMQ's {jobs} slot: the workers resume, and the runs in flight and new ones complete", async () => {
    onTestFailed(describeFailure);
    const jobsPrimary = await cluster.primaryFor(jobsKey());
    // The runs' own keys elsewhere: only the queues go through the failover.
    const projectId = await projectOn(jobsPrimary, 'queues', true);
    const { seed } = await system.addProject(projectId);
    const bot = seed.users.bot.id;
    const inFlight = await Promise.all(
      [0, 1].map((n) => startStory(projectId, seed.project.id, bot, `Queued ${n}`, ['One', 'Two', 'Three'])),
    );
    const firstRun = await system.runForStory(projectId, inFlight[0]!.story.id);
    await system.waitForRunEvent(firstRun, 'step_run.step_started');

    const logsFrom = lineCounts();
    const { failedOver } = await failOver(jobsPrimary);
    const failoverMs = await failedOver;
    const after = await startStory(projectId, seed.project.id, bot, 'After', ['Only']);
    let interrupted = 0;
    for (const story of [...inFlight, after]) interrupted += await expectCompletedOnce(story);
    expect(interrupted).toBe(0);

    console.info(
      [
        `failover of the {jobs} primary: ${failoverMs} ms to a healthy Cluster`,
        `the project's runs stood still for at most ${await longestPause(projectId)} ms; ${interrupted} steps ` +
          'were interrupted and started again',
        ...warningsSince(logsFrom),
      ].join('\n'),
    );
  });
});
