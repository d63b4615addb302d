import { buildProjectSpec } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taigaCapture } from './fixtures.js';
import {
  botUserId,
  botUsername,
  QueueName,
  startTestIngester,
  type TestIngester,
  taigaHeaders,
  taigaStyleJson,
} from './harness.js';

let ingester: TestIngester;
beforeAll(async () => {
  ingester = await startTestIngester();
});
afterAll(async () => ingester?.stop());

let nextId = 1000;
/** A task created assigned to the bot, as Taiga would send it (the create capture with the assignment filled in). */
function botAssignedTask(taskId = nextId++) {
  const json = structuredClone(taigaCapture('task_create').body_json) as Record<string, any>;
  json.data.id = taskId;
  json.data.ref = taskId + 1;
  json.data.assigned_to = { id: botUserId, username: botUsername, full_name: 'Tundra Bot' };
  return { taskId, body: taigaStyleJson(json) };
}

const path = '/webhooks/taiga/demo';

describe('POST /webhooks/taiga/:projectKey', () => {
  it('accepts a task assigned to the bot: 202 with the delivery id, and a run.start job on the plan queue', async () => {
    const { taskId, body } = botAssignedTask();
    const response = await ingester.post(path, body, taigaHeaders(body));
    expect(response.status).toBe(202);
    expect(response.json).toEqual({
      deliveryId: expect.stringMatching(/^\d+-\d+$/),
      eventId: response.json.deliveryId,
      jobs: [expect.any(String)],
      unmatched: false,
    });
    const job = await ingester.job(QueueName.Plan, response.json.jobs[0]);
    expect(job?.name).toBe('run.start');
    expect(job?.data).toEqual({
      projectId: 'demo',
      taigaItem: { type: 'task', id: taskId, ref: taskId + 1 },
      sourceEventId: response.json.deliveryId,
      correlationId: response.json.deliveryId,
      trigger: 'bot_assignment',
    });
  });

  it('verifies the real captured bytes and records an event no rule matches, without a job', async () => {
    const capture = taigaCapture('task_create');
    const response = await ingester.post(path, capture.body, {
      'content-type': 'application/json',
      'x-taiga-webhook-signature': capture.headers['X-TAIGA-WEBHOOK-SIGNATURE']!,
    });
    expect(response).toEqual({
      status: 202,
      json: { deliveryId: expect.any(String), eventId: expect.any(String), jobs: [], unmatched: true },
    });
    const metrics = await ingester.registry.getSingleMetricAsString('tundra_inbox_unmatched_total');
    expect(metrics).toContain('tundra_inbox_unmatched_total{source="taiga"} 1');
  });

  it('enqueues one job for the same delivery sent twice; the second answer says duplicate', async () => {
    const { body } = botAssignedTask();
    const before = (await ingester.jobs(QueueName.Plan)).length;
    const first = await ingester.post(path, body, taigaHeaders(body));
    const second = await ingester.post(path, body, taigaHeaders(body));
    expect(first.status).toBe(202);
    expect(second).toEqual({
      status: 200,
      json: { deliveryId: first.json.deliveryId, eventId: first.json.deliveryId, duplicate: true },
    });
    expect((await ingester.jobs(QueueName.Plan)).length).toBe(before + 1);
  });

  it("answers Taiga's test button with 200, saying the key matched for the project, and records nothing", async () => {
    const capture = taigaCapture('test');
    const inbox = `${ingester.redis.prefix}:{ingest}:inbox`;
    const before = await ingester.redis.client.xlen(inbox);
    const response = await ingester.post(path, capture.body, taigaHeaders(capture.body));
    expect(response).toEqual({
      status: 200,
      json: { ok: true, test: true, source: 'taiga', project: 'demo', authenticated: true },
    });
    expect(await ingester.redis.client.xlen(inbox)).toBe(before);
  });

  it("drops the bot's own change (loop prevention) and counts it", async () => {
    const json = structuredClone(taigaCapture('task_change_status').body_json) as Record<string, any>;
    json.by.username = botUsername;
    const body = taigaStyleJson(json);
    const response = await ingester.post(path, body, taigaHeaders(body));
    expect(response).toEqual({ status: 200, json: { ignored: true, reason: 'bot_user' } });
    expect(await ingester.registry.getSingleMetricAsString('tundra_webhooks_ignored_total')).toContain(
      'tundra_webhooks_ignored_total{source="taiga",reason="bot_user"} 1',
    );
  });

  it("sends a person's status move on a tracked item to the control queue, and not on an untracked one", async () => {
    const json = structuredClone(taigaCapture('userstory_change').body_json) as Record<string, any>;
    json.data.id = 4242;
    const created = await ingester.store.runs.createRun({
      projectId: 'demo',
      taigaItem: { type: 'userstory', id: 4242, ref: 1 },
      title: 'tracked',
      correlationId: 'c',
      actor: { kind: 'system', name: 'test' },
    });
    expect(created.kind).toBe('created');
    const tracked = taigaStyleJson(json);
    const response = await ingester.post(path, tracked, taigaHeaders(tracked));
    expect(response.status).toBe(202);
    const job = await ingester.job(QueueName.Control, response.json.jobs[0]);
    expect(job?.data).toMatchObject({
      taigaItem: { type: 'userstory', id: 4242, ref: 1 },
      byUserId: 5,
      statusFrom: 'New',
      statusTo: 'ready',
    });

    json.data.id = 4343;
    const untracked = taigaStyleJson(json);
    expect((await ingester.post(path, untracked, taigaHeaders(untracked))).json).toMatchObject({
      jobs: [],
      unmatched: true,
    });
  });

  it('sends a comment on an item whose run has ended to the control queue (a command there is answered), but not a move', async () => {
    const created = await ingester.store.runs.createRun({
      projectId: 'demo',
      taigaItem: { type: 'task', id: 5151, ref: 2 },
      title: 'ended',
      correlationId: 'c',
      actor: { kind: 'system', name: 'test' },
    });
    if (created.kind !== 'created') throw new Error('the run exists');
    const ended = await ingester.store.runs.transitionRun(created.run.id, 'cancelled', {
      actor: { kind: 'system', name: 'test' },
    });
    expect(ended.kind).toBe('applied');
    const post = async (capture: 'task_change_comment' | 'task_change_status') => {
      const json = structuredClone(taigaCapture(capture).body_json) as Record<string, any>;
      json.data.id = 5151;
      const body = taigaStyleJson(json);
      return (await ingester.post(path, body, taigaHeaders(body))).json;
    };
    const commented = await post('task_change_comment');
    expect(commented.jobs).toHaveLength(1);
    expect((await ingester.job(QueueName.Control, commented.jobs[0]))?.data).toMatchObject({
      taigaItem: { type: 'task', id: 5151 },
      commented: true,
    });
    expect(await post('task_change_status')).toMatchObject({ jobs: [], unmatched: true });
  });

  it.each([
    ['no signature', (_body: string) => ({ 'content-type': 'application/json' }), 401, 'missing_signature'],
    ['a wrong signature', (body: string) => taigaHeaders(body, 'not-the-key'), 401, 'bad_signature'],
    [
      'a wrong content type',
      (body: string) => ({ ...taigaHeaders(body), 'content-type': 'text/plain' }),
      415,
      'unsupported_media_type',
    ],
  ])('rejects %s', async (_name, headers, status, reason) => {
    const { body } = botAssignedTask();
    const response = await ingester.post(path, body, headers(body));
    expect(response.status).toBe(status);
    expect(response.json).toMatchObject({ error: reason, message: expect.any(String) });
  });

  it('takes no webhook key from a variable outside TUNDRA_WEBHOOK_KEY_*, whatever the stored project names', async () => {
    // A project saved before the prefix was enforced, naming a variable that is no secret: its value signs nothing.
    await ingester.store.projects.put(
      buildProjectSpec({
        id: 'legacy-ref',
        taiga: { projectId: 7, projectSlug: 'legacy', webhookSecretRef: 'TUNDRA_INGESTER_PORT' },
      }),
      0,
    );
    const { body } = botAssignedTask();
    const forged = await ingester.post('/webhooks/taiga/legacy-ref', body, taigaHeaders(body, '0'));
    expect(forged.status).toBe(401);
    expect(forged.json.error).toBe('no_secret');
    expect(forged.json.message).toContain('TUNDRA_WEBHOOK_KEY_');
    expect(await ingester.jobs(QueueName.Plan)).not.toContainEqual(
      expect.objectContaining({ data: expect.objectContaining({ projectId: 'legacy-ref' }) }),
    );
  });

  it('rejects an unknown project with 404', async () => {
    const { body } = botAssignedTask();
    const response = await ingester.post('/webhooks/taiga/nope', body, taigaHeaders(body));
    expect(response).toMatchObject({ status: 404, json: { error: 'unknown_project' } });
  });

  it('rejects signed bytes that are not JSON with 400', async () => {
    const body = '{"action": "change", ';
    const response = await ingester.post(path, body, taigaHeaders(body));
    expect(response).toMatchObject({ status: 400, json: { error: 'malformed_json' } });
  });

  it('rejects a signed body of the wrong shape with 400, naming the field', async () => {
    const json = structuredClone(taigaCapture('task_create').body_json) as Record<string, any>;
    json.data.ref = 'two';
    const body = taigaStyleJson(json);
    const response = await ingester.post(path, body, taigaHeaders(body));
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      error: 'invalid_payload',
      issues: [expect.stringMatching(/^data\.ref: /)],
    });
  });

  it('rejects a body over the limit with 413 before verifying anything', async () => {
    const body = JSON.stringify({ pad: 'x'.repeat(ingester.config.TUNDRA_INGEST_MAX_BODY_BYTES) });
    const response = await ingester.post(path, body, taigaHeaders(body));
    expect(response).toMatchObject({ status: 413, json: { error: 'too_large' } });
  });

  it('counts every rejection by source and reason', async () => {
    const metrics = await ingester.registry.getSingleMetricAsString('tundra_webhook_rejections_total');
    for (const reason of [
      'missing_signature',
      'bad_signature',
      'unsupported_media_type',
      'unknown_project',
      'malformed_json',
      'invalid_payload',
      'too_large',
    ]) {
      expect(metrics).toContain(`tundra_webhook_rejections_total{source="taiga",reason="${reason}"} 1`);
    }
  });
});
