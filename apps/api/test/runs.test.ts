import { QueueName } from '@tundra/core';
import { SpendLedger } from '@tundra/core/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyRecords, requestFingerprint } from '../src/store/idempotency-records.js';
import { type ApiHarness, startHarness } from './harness.js';

let h: ApiHarness;
let alphaToken: string;
beforeAll(async () => {
  h = await startHarness();
  await h.putProject({
    id: 'alpha',
    taiga: {
      projectId: h.seed.project.id,
      projectSlug: h.seed.project.slug,
      webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_X',
    },
  });
  await h.putProject({ id: 'beta' });
  alphaToken = await h.projectToken('alpha');
});
afterAll(async () => h.stop());

const key = (value: string) => ({ 'idempotency-key': value });

describe('GET /projects/{id}/runs', () => {
  it('pages runs newest first and filters by status', async () => {
    await h.putProject({ id: 'listing' });
    const first = await h.runningRun('listing', 1);
    const second = await h.runningRun('listing', 1);
    await h.request('POST', `/runs/${first.run.id}/actions/pause`, { headers: key('list-pause') });
    const page = await h.request('GET', '/projects/listing/runs?limit=1');
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 2, offset: 0, limit: 1 });
    expect(page.body.protocols.map((r: { id: string }) => r.id)).toEqual([second.run.id]);
    const next = await h.request('GET', '/projects/listing/runs?limit=1&offset=1');
    expect(next.body.protocols.map((r: { id: string }) => r.id)).toEqual([first.run.id]);
    const paused = await h.request('GET', '/projects/listing/runs?status=paused');
    expect(paused.body.protocols.map((r: { id: string }) => r.id)).toEqual([first.run.id]);
    const bad = await h.request('GET', '/projects/listing/runs?status=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0]).toMatchObject({ location: 'query', path: 'status' });
    expect((await h.request('GET', '/projects/listing/runs', { token: null })).status).toBe(401);
    expect((await h.request('GET', '/projects/listing/runs', { projectToken: alphaToken })).status).toBe(404);
  });
});

describe('GET /runs/{runId}', () => {
  it('shows the run with its steps and their Taiga web links, by project slug and ref', async () => {
    const [first, second] = h.seed.tasks;
    // The third step's task is one Taiga does not have: no web link for it, and the page still answers.
    const { run, steps } = await h.runningRun('alpha', 3, { taskIds: [first!.id, second!.id, 999_999] });
    const shown = await h.request('GET', `/runs/${run.id}`, { projectToken: alphaToken });
    expect(shown.status).toBe(200);
    const web = `https://taiga.example.com/project/${h.seed.project.slug}`;
    expect(shown.body.protocol).toMatchObject({
      id: run.id,
      status: 'running',
      links: { taigaItem: `${web}/us/${run.taigaItem.ref}` },
    });
    expect(shown.body.steps.map((s: { id: string }) => s.id)).toEqual(steps.map((s) => s.id));
    expect(shown.body.steps.map((s: { links: unknown }) => s.links)).toEqual([
      { taigaTask: `${web}/task/${first!.ref}`, taigaTaskApi: `${h.taiga.url}/api/v1/tasks/${first!.id}` },
      { taigaTask: `${web}/task/${second!.ref}`, taigaTaskApi: `${h.taiga.url}/api/v1/tasks/${second!.id}` },
      { taigaTask: null, taigaTaskApi: `${h.taiga.url}/api/v1/tasks/999999` },
    ]);
    expect(shown.body.spend).toEqual({ costUsd: 0, tokensIn: 0, tokensOut: 0 });
  });

  it('shows what the run’s engines spent, from the ledger the executor charges', async () => {
    const { run, steps } = await h.runningRun('alpha', 2);
    const ledger = new SpendLedger(h.redis.client, h.store.keys);
    const at = { projectId: 'alpha', runId: run.id, day: '2026-12-04' };
    await ledger.charge({ ...at, stepId: steps[0]!.id, costUsd: 0.42, tokensIn: 12_000, tokensOut: 3_400 });
    await ledger.charge({ ...at, stepId: steps[1]!.id, costUsd: 0.08, tokensIn: 1_000, tokensOut: 100 });
    const shown = await h.request('GET', `/runs/${run.id}`, { projectToken: alphaToken });
    expect(shown.body.spend).toEqual({ costUsd: 0.5, tokensIn: 13_000, tokensOut: 3_500 });
    // The runs list shows each run's totals too (the console's cost column).
    const listed = await h.request('GET', '/projects/alpha/runs?limit=200', {
      projectToken: alphaToken,
    });
    expect(listed.body.protocols.find((r: { id: string }) => r.id === run.id).spend).toEqual(
      shown.body.spend,
    );
  });

  it('answers 404 to another project token, 400 to a malformed id, 401 without a token', async () => {
    const { run } = await h.runningRun('beta', 1);
    const hidden = await h.request('GET', `/runs/${run.id}`, { projectToken: alphaToken });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('NOT_FOUND');
    expect((await h.request('GET', '/runs/run_doesnotexist')).status).toBe(404);
    expect((await h.request('GET', '/runs/not-a-run')).status).toBe(400);
    expect((await h.request('GET', `/runs/${run.id}`, { token: null })).status).toBe(401);
  });
});

