import { createKeys } from '@tundra/core/server';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestService } from '../src/ingest/ingest-service.js';
import { ProjectCache } from '../src/ingest/project-cache.js';
import { recoverPending } from '../src/ingest/recovery.js';
import { createIngestMetrics } from '../src/metrics.js';
import { createAdapters } from '../src/sources/adapters.js';
import { Inbox, loadInboxScripts } from '../src/store/inbox.js';
import { taigaCapture } from './fixtures.js';
import {
  botUserId,
  QueueName,
  secrets,
  startTestIngester,
  type TestIngester,
  taigaHeaders,
  taigaStyleJson,
} from './harness.js';

let ingester: TestIngester;
let clock = Date.parse('2026-01-01T00:00:00Z');
let inbox: Inbox;
const limits = { dedupeTtlSeconds: 60, maxLen: 1000, maxAgeMs: 3_600_000, recoveryGraceMs: 10_000 };
beforeAll(async () => {
  ingester = await startTestIngester();
  inbox = new Inbox(
    ingester.redis.client,
    createKeys(ingester.redis.prefix).ingest,
    loadInboxScripts(),
    limits,
    () => new Date(clock),
  );
});
afterAll(async () => ingester?.stop());

const entry = (body: string) => ({
  source: 'taiga' as const,
  projectKey: 'demo',
  receivedAt: new Date(clock).toISOString(),
  headers: taigaHeaders(body),
  body: Buffer.from(body),
  item: 'task:1',
  replayOf: null,
});

function botTask(id: number) {
  const json = structuredClone(taigaCapture('task_create').body_json) as Record<string, any>;
  json.data.id = id;
  json.data.assigned_to = { id: botUserId, username: 'someone-else' };
  return taigaStyleJson(json);
}

describe('inbox scripts', () => {
  it('accepts once per dedupe key, returns the first id to a duplicate, and records everything on a bypass', async () => {
    const dedupe = { scope: 'taiga:demo', key: 'k1' };
    const first = await inbox.accept(entry('{}'), { dedupe, causesJobs: false });
    const again = await inbox.accept(entry('{}'), { dedupe, causesJobs: false });
    const replay = await inbox.accept(
      { ...entry('{}'), replayOf: first.id },
      { dedupe: null, causesJobs: false },
    );
    expect(first.kind).toBe('accepted');
    expect(again).toEqual({ kind: 'duplicate', id: first.id });
    expect(replay.kind).toBe('accepted');
    expect(replay.id).not.toBe(first.id);
    expect(await inbox.get(replay.id)).toMatchObject({
      replayOf: first.id,
      body: Buffer.from('{}'),
      projectKey: 'demo',
      item: 'task:1',
    });
    expect(
      await ingester.redis.client.ttl(createKeys(ingester.redis.prefix).ingest.dedupe('taiga:demo', 'k1')),
    ).toBeGreaterThan(0);
  });

  it('keeps an entry that causes jobs pending until confirmed, and lets recovery claim it only after the grace', async () => {
    const accepted = await inbox.accept(entry('{"a": 1}'), {
      dedupe: { scope: 's', key: 'k2' },
      causesJobs: true,
    });
    expect(await inbox.claimPending(10)).toEqual([]);
    clock += limits.recoveryGraceMs;
    expect(await inbox.claimPending(10)).toContain(accepted.id);
    // Claimed: pushed a grace further, so a second recoverer does not take it at once.
    expect(await inbox.claimPending(10)).not.toContain(accepted.id);
    await inbox.confirm(accepted.id);
    clock += limits.recoveryGraceMs;
    expect(await inbox.claimPending(10)).not.toContain(accepted.id);
  });
});

describe('recovery', () => {
  it('enqueues the jobs of an entry recorded by an ingester that died before enqueueing, once', async () => {
    const body = botTask(7001);
    // What a crash between the accept script and the enqueue leaves: an inbox entry, pending, no job.
    const accepted = await inbox.accept(
      { ...entry(body), item: 'task:7001' },
      { dedupe: { scope: 'taiga:demo', key: 'crash' }, causesJobs: true },
    );
    const jobId = `run.start-demo-${accepted.id}`;
    expect(await ingester.queues.queue(QueueName.Plan).getJob(jobId)).toBeUndefined();

    clock += limits.recoveryGraceMs;
    const deps = recoveryDeps();
    expect(await recoverPending(deps)).toBe(1);
    const job = await ingester.queues.queue(QueueName.Plan).getJob(jobId);
    expect(job?.data).toMatchObject({ taigaItem: { type: 'task', id: 7001 }, sourceEventId: accepted.id });

    // Re-driven again (a lost confirm): the deterministic job id keeps it one job.
    clock += 2 * limits.recoveryGraceMs;
    await ingester.redis.client.zadd(`${ingester.redis.prefix}:{ingest}:inbox:pending`, 0, accepted.id);
    expect(await recoverPending(deps)).toBe(1);
    const jobs = (await ingester.jobs(QueueName.Plan)).filter((j) => j.data.taigaItem.id === 7001);
    expect(jobs).toHaveLength(1);
  });
});

