import { createKeys } from '@tundra/core/server';
import { buildTaigaItem } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, adminToken, startHarness } from './harness.js';

let h: ApiHarness;
let alphaToken: string;
const actor = { kind: 'system', name: 'test' } as const;

beforeAll(async () => {
  h = await startHarness();
  await h.putProject({ id: 'alpha', qaPolicy: { kind: 'manual' } });
  await h.putProject({ id: 'beta', qaPolicy: { kind: 'manual' } });
  alphaToken = await h.projectToken('alpha');
});
afterAll(async () => h.stop());

/** Signs in through the form as a browser would, and answers the session cookie (name=value). */
async function signIn(
  token: string,
): Promise<{ status: number; cookie: string | null; setCookie: string | null }> {
  const res = await fetch(`${h.url}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: h.url },
    body: new URLSearchParams({ token }),
  });
  const setCookie = res.headers.get('set-cookie');
  return { status: res.status, cookie: setCookie?.split(';')[0] ?? null, setCookie };
}

async function session(cookie: string) {
  const res = await fetch(`${h.url}/console/session`, { headers: { cookie } });
  return {
    status: res.status,
    body: (await res.json()) as {
      csrfToken: string;
      principal: { kind: string };
      actions: { run: Record<string, string[]>; step: Record<string, Record<string, string[]>> };
    },
  };
}

const withCookie = (cookie: string, method: string, path: string, headers: Record<string, string> = {}) =>
  fetch(`${h.url}/api/v1${path}`, { method, headers: { cookie, ...headers } });

/** A run planned and waiting to start: for a person where the project asks for plan approval. */
async function plannedRun(projectId: string) {
  const created = await h.store.runs.createRun({
    projectId,
    taigaItem: buildTaigaItem(),
    title: 'Plan me',
    correlationId: 'corr-planned',
    actor,
  });
  if (created.kind !== 'created') throw new Error('run exists');
  const id = created.run.id;
  await h.store.runs.transitionRun(id, 'plan_started', { actor });
  await h.store.runs.storePlan(
    id,
    { engine: 'taiga-tasks', steps: [{ title: 'one', instructions: 'do it', taigaTaskId: 700 }] },
    { actor },
  );
  await h.store.runs.transitionRun(id, 'plan_ready', { actor });
  return id;
}

async function needsQaStep(projectId: string) {
  const { run, steps } = await h.runningRun(projectId, 1);
  const step = steps[0]!;
  await h.store.runs.transitionStep(run.id, step.id, 'step_started', { actor });
  await h.store.runs.transitionStep(run.id, step.id, 'execution_finished', { actor });
  return { run, step };
}

describe('console sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict signed cookie that holds no token, and refuses a wrong token', async () => {
    const ok = await signIn(adminToken);
    expect(ok.status).toBe(303);
    expect(ok.setCookie).toMatch(/HttpOnly/);
    expect(ok.setCookie).toMatch(/SameSite=Strict/);
    expect(ok.setCookie).not.toContain(adminToken);
    const { body } = await session(ok.cookie!);
    expect(body.principal).toEqual({ kind: 'admin', name: 'admin' });
    // The buttons the pages offer, from the action routes' own table: a planned run's plan is approved by `start`.
    expect(body.actions.run.planned).toEqual(['pause', 'replan', 'cancel', 'start']);
    expect(body.actions.run.completed).toEqual([]);
    expect(body.actions.step.needs_qa?.running).toEqual(['run_qa', 'approve', 'reject']);
    expect(body.actions.step.pending?.running).toEqual(['run']);

    const wrong = await signIn('not-a-token');
    expect(wrong.status).toBe(401);
    expect(wrong.cookie).toBeNull();
    const forged = `${ok.cookie!.slice(0, -3)}abc`;
    expect((await session(forged)).status).toBe(401);
    expect((await withCookie(forged, 'GET', '/projects')).status).toBe(401);
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await fetch(`${h.url}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ token: adminToken }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('needs the CSRF token for a change made with the cookie', async () => {
    const { cookie } = await signIn(adminToken);
    const { body } = await session(cookie!);
    const { run } = await h.runningRun('alpha', 1);
    const path = `/runs/${run.id}/actions/pause`;
    const without = await withCookie(cookie!, 'POST', path, { 'idempotency-key': 'c1' });
    expect(without.status).toBe(403);
    expect((await h.store.runs.getRun(run.id))!.status).toBe('running');
    const wrong = await withCookie(cookie!, 'POST', path, {
      'idempotency-key': 'c1',
      'x-csrf-token': 'nope',
    });
    expect(wrong.status).toBe(403);
    const right = await withCookie(cookie!, 'POST', path, {
      'idempotency-key': 'c1',
      'x-csrf-token': body.csrfToken,
    });
    expect(right.status).toBe(200);
    expect((await h.store.runs.getRun(run.id))!.status).toBe('paused');
    const events = await h.store.events.readRun(run.id, { count: 100 });
    expect(events.at(-1)!.actor).toEqual({ kind: 'operator', name: 'admin' });
  });

  it('ends a project session as soon as its token is revoked', async () => {
    const token = await h.projectToken('alpha', 'short-lived');
    const { cookie } = await signIn(token);
    expect((await session(cookie!)).body.principal).toMatchObject({ kind: 'project', projectId: 'alpha' });
    expect((await h.request('DELETE', '/projects/alpha/tokens/short-lived')).status).toBe(204);
    expect((await session(cookie!)).status).toBe(401);
    expect((await withCookie(cookie!, 'GET', '/projects')).status).toBe(401);
  });

  it('sends pages without a session to the sign-in form', async () => {
    const res = await fetch(`${h.url}/console/runs`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/sign-in');
    const form = await fetch(`${h.url}/console/sign-in`);
    expect(form.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await form.text()).toContain('<label for="token">Token</label>');
  });
});