describe('GET /runs/{runId}/events', () => {
  it('pages the event stream by stream id', async () => {
    const { run } = await h.runningRun('alpha', 1);
    const first = await h.request('GET', `/runs/${run.id}/events?limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.events.map((e: { type: string }) => e.type)).toEqual([
      'protocol_run.created',
      'protocol_run.plan_started',
      'protocol_run.plan_stored',
    ]);
    expect(first.body.next).toBe(first.body.events[2].id);
    const rest = await h.request('GET', `/runs/${run.id}/events?after=${first.body.next}`);
    expect(rest.body.events.map((e: { type: string }) => e.type)).toEqual([
      'protocol_run.plan_ready',
      'protocol_run.run_started',
    ]);
    expect(rest.body.next).toBeNull();
    const bad = await h.request('GET', `/runs/${run.id}/events?after=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('after');
    const { run: other } = await h.runningRun('beta', 1);
    expect((await h.request('GET', `/runs/${other.id}/events`, { projectToken: alphaToken })).status).toBe(
      404,
    );
    expect((await h.request('GET', `/runs/${run.id}/events`, { token: 'nope' })).status).toBe(401);
  });
});

describe('POST /runs', () => {
  it('resolves the ref in Taiga and enqueues the start once per idempotency key', async () => {
    const body = { projectId: 'alpha', ref: h.seed.story.ref, reason: 'demo' };
    const accepted = await h.request('POST', '/runs', { body, headers: key('start-1') });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({
      status: 'accepted',
      projectId: 'alpha',
      taigaItem: { type: 'userstory', id: h.seed.story.id, ref: h.seed.story.ref },
    });
    expect(accepted.body.replayed).toBe(false);
    const again = await h.request('POST', '/runs', { body, headers: key('start-1') });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ ...accepted.body, replayed: true });
    const job = await h.queues.queue(QueueName.Plan).getJob(accepted.body.jobId);
    expect(job?.name).toBe('run.start');
    expect(job?.data).toMatchObject({
      projectId: 'alpha',
      taigaItem: accepted.body.taigaItem,
      sourceEventId: null,
      // The audit trail: the planner records this actor and reason on the run's first event.
      requestedBy: { actor: { kind: 'operator', name: 'admin' }, reason: 'demo' },
    });
    const starts = (await h.queues.queue(QueueName.Plan).getJobs(['waiting'])).filter(
      (j) => j.name === 'run.start',
    );
    expect(starts).toHaveLength(1);

    const task = h.seed.tasks[0]!;
    const forTask = await h.request('POST', '/runs', {
      body: { projectId: 'alpha', ref: task.ref },
      headers: key('start-task'),
    });
    expect(forTask.body.taigaItem).toEqual({ type: 'task', id: task.id, ref: task.ref });
  });

  it('remembers a key for 7 days with its first answer, and refuses it with another request (422)', async () => {
    const ref = h.seed.tasks[2]!.ref;
    const first = await h.request('POST', '/runs', {
      body: { projectId: 'alpha', ref, reason: 'first' },
      headers: key('start-reused'),
    });
    expect(first.status).toBe(202);
    const record = h.keys.startRequest('alpha', 'api:start-reused');
    expect(await h.redis.client.ttl(record)).toBeGreaterThan(7 * 24 * 3600 - 60);
    const waiting = async () =>
      (await h.queues.queue(QueueName.Plan).getJobs(['waiting'])).filter((j) => j.name === 'run.start');
    const before = (await waiting()).length;
    for (const changed of [
      { projectId: 'alpha', ref: h.seed.story.ref, reason: 'first' },
      { projectId: 'alpha', ref, reason: 'second' },
      { projectId: 'alpha', ref },
    ]) {
      const reused = await h.request('POST', '/runs', { body: changed, headers: key('start-reused') });
      expect(reused.status).toBe(422);
      expect(reused.body.error).toEqual({
        code: 'IDEMPOTENCY_KEY_REUSED',
        message:
          'Idempotency-Key start-reused was used with another request to start a run in project alpha (a different ref or reason); send a new key for a new request',
        details: { idempotencyKey: 'start-reused' },
      });
    }
    expect((await waiting()).length).toBe(before);
    // The same key in another project is another key.
    await h.putProject({
      id: 'gamma',
      taiga: {
        projectId: h.seed.project.id,
        projectSlug: h.seed.project.slug,
        webhookSecretRef: 'TUNDRA_WEBHOOK_KEY_X',
      },
    });
    const elsewhere = await h.request('POST', '/runs', {
      body: { projectId: 'gamma', ref, reason: 'first' },
      headers: key('start-reused'),
    });
    expect(elsewhere.status).toBe(202);
    expect(elsewhere.body).toMatchObject({ projectId: 'gamma', replayed: false });
    expect(elsewhere.body.jobId).not.toBe(first.body.jobId);
  });

  it('answers 409 while the same request is still being answered, and frees a key after an error', async () => {
    const ref = h.seed.story.ref;
    const busy = h.keys.startRequest('alpha', 'api:start-busy');
    // Another attempt holds the key (as a request in flight does): claim it as that attempt would.
    const records = new IdempotencyRecords(h.redis.client, h.keys);
    const held = await records.claim(busy, requestFingerprint(['POST /protocols', 'alpha', ref, null]));
    expect(held.kind).toBe('claimed');
    const inUse = await h.request('POST', '/runs', {
      body: { projectId: 'alpha', ref },
      headers: key('start-busy'),
    });
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({
      code: 'IDEMPOTENCY_KEY_IN_USE',
      details: { idempotencyKey: 'start-busy' },
    });

    const unknown = await h.request('POST', '/runs', {
      body: { projectId: 'alpha', ref: 9999 },
      headers: key('start-after-error'),
    });
    expect(unknown.status).toBe(404);
    expect(await h.redis.client.exists(h.keys.startRequest('alpha', 'api:start-after-error'))).toBe(0);
    const retried = await h.request('POST', '/runs', {
      body: { projectId: 'alpha', ref: 9999 },
      headers: key('start-after-error'),
    });
    expect(retried.body.error.code).toBe('TAIGA_ITEM_NOT_FOUND');
  });

  it('answers 200 with the active run when the item has one', async () => {
    const created = await h.store.runs.createRun({
      projectId: 'alpha',
      taigaItem: { type: 'task', id: h.seed.tasks[1]!.id, ref: h.seed.tasks[1]!.ref },
      title: 'task',
      correlationId: 'c',
      actor: { kind: 'system', name: 'test' },
    });
    const active = await h.request('POST', '/runs', {
      body: { projectId: 'alpha', ref: h.seed.tasks[1]!.ref },
      headers: key('start-active'),
    });
    expect(active.status).toBe(200);
    expect(active.body).toMatchObject({
      status: 'active',
      protocol: { id: created.kind === 'created' ? created.run.id : '' },
      replayed: false,
    });
    const replayed = await h.request('POST', '/runs', {
      body: { projectId: 'alpha', ref: h.seed.tasks[1]!.ref },
      headers: key('start-active'),
    });
    expect(replayed).toMatchObject({ status: 200, body: { ...active.body, replayed: true } });
  });

  it('answers 404 for an unknown ref or another project, 400 without a key or a ref, 401 without a token', async () => {
    const unknown = await h.request('POST', '/runs', {
      body: { projectId: 'alpha', ref: 9999 },
      headers: key('start-unknown'),
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('TAIGA_ITEM_NOT_FOUND');
    const noKey = await h.request('POST', '/runs', { body: { projectId: 'alpha', ref: 1 } });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const noRef = await h.request('POST', '/runs', { body: { projectId: 'alpha' }, headers: key('x') });
    expect(noRef.status).toBe(400);
    expect(noRef.body.error.details.issues[0].path).toBe('ref');
    const other = await h.request('POST', '/runs', {
      projectToken: alphaToken,
      body: { projectId: 'beta', ref: 1 },
      headers: key('start-other'),
    });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('NOT_FOUND');
    expect((await h.request('POST', '/runs', { token: null, body: {}, headers: key('y') })).status).toBe(401);
  });
});

describe('POST /runs/{runId}/actions/{action}', () => {
  it('applies the machine event, records who and why, and replays a repeated key', async () => {
    const { run } = await h.runningRun('alpha', 1);
    const paused = await h.request('POST', `/runs/${run.id}/actions/pause`, {
      projectToken: alphaToken,
      body: { reason: 'lunch' },
      headers: key('pause-1'),
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ replayed: false, protocol: { status: 'paused' } });
    const replay = await h.request('POST', `/runs/${run.id}/actions/pause`, {
      projectToken: alphaToken,
      headers: key('pause-1'),
    });
    expect(replay.body).toMatchObject({
      replayed: true,
      eventId: paused.body.eventId,
      protocol: { status: 'paused' },
    });
    const events = await h.store.events.readRun(run.id);
    const pause = events.filter((e) => e.type === 'protocol_run.paused');
    expect(pause).toHaveLength(1);
    expect(pause[0]).toMatchObject({
      id: paused.body.eventId,
      actor: { kind: 'operator', name: expect.stringMatching(/^project:alpha\/t\d+$/) },
      payload: { action: 'pause', reason: 'lunch' },
    });
    // Pausing a running run stops its engines: the dispatcher published the stop signal and a write-back job.
    const sync = await h.queues.queue(QueueName.WriteBack).getJob(`sync-${run.id}-${paused.body.eventId}`);
    expect(sync?.name).toBe('taiga.write_back');

    const resumed = await h.request('POST', `/runs/${run.id}/actions/resume`, {
      headers: key('resume-1'),
    });
    expect(resumed.body.protocol.status).toBe('running');
    const advance = await h.queues.queue(QueueName.Plan).getJob(`advance-${run.id}-${resumed.body.eventId}`);
    expect(advance?.name).toBe('run.advance');
  });

  it('answers 409 with the state and the allowed actions when the machine forbids it', async () => {
    const { run } = await h.runningRun('alpha', 1);
    const refused = await h.request('POST', `/runs/${run.id}/actions/replan`, {
      headers: key('replan-1'),
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'ILLEGAL_TRANSITION',
      message: 'cannot replan a protocol run that is running; allowed: pause, cancel',
      details: { state: 'running', allowedActions: ['pause', 'cancel'] },
    });
    const stale = await h.request('POST', `/runs/${run.id}/actions/pause`, {
      body: { expectedVersion: 1 },
      headers: key('pause-stale'),
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('CONFLICT');
    const cancelled = await h.request('POST', `/runs/${run.id}/actions/cancel`, {
      headers: key('cancel-1'),
    });
    expect(cancelled.body.protocol.status).toBe('cancelled');
    const terminal = await h.request('POST', `/runs/${run.id}/actions/resume`, {
      headers: key('resume-x'),
    });
    expect(terminal.body.error.details).toEqual({ state: 'cancelled', allowedActions: [] });
  });

  it('answers 400 for an unknown action or a missing key, 404 across projects, 401 without a token', async () => {
    const { run } = await h.runningRun('beta', 1);
    const unknown = await h.request('POST', `/runs/${run.id}/actions/explode`, { headers: key('a') });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues[0]).toMatchObject({ location: 'params', path: 'action' });
    expect((await h.request('POST', `/runs/${run.id}/actions/pause`)).status).toBe(400);
    const extra = await h.request('POST', `/runs/${run.id}/actions/pause`, {
      body: { reason: '' },
      headers: key('b'),
    });
    expect(extra.status).toBe(400);
    const hidden = await h.request('POST', `/runs/${run.id}/actions/pause`, {
      projectToken: alphaToken,
      headers: key('c'),
    });
    expect(hidden.status).toBe(404);
    expect((await h.request('POST', `/runs/${run.id}/actions/pause`, { token: null })).status).toBe(401);
    expect((await h.store.runs.getRun(run.id))?.status).toBe('running');
  });
});

describe('the deprecated /protocols alias', () => {
  it('answers as /runs does, says it is deprecated and links the canonical path', async () => {
    await h.putProject({ id: 'aliased' });
    const { run } = await h.runningRun('aliased', 1);
    const canonical = await h.request('GET', `/runs/${run.id}`);
    const old = await h.request('GET', `/protocols/${run.id}`);
    expect(old.status).toBe(200);
    expect(old.body).toEqual(canonical.body);
    expect(old.headers.get('deprecation')).toBe(`@${Date.parse('2026-12-05T00:00:00Z') / 1000}`);
    expect(old.headers.get('link')).toBe(`</api/v1/runs/${run.id}>; rel="successor-version"`);
    expect(canonical.headers.get('deprecation')).toBeNull();

    const listed = await h.request('GET', '/projects/aliased/protocols?limit=5');
    expect(listed.body.protocols.map((r: { id: string }) => r.id)).toEqual([run.id]);
    const paused = await h.request('POST', `/protocols/${run.id}/actions/pause`, {
      headers: key('alias-pause'),
    });
    expect(paused).toMatchObject({ status: 200, body: { protocol: { id: run.id, status: 'paused' } } });
    // A project whose id is the old segment is not rewritten: only the alias's literal segments are.
    expect((await h.request('GET', '/projects/protocols/runs')).status).toBe(404);
  });
});