/** The recovery's collaborators, wired as the ingester wires them but on the test clock. */
function recoveryDeps() {
  const bot = { username: 'taiga-bot', userId: botUserId };
  const service = new IngestService({
    inbox,
    queues: ingester.queues,
    items: ingester.store.items,
    projects: new ProjectCache(ingester.store.projects, 1),
    adapters: createAdapters(
      {
        githubWebhookSecret: secrets.TUNDRA_GITHUB_WEBHOOK_SECRET,
        gitlabWebhookToken: undefined,
        ciToken: undefined,
        taigaWebhookKey: () => 'secret123',
      },
      bot,
    ),
    bot,
    logger: pino({ level: 'silent' }),
  });
  return { inbox, service, metrics: createIngestMetrics(new Registry()), logger: pino({ level: 'silent' }) };
}

describe('POST /admin/inbox/replay', () => {
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${secrets.TUNDRA_API_TOKEN}` };

  it('refuses without the API token', async () => {
    const response = await ingester.post('/admin/inbox/replay', '{}', {
      'content-type': 'application/json',
      authorization: 'Bearer nope',
    });
    expect(response).toMatchObject({ status: 401, json: { error: 'unauthorized' } });
  });

  it('re-drives one delivery by id past de-duplication, as a new recorded delivery with its own job', async () => {
    const body = botTask(8001);
    const original = await ingester.post('/webhooks/taiga/demo', body, taigaHeaders(body));
    expect(original.status).toBe(202);
    const response = await ingester.post(
      '/admin/inbox/replay',
      JSON.stringify({ deliveryId: original.json.deliveryId }),
      auth,
    );
    expect(response.status).toBe(200);
    const [replayed] = response.json.replayed;
    expect(replayed).toMatchObject({
      deliveryId: original.json.deliveryId,
      outcome: 'accepted',
      jobs: [expect.any(String)],
    });
    expect(replayed.replayDeliveryId).not.toBe(original.json.deliveryId);
    expect(replayed.jobs[0]).not.toBe(original.json.jobs[0]);
    const inboxKey = `${ingester.redis.prefix}:{ingest}:inbox`;
    const entries = (await ingester.redis.client.xrange(
      inboxKey,
      replayed.replayDeliveryId,
      replayed.replayDeliveryId,
    )) as [string, string[]][];
    expect(entries[0]?.[1]).toEqual(expect.arrayContaining(['replayOf', original.json.deliveryId]));
    expect(await ingester.registry.getSingleMetricAsString('tundra_inbox_replays_total')).toContain(
      'tundra_inbox_replays_total 1',
    );
  });

  it('still takes and answers the deprecated eventId, the same value as deliveryId', async () => {
    const body = botTask(8002);
    const original = await ingester.post('/webhooks/taiga/demo', body, taigaHeaders(body));
    expect(original.json.eventId).toBe(original.json.deliveryId);
    const response = await ingester.post(
      '/admin/inbox/replay',
      JSON.stringify({ eventId: original.json.deliveryId }),
      auth,
    );
    expect(response.status).toBe(200);
    const [replayed] = response.json.replayed;
    expect(replayed).toMatchObject({
      deliveryId: original.json.deliveryId,
      eventId: original.json.deliveryId,
    });
    expect(replayed.replayEventId).toBe(replayed.replayDeliveryId);
    const both = await ingester.post(
      '/admin/inbox/replay',
      JSON.stringify({ deliveryId: original.json.deliveryId, eventId: original.json.deliveryId }),
      auth,
    );
    expect(both).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(JSON.stringify(both.json)).toContain('not both');
  });

  it('re-drives every event of a Taiga item, skipping earlier replays', async () => {
    for (const date of ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:02.000Z']) {
      const json = JSON.parse(botTask(8101));
      json.date = date;
      const body = taigaStyleJson(json);
      expect((await ingester.post('/webhooks/taiga/demo', body, taigaHeaders(body))).status).toBe(202);
    }
    const request = { project: 'demo', item: { type: 'task', id: 8101 } };
    const first = await ingester.post('/admin/inbox/replay', JSON.stringify(request), auth);
    expect(first.json.replayed).toHaveLength(2);
    const second = await ingester.post('/admin/inbox/replay', JSON.stringify(request), auth);
    expect(second.json.replayed).toHaveLength(2);
  });

  it('re-drives a time range', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const response = await ingester.post(
      '/admin/inbox/replay',
      JSON.stringify({ from, source: 'taiga', limit: 1 }),
      auth,
    );
    // The earliest Taiga entry in the range comes first (whatever its outcome); the limit cuts the rest.
    expect(response.json).toMatchObject({
      replayed: [expect.objectContaining({ deliveryId: expect.any(String) })],
      truncated: true,
    });
  });

  it('answers 404 for an unknown delivery and 400 for a request that selects nothing', async () => {
    expect(
      await ingester.post('/admin/inbox/replay', JSON.stringify({ deliveryId: '1-0' }), auth),
    ).toMatchObject({ status: 404 });
    expect(await ingester.post('/admin/inbox/replay', JSON.stringify({ limit: 5 }), auth)).toMatchObject({
      status: 400,
      json: { error: 'invalid_request' },
    });
  });

  it('answers 400 for a delivery id no stream can hold (Redis would refuse it)', async () => {
    const reply = await ingester.post(
      '/admin/inbox/replay',
      JSON.stringify({ deliveryId: '99999999999999999999-0' }),
      auth,
    );
    expect(reply).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    expect(JSON.stringify(reply.json)).toContain('deliveryId');
  });
});
