import { QueueName } from '@tundra/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
const actor = { kind: 'system', name: 'test' } as const;

async function stepIn(status: 'needs_qa' | 'failed', projectId = 'alpha') {
  const { run, steps } = await h.runningRun(projectId, 2);
  const step = steps[0]!;
  await h.store.runs.transitionStep(run.id, step.id, 'step_started', {
    actor,
    patch: (current) => ({ attempts: current.attempts + 1 }),
  });
  await h.store.runs.transitionStep(
    run.id,
    step.id,
    status === 'needs_qa' ? 'execution_finished' : 'execution_failed',
    { actor },
  );
  return { run, step: (await h.store.runs.getStep(run.id, step.id))!, next: steps[1]! };
}

describe('GET /steps/{id}', () => {
  it('shows a step to its project, 404 to another, 400 for a malformed id, 401 without a token', async () => {
    const task = h.seed.tasks[0]!;
    const { steps } = await h.runningRun('alpha', 1, { taskIds: [task.id] });
    const shown = await h.request('GET', `/steps/${steps[0]!.id}`, { projectToken: alphaToken });
    expect(shown.status).toBe(200);
    expect(shown.body.step).toMatchObject({
      id: steps[0]!.id,
      status: 'pending',
      links: {
        taigaTask: `https://taiga.example.com/project/${h.seed.project.slug}/task/${task.ref}`,
        taigaTaskApi: `${h.taiga.url}/api/v1/tasks/${task.id}`,
      },
    });
    const { steps: hidden } = await h.runningRun('beta', 1);
    expect((await h.request('GET', `/steps/${hidden[0]!.id}`, { projectToken: alphaToken })).status).toBe(
      404,
    );
    expect((await h.request('GET', '/steps/step-1')).status).toBe(400);
    expect((await h.request('GET', `/steps/${steps[0]!.id}`, { token: null })).status).toBe(401);
  });
});