describe('a project token in the console', () => {
  it('sees its own project only: another project’s run, steps and comments answer 404', async () => {
    const { cookie } = await signIn(alphaToken);
    const { run: other, step } = await needsQaStep('beta');
    expect((await withCookie(cookie!, 'GET', `/runs/${other.id}`)).status).toBe(404);
    expect((await withCookie(cookie!, 'GET', `/runs/${other.id}/comments`)).status).toBe(404);
    expect((await withCookie(cookie!, 'GET', `/steps/${step.id}`)).status).toBe(404);
    expect((await withCookie(cookie!, 'GET', '/attention?project=beta')).status).toBe(404);
    expect((await withCookie(cookie!, 'GET', '/inbox?project=beta')).status).toBe(404);
    const attention = (await (await withCookie(cookie!, 'GET', '/attention')).json()) as {
      needsQa: { run: { projectId: string } }[];
    };
    expect(
      attention.needsQa.every((item: { run: { projectId: string } }) => item.run.projectId === 'alpha'),
    ).toBe(true);
  });

  it('gets 403 from bull-board, which the admin gets', async () => {
    const project = await signIn(alphaToken);
    expect((await fetch(`${h.url}/console/queues/`, { headers: { cookie: project.cookie! } })).status).toBe(
      403,
    );
    expect(
      (await fetch(`${h.url}/console/queues/api/queues`, { headers: { cookie: project.cookie! } })).status,
    ).toBe(403);
    const admin = await signIn(adminToken);
    const board = await fetch(`${h.url}/console/queues/api/queues`, { headers: { cookie: admin.cookie! } });
    expect(board.status).toBe(200);
    expect(JSON.stringify(await board.json())).toContain('tundra-plan');
    expect((await fetch(`${h.url}/console/queues/`, { redirect: 'manual' })).status).toBe(303);
  });
});

