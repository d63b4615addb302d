import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { QueueName } from '@tundra/core';
import { createStateStore, JobQueues, type RunningService } from '@tundra/core/server';
import { type DemoSeed, startTaigaSandbox, type TaigaSandbox } from '@tundra/taiga-sandbox';
import {
  buildProjectSpec,
  createTestRedis,
  type TestRedis,
  waitForJob,
  waitForStreamEntry,
} from '@tundra/testkit';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlanner } from './test-planner.js';

type Line = Record<string, unknown>;

let redis: TestRedis;
let sandbox: TaigaSandbox;
let seed: DemoSeed;
let planner: RunningService;
const lines: Line[] = [];
const waiters = new Set<{ match: (line: Line) => boolean; resolve: (line: Line) => void }>();

/** The planner's log lines, as they come: a comment read with no webhook shows only there and in Taiga. */
const logSink = new Writable({
  write(chunk, _encoding, done) {
    for (const text of String(chunk).split('\n').filter(Boolean)) {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const waiter of waiters) if (waiter.match(line)) waiter.resolve(line);
    }
    done();
  },
});

const logged = (match: (line: Line) => boolean) =>
  new Promise<Line>((resolve) => {
    const seen = lines.find(match);
    if (seen) resolve(seen);
    else waiters.add({ match, resolve });
  });

beforeAll(async () => {
  redis = await createTestRedis();
  // No webhook: the seeded project sends none, as Taiga sends none for a task outside a story.
  sandbox = await startTaigaSandbox();
  seed = await sandbox.seedDemo();
  planner = await startTestPlanner({
    redis,
    taigaUrl: sandbox.url,
    bot: seed.users.bot,
    logger: pino({ level: 'info' }, logSink),
  });
});

afterAll(async () => {
  await planner?.stop();
  await sandbox?.stop();
  await redis?.stop();
});

describe('the reconciler reads comments no webhook brought', () => {
  it("answers a command on a running run's story on its next pass", async () => {
    const store = createStateStore({ redis: redis.client, prefix: redis.prefix });
    const spec = buildProjectSpec({
      id: `p-${randomUUID().slice(0, 8)}`,
      taiga: { projectId: seed.project.id, projectSlug: seed.project.slug, webhookSecretRef: 'UNUSED' },
    });
    await store.projects.put(spec, 0);
    const queues = new JobQueues(redis.client, redis.prefix);
    const started = waitForStreamEntry(
      redis.client,
      store.keys.projectEvents(spec.id),
      (fields) => fields.type === JSON.stringify('protocol_run.run_started'),
    );
    await queues.enqueue('run.start', {
      projectId: spec.id,
      correlationId: 'corr-reconcile-comments',
      taigaItem: { type: 'userstory', id: seed.story.id, ref: seed.story.ref },
      sourceEventId: null,
    });
    const runId = JSON.parse((await started).fields.entityId!) as string;

    const login = await fetch(`${sandbox.url}/api/v1/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'normal', username: 'admin', password: seed.users.admin.password }),
    });
    const { auth_token: token } = (await login.json()) as { auth_token: string };
    const story = await fetch(`${sandbox.url}/api/v1/userstories/${seed.story.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { version } = (await story.json()) as { version: number };
    await sandbox.actAs('admin').patchUserStory(seed.story.id, { comment: '/tundra status', version });

    await queues.enqueue('reconcile', { projectId: spec.id }, { jobId: 'reconcile-comments-pass' });
    const pass = await waitForJob(redis, QueueName.Reconcile, 'reconcile-comments-pass');
    expect(await pass.getState()).toBe('completed');
    const answered = await logged(
      (line) => line.msg === 'answered a comment command' && line.protocolRunId === runId,
    );
    expect(answered).toMatchObject({ command: 'status', outcome: 'status', replied: true });
    const history = await fetch(`${sandbox.url}/api/v1/history/userstory/${seed.story.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const comments = ((await history.json()) as { comment: string }[]).map((entry) => entry.comment);
    expect(comments.find((text) => text.includes('tundra-reply:'))).toContain('The run is **running**');
    await queues.close();
  });
});
