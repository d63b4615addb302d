import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, adminToken, openSse, startHarness } from './harness.js';

let h: ApiHarness;
let alphaToken: string;
beforeAll(async () => {
  h = await startHarness({ sseHeartbeatMs: 200 });
  await h.putProject({ id: 'alpha' });
  await h.putProject({ id: 'beta' });
  alphaToken = await h.projectToken('alpha');
});
afterAll(async () => h.stop());

const admin = { authorization: `Bearer ${adminToken}` };
const stream = (path: string, headers: Record<string, string> = admin) =>
  openSse(`${h.url}/api/v1${path}`, headers);

describe('GET /runs/{runId}/events/stream', () => {
  it('delivers the history then live events in order, and resumes after Last-Event-ID', async () => {
    const { run } = await h.runningRun('alpha', 1);
    const live = await stream(`/runs/${run.id}/events/stream`);
    expect(live.status).toBe(200);
    expect(live.contentType).toContain('text/event-stream');
    const history = await live.take(5);
    expect(history.map((e) => e.event)).toEqual([
      'protocol_run.created',
      'protocol_run.plan_started',
      'protocol_run.plan_stored',
      'protocol_run.plan_ready',
      'protocol_run.run_started',
    ]);
    expect(history.map((e) => (e.data as { id: string }).id)).toEqual(history.map((e) => e.id));
    await h.request('POST', `/runs/${run.id}/actions/pause`, {
      headers: { 'idempotency-key': 'sse-pause' },
    });
    const [paused] = await live.take(1);
    expect(paused).toMatchObject({ event: 'protocol_run.paused', data: { actor: { name: 'admin' } } });
    await live.close();

    await h.request('POST', `/runs/${run.id}/actions/resume`, {
      headers: { 'idempotency-key': 'sse-resume' },
    });
    const resumed = await stream(`/runs/${run.id}/events/stream`, {
      ...admin,
      'last-event-id': history[2]!.id,
    });
    const after = await resumed.take(4);
    expect(after.map((e) => e.event)).toEqual([
      'protocol_run.plan_ready',
      'protocol_run.run_started',
      'protocol_run.paused',
      'protocol_run.resumed',
    ]);
    expect(after.map((e) => e.id)).toEqual([history[3]!.id, history[4]!.id, paused!.id, expect.any(String)]);
    await resumed.close();
  });

  it('sends heartbeat comments while nothing happens', async () => {
    const { run } = await h.runningRun('alpha', 1);
    const live = await stream(`/runs/${run.id}/events/stream`, { 'x-project-token': alphaToken });
    await live.take(5);
    expect(await live.comment((text) => text === 'heartbeat')).toBe('heartbeat');
    await live.close();
  });

  it('answers 401, 404 across projects and 400 for a malformed Last-Event-ID, as JSON', async () => {
    const { run } = await h.runningRun('beta', 1);
    const path = `${h.url}/api/v1/runs/${run.id}/events/stream`;
    expect((await fetch(path)).status).toBe(401);
    const hidden = await fetch(path, { headers: { 'x-project-token': alphaToken } });
    expect(hidden.status).toBe(404);
    expect(((await hidden.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const bad = await fetch(path, { headers: { ...admin, 'last-event-id': 'yesterday' } });
    expect(bad.status).toBe(400);
  });

  it('ends open streams when the API shuts them down', async () => {
    const { run } = await h.runningRun('alpha', 1);
    const live = await stream(`/runs/${run.id}/events/stream`);
    await live.take(5);
    h.api.closeStreams();
    await live.ended();
  });
});

describe('GET /steps/{id}/logs/stream', () => {
  it('tails the engine output in order and resumes after Last-Event-ID', async () => {
    const { run, steps } = await h.runningRun('alpha', 1);
    const step = steps[0]!;
    const logKey = h.keys.stepLog(run.id, step.id);
    const write = (line: string) =>
      h.redis.client.xadd(logKey, '*', 'stream', 'stdout', 'line', line, 'at', new Date().toISOString());
    await write('first');
    const live = await stream(`/steps/${step.id}/logs/stream`, { 'x-project-token': alphaToken });
    const [first] = await live.take(1);
    expect(first).toMatchObject({ event: 'log', data: { stream: 'stdout', line: 'first' } });
    await write('second');
    await write('third');
    const next = await live.take(2);
    expect(next.map((e) => (e.data as { line: string }).line)).toEqual(['second', 'third']);
    await live.close();
    const resumed = await stream(`/steps/${step.id}/logs/stream?after=${first!.id}`);
    expect((await resumed.take(2)).map((e) => e.id)).toEqual(next.map((e) => e.id));
    await resumed.close();
    // What EventSource sends on reconnect; it wins over ?after=.
    const reconnected = await stream(`/steps/${step.id}/logs/stream?after=${first!.id}`, {
      ...admin,
      'last-event-id': next[0]!.id,
    });
    const [third] = await reconnected.take(1);
    expect(third).toMatchObject({ id: next[1]!.id, event: 'log', data: { line: 'third' } });
    await write('fourth');
    const [fourth] = await reconnected.take(1);
    expect(fourth).toMatchObject({ event: 'log', data: { line: 'fourth' } });
    await reconnected.close();
    const { steps: hidden } = await h.runningRun('beta', 1);
    const other = await fetch(`${h.url}/api/v1/steps/${hidden[0]!.id}/logs/stream`, {
      headers: { 'x-project-token': alphaToken },
    });
    expect(other.status).toBe(404);
    expect((await fetch(`${h.url}/api/v1/steps/${step.id}/logs/stream`)).status).toBe(401);
  });

  it('answers 400 for a malformed Last-Event-ID, as JSON', async () => {
    const { steps } = await h.runningRun('alpha', 1);
    const bad = await fetch(`${h.url}/api/v1/steps/${steps[0]!.id}/logs/stream`, {
      headers: { ...admin, 'last-event-id': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/json');
    expect(((await bad.json()) as { error: unknown }).error).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'invalid request: headers.last-event-id: a stream id such as 1700000000000-0',
      details: {
        issues: [
          { location: 'headers', path: 'last-event-id', message: 'a stream id such as 1700000000000-0' },
        ],
      },
    });
  });
});