describe('operator endpoints for the console', () => {
  it('GET /attention lists steps waiting for manual QA and blocked runs', async () => {
    const { step } = await needsQaStep('alpha');
    const { run: blocked } = await h.runningRun('alpha', 1);
    await h.store.runs.transitionRun(blocked.id, 'blocked', {
      actor,
      patch: () => ({ reason: 'CI is red' }),
    });
    const res = await h.request('GET', '/attention?project=alpha');
    expect(res.status).toBe(200);
    expect(res.body.needsQa.map((item: { step: { id: string } }) => item.step.id)).toContain(step.id);
    expect(res.body.blocked.find((run: { id: string }) => run.id === blocked.id)).toMatchObject({
      reason: 'CI is red',
    });
    expect(res.body.awaitingApproval).toEqual([]);
  });

  it('GET /attention lists planned runs as awaiting approval only where the project requires approval', async () => {
    await h.putProject({ id: 'gated', planApproval: 'required' });
    const gated = await plannedRun('gated');
    const ungated = await plannedRun('alpha');
    const res = await h.request('GET', '/attention');
    expect(res.status).toBe(200);
    const waiting = res.body.awaitingApproval.map((run: { id: string; status: string }) => run.id);
    expect(waiting).toContain(gated);
    expect(waiting).not.toContain(ungated);
    expect(res.body.awaitingApproval[0].status).toBe('planned');
  });

  it('GET /projects/{id}/runs filters by ref and carries links and the steps’ statuses', async () => {
    const { run } = await h.runningRun('beta', 3);
    const all = await h.request('GET', '/projects/beta/runs?limit=200');
    const ref = run.taigaItem.ref;
    const byRef = await h.request('GET', `/projects/beta/runs?ref=${ref}`);
    const expected = all.body.protocols.filter(
      (r: { taigaItem: { ref: number } }) => r.taigaItem.ref === ref,
    );
    expect(byRef.body.total).toBe(expected.length);
    const listed = byRef.body.protocols.find((r: { id: string }) => r.id === run.id);
    expect(listed.stepStatuses).toEqual(['pending', 'pending', 'pending']);
    expect(listed.links).toHaveProperty('taigaItem');
    expect((await h.request('GET', '/projects/beta/runs?ref=0')).status).toBe(400);
  });

  it('GET /inbox reads the ingester’s inbox newest first, by project, with verdicts; replay is the admin’s', async () => {
    const keys = createKeys(h.redis.prefix).ingest;
    const add = (project: string, item: string) =>
      h.redis.client.xadd(
        keys.inbox(),
        '*',
        'source',
        'taiga',
        'projectKey',
        project,
        'receivedAt',
        new Date().toISOString(),
        'headers',
        '{}',
        'body',
        JSON.stringify({ type: 'userstory', action: 'change' }),
        'item',
        item,
        'replayOf',
        '',
      );
    const first = (await add('alpha', 'userstory:1'))!;
    await add('beta', 'userstory:2');
    const pending = (await add('alpha', 'task:3'))!;
    await h.redis.client.zadd(keys.pending(), Date.now(), pending);

    const page = await h.request('GET', '/inbox?project=alpha&limit=1');
    expect(page.body.deliveries).toEqual([
      expect.objectContaining({
        id: pending,
        verdict: 'pending',
        event: 'userstory.change',
        routes: ['alpha/task:3'],
      }),
    ]);
    const older = await h.request('GET', `/inbox?project=alpha&before=${page.body.next}`);
    expect(older.body.deliveries.map((d: { id: string }) => d.id)).toEqual([first]);
    expect(older.body.deliveries[0].verdict).toBe('routed');
    const asAlpha = await h.request('GET', '/inbox', { projectToken: alphaToken });
    expect(asAlpha.body.deliveries.every((d: { projectKey: string }) => d.projectKey === 'alpha')).toBe(true);

    const replay = (options: object) =>
      h.request('POST', `/inbox/${first}/actions/replay`, {
        headers: { 'idempotency-key': 'r1' },
        ...options,
      });
    expect((await replay({ projectToken: alphaToken })).status).toBe(403);
    // The harness has no ingester to hand the replay to.
    const refused = await replay({});
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('INGESTER_UNAVAILABLE');
    expect(
      (await h.request('POST', '/inbox/1-0/actions/replay', { headers: { 'idempotency-key': 'r2' } })).status,
    ).toBe(404);
  });

  it('GET /runs/{runId}/comments derives the comments of the run’s events and says which were posted', async () => {
    const { run, step } = await needsQaStep('alpha');
    await h.store.runs.transitionStep(run.id, step.id, 'approved', { actor });
    const res = await h.request('GET', `/runs/${run.id}/comments`);
    expect(res.status).toBe(200);
    expect(res.body.comments.length).toBeGreaterThan(0);
    expect(res.body.comments.every((c: { posted: boolean }) => c.posted === false)).toBe(true);
    const last = res.body.comments.at(-1);
    await h.redis.client.set(h.keys.writeBackCursor(run.id), last.eventId);
    const after = await h.request('GET', `/runs/${run.id}/comments`);
    expect(after.body.comments.every((c: { posted: boolean }) => c.posted)).toBe(true);
  });
});