describe('GET /steps/{id}/logs', () => {
  it('pages the captured engine output by stream id', async () => {
    const { run, steps } = await h.runningRun('alpha', 1);
    const step = steps[0]!;
    for (const [stream, line] of [
      ['stdout', 'one'],
      ['stderr', 'two'],
      ['stdout', 'three'],
    ]) {
      await h.redis.client.xadd(
        h.keys.stepLog(run.id, step.id),
        '*',
        'stream',
        stream!,
        'line',
        line!,
        'at',
        '2026-01-01T00:00:00.000Z',
      );
    }
    const first = await h.request('GET', `/steps/${step.id}/logs?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.lines.map((l: { stream: string; line: string }) => `${l.stream}:${l.line}`)).toEqual([
      'stdout:one',
      'stderr:two',
    ]);
    const rest = await h.request('GET', `/steps/${step.id}/logs?after=${first.body.next}`);
    expect(rest.body).toMatchObject({ lines: [{ line: 'three' }], next: null });
    expect((await h.request('GET', `/steps/${step.id}/logs?limit=0`)).status).toBe(400);
    const { steps: hidden } = await h.runningRun('beta', 1);
    expect(
      (await h.request('GET', `/steps/${hidden[0]!.id}/logs`, { projectToken: alphaToken })).status,
    ).toBe(404);
    expect((await h.request('GET', `/steps/${step.id}/logs`, { token: 'bad' })).status).toBe(401);
  });
});

describe('POST /steps/{id}/actions/{action}', () => {
  it('approve completes a step in needs_qa, records who and why, and dispatches its effects', async () => {
    const { run, step } = await stepIn('needs_qa');
    const approved = await h.request('POST', `/steps/${step.id}/actions/approve`, {
      body: { reason: 'looks right' },
      headers: key('approve-1'),
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ replayed: false, jobId: null, step: { status: 'completed' } });
    const event = (await h.store.events.readRun(run.id)).find((e) => e.id === approved.body.eventId);
    expect(event).toMatchObject({
      type: 'step_run.approved',
      actor: { kind: 'operator', name: 'admin' },
      payload: { action: 'approve', reason: 'looks right' },
    });
    expect(
      await h.queues.queue(QueueName.Plan).getJob(`advance-${run.id}-${approved.body.eventId}`),
    ).toBeTruthy();
    const replay = await h.request('POST', `/steps/${step.id}/actions/approve`, {
      headers: key('approve-1'),
    });
    expect(replay.body).toMatchObject({ replayed: true, eventId: approved.body.eventId });
  });

  it('reject fails a step in needs_qa with a reason, which its next attempt reads; no reason, no rejection', async () => {
    const { run, step } = await stepIn('needs_qa');
    const bare = await h.request('POST', `/steps/${step.id}/actions/reject`, { headers: key('reject-0') });
    expect(bare.status).toBe(400);
    expect(bare.body.error.message).toBe(
      'invalid request: body.reason: a rejection needs a reason, for the next attempt',
    );
    expect((await h.store.runs.getStep(run.id, step.id))?.status).toBe('needs_qa');

    const rejected = await h.request('POST', `/steps/${step.id}/actions/reject`, {
      projectToken: alphaToken,
      body: { reason: 'the form has no labels' },
      headers: key('reject-1'),
    });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ replayed: false, step: { status: 'failed' } });
    const event = (await h.store.events.readRun(run.id)).find((e) => e.id === rejected.body.eventId);
    expect(event).toMatchObject({
      type: 'step_run.qa_failed',
      payload: { action: 'reject', reason: 'the form has no labels' },
    });
    const again = await h.request('POST', `/steps/${step.id}/actions/reject`, {
      projectToken: alphaToken,
      body: { reason: 'the form has no labels' },
      headers: key('reject-1'),
    });
    expect(again.body).toMatchObject({ replayed: true, eventId: rejected.body.eventId });
    expect(await h.store.conversation.contextRemarks(run.id, step.id)).toEqual([
      {
        at: expect.any(String),
        author: expect.stringMatching(/^project:alpha\//),
        where: 'the operator API',
        kind: 'reject',
        text: 'the form has no labels',
      },
    ]);

    // A failed step cannot be rejected: refused before anything is kept.
    const late = await h.request('POST', `/steps/${step.id}/actions/reject`, {
      body: { reason: 'again' },
      headers: key('reject-2'),
    });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toBe('cannot reject a step that is failed; allowed: retry');
    expect(await h.store.conversation.contextRemarks(run.id, step.id)).toHaveLength(1);
  });

  it('retry hands a failed step back to pending, then run enqueues its execution once per key', async () => {
    const { run, step } = await stepIn('failed');
    const retried = await h.request('POST', `/steps/${step.id}/actions/retry`, { headers: key('retry-1') });
    expect(retried.body.step.status).toBe('pending');
    const ran = await h.request('POST', `/steps/${step.id}/actions/run`, {
      projectToken: alphaToken,
      body: { reason: 'go' },
      headers: key('run-1'),
    });
    expect(ran.status).toBe(200);
    expect(ran.body).toMatchObject({ replayed: false, jobId: `execute-${run.id}-${ran.body.eventId}` });
    const job = await h.queues.queue(QueueName.Execute).getJob(ran.body.jobId);
    expect(job?.data).toMatchObject({ protocolRunId: run.id, stepRunId: step.id, attempt: 2 });
    const again = await h.request('POST', `/steps/${step.id}/actions/run`, {
      projectToken: alphaToken,
      headers: key('run-1'),
    });
    expect(again.body).toMatchObject({ replayed: true, jobId: ran.body.jobId });
    const requested = (await h.store.events.readRun(run.id)).filter(
      (e) => e.type === 'step_run.run_requested',
    );
    expect(requested).toHaveLength(1);
    expect(requested[0]).toMatchObject({
      entityId: step.id,
      actor: { kind: 'operator', name: expect.stringMatching(/^project:alpha\//) },
      payload: { action: 'run', reason: 'go' },
    });
  });

  it('run_qa enqueues a manual QA for a step in needs_qa', async () => {
    const { run, step } = await stepIn('needs_qa');
    const qa = await h.request('POST', `/steps/${step.id}/actions/run_qa`, { headers: key('qa-1') });
    expect(qa.status).toBe(200);
    const job = await h.queues.queue(QueueName.Qa).getJob(qa.body.jobId);
    expect(job?.data).toMatchObject({ protocolRunId: run.id, stepRunId: step.id, trigger: 'manual' });
  });

  it('answers 409 with the state and the allowed actions when the step cannot do it', async () => {
    const { step, next } = await stepIn('needs_qa');
    const retry = await h.request('POST', `/steps/${step.id}/actions/retry`, { headers: key('bad-retry') });
    expect(retry.status).toBe(409);
    expect(retry.body.error).toEqual({
      code: 'ILLEGAL_TRANSITION',
      message: 'cannot retry a step that is needs_qa; allowed: run_qa, approve, reject',
      details: { state: 'needs_qa', runState: 'running', allowedActions: ['run_qa', 'approve', 'reject'] },
    });
    const runAgain = await h.request('POST', `/steps/${step.id}/actions/run`, { headers: key('bad-run') });
    expect(runAgain.status).toBe(409);
    expect(runAgain.body.error.details).toMatchObject({
      state: 'needs_qa',
      allowedActions: ['run_qa', 'approve', 'reject'],
    });
    await h.request('POST', `/runs/${step.protocolRunId}/actions/pause`, {
      headers: key('pause-for-run'),
    });
    const paused = await h.request('POST', `/steps/${next.id}/actions/run`, { headers: key('run-paused') });
    expect(paused.status).toBe(409);
    expect(paused.body.error.details).toEqual({ state: 'pending', runState: 'paused', allowedActions: [] });
    const queued = await h.queues.queue(QueueName.Execute).getJobs(['waiting']);
    expect(queued.filter((job) => job.data.stepRunId === next.id)).toEqual([]);
  });

  it('answers 400 for an unknown action or no key, 404 across projects, 401 without a token', async () => {
    const { step } = await stepIn('needs_qa', 'beta');
    expect((await h.request('POST', `/steps/${step.id}/actions/bless`, { headers: key('x') })).status).toBe(
      400,
    );
    const noKey = await h.request('POST', `/steps/${step.id}/actions/approve`);
    expect(noKey.body.error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
    const hidden = await h.request('POST', `/steps/${step.id}/actions/approve`, {
      projectToken: alphaToken,
      headers: key('y'),
    });
    expect(hidden.status).toBe(404);
    expect(
      (await h.request('POST', `/steps/${step.id}/actions/approve`, { token: null, headers: key('z') }))
        .status,
    ).toBe(401);
    expect((await h.store.runs.getStep(step.protocolRunId, step.id))?.status).toBe('needs_qa');
  });
});
