import {
  buildProjectSpec,
  buildTaigaItem,
  createTestRedis,
  type TestRedis,
  testActor,
} from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixupStepId } from '../rules/review-feedback.js';
import { createStateStore, type StateStore } from './index.js';

let redis: TestRedis;
let store: StateStore;

beforeAll(async () => {
  redis = await createTestRedis();
  store = createStateStore({ redis: redis.client, prefix: redis.prefix });
});
afterAll(async () => redis.stop());

async function newRun(projectId = 'demo') {
  const created = await store.runs.createRun({
    projectId,
    taigaItem: buildTaigaItem(),
    title: 'Add a login page',
    correlationId: 'corr-1',
    actor: testActor,
  });
  if (created.kind !== 'created') throw new Error('expected a new run');
  return created.run;
}

/** A run in `running` with `count` pending steps. */
async function runWithSteps(count: number) {
  const run = await newRun();
  await store.runs.transitionRun(run.id, 'plan_started', { actor: testActor });
  const steps = Array.from({ length: count }, (_, i) => ({
    title: `step ${i}`,
    instructions: `do ${i}`,
    taigaTaskId: 1000 + i,
  }));
  const stored = await store.runs.storePlan(run.id, { engine: 'taiga-tasks', steps }, { actor: testActor });
  expect(stored.kind).toBe('applied');
  await store.runs.transitionRun(run.id, 'plan_ready', { actor: testActor });
  await store.runs.transitionRun(run.id, 'run_started', { actor: testActor });
  return { run, steps: await store.runs.listSteps(run.id) };
}

describe('RunStore', () => {
  it('lets exactly one of 50 concurrent attempts start the same step', async () => {
    const { run, steps } = await runWithSteps(1);
    const step = steps[0]!;
    const attempts = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.runs.transitionStep(run.id, step.id, 'step_started', {
          actor: { kind: 'system', name: `worker-${i}` },
          patch: (current) => ({ attempts: current.attempts + 1 }),
        }),
      ),
    );
    expect(attempts.filter((a) => a.kind === 'applied')).toHaveLength(1);
    expect(
      attempts.filter((a) => a.kind === 'applied').length +
        attempts.filter((a) => a.kind === 'conflict' || a.kind === 'refused').length,
    ).toBe(50);
    const after = await store.runs.getStep(run.id, step.id);
    expect(after).toMatchObject({ status: 'running', attempts: 1, version: 2 });
    const started = (await store.events.readRun(run.id)).filter((e) => e.type === 'step_run.step_started');
    expect(started).toHaveLength(1);
  });

  it('applies a command replayed with the same idempotency key once', async () => {
    const run = await newRun();
    const command = { actor: testActor, idempotencyKey: 'start-1', payload: { why: 'test' } };
    const first = await store.runs.transitionRun(run.id, 'plan_started', command);
    const second = await store.runs.transitionRun(run.id, 'plan_started', command);
    expect(first.kind).toBe('applied');
    // The replay answers with what the first call asked for, so a retried handler can dispatch it again.
    expect(second).toEqual({
      kind: 'replayed',
      version: 2,
      eventId: first.kind === 'applied' ? first.eventId : '',
      correlationId: 'corr-1',
      effects: ['sync_taiga'],
    });
    expect((await store.runs.getRun(run.id))?.version).toBe(2);
    expect((await store.events.readRun(run.id)).map((e) => e.type)).toEqual([
      'protocol_run.created',
      'protocol_run.plan_started',
    ]);
  });

  it('records exactly one event per transition, in order, with versions', async () => {
    const { run, steps } = await runWithSteps(2);
    for (const step of steps) {
      await store.runs.transitionStep(run.id, step.id, 'step_started', { actor: testActor });
      await store.runs.transitionStep(run.id, step.id, 'execution_finished', { actor: testActor });
      await store.runs.transitionStep(run.id, step.id, 'qa_passed', { actor: testActor });
    }
    await store.runs.transitionRun(run.id, 'steps_completed', { actor: testActor });
    const events = await store.events.readRun(run.id);
    expect(events.map((e) => `${e.type}:${e.from}->${e.to}`)).toEqual([
      'protocol_run.created:null->pending',
      'protocol_run.plan_started:pending->planning',
      'protocol_run.plan_stored:planning->planning',
      'protocol_run.plan_ready:planning->planned',
      'protocol_run.run_started:planned->running',
      ...steps.flatMap(() => [
        'step_run.step_started:pending->running',
        'step_run.execution_finished:running->needs_qa',
        'step_run.qa_passed:needs_qa->completed',
      ]),
      'protocol_run.steps_completed:running->completed',
    ]);
    expect(events.every((e) => e.correlationId === 'corr-1')).toBe(true);
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))).toEqual(ids);
    const runVersions = events.filter((e) => e.entityId === run.id).map((e) => e.version);
    expect(runVersions).toEqual([1, 2, 3, 4, 5, 6]);
    const project = await store.events.readProject(run.projectId, { count: 10_000 });
    expect(
      project.filter((e) => e.correlationId === 'corr-1' && events.some((r) => r.entityId === e.entityId))
        .length,
    ).toBeGreaterThanOrEqual(events.length);
  });

  it('answers the record as written, and records the effects in the event', async () => {
    const run = await newRun();
    const outcome = await store.runs.transitionRun(run, 'plan_started', {
      actor: testActor,
      patch: () => ({ reason: 'why not' }),
    });
    expect(outcome).toMatchObject({
      kind: 'applied',
      record: { id: run.id, status: 'planning', version: 2, reason: 'why not' },
      correlationId: 'corr-1',
      effects: ['sync_taiga'],
    });
    expect(await store.runs.getRun(run.id)).toEqual(outcome.kind === 'applied' ? outcome.record : null);
    const event = (await store.events.readRun(run.id)).at(-1);
    expect(event).toMatchObject({ type: 'protocol_run.plan_started', effects: ['sync_taiga'], version: 2 });
  });

  it('runs the machine again on the record the script answers when the held one is stale', async () => {
    const run = await newRun();
    await store.runs.transitionRun(run.id, 'plan_started', { actor: testActor });
    // Held at `pending`, where the machine refuses `plan_failed`; Redis has it `planning`, where it is allowed.
    const failed = await store.runs.transitionRun(run, 'plan_failed', { actor: testActor });
    expect(failed).toMatchObject({ kind: 'applied', record: { status: 'failed', version: 3 } });
    // Held at `pending`, where `cancelled` is allowed; Redis has it `failed`: the move is made from there.
    const cancelled = await store.runs.transitionRun(run, 'cancelled', { actor: testActor });
    expect(cancelled).toMatchObject({ kind: 'applied', transition: { from: 'failed', to: 'cancelled' } });
    // Terminal now: a stale held record is refused once Redis has confirmed the state.
    const refused = await store.runs.transitionRun(run, 'plan_started', { actor: testActor });
    expect(refused.kind === 'refused' && refused.error.state).toBe('cancelled');
  });

  it('refuses an illegal event with the current state and the allowed ones, changing nothing', async () => {
    const run = await newRun();
    const outcome = await store.runs.transitionRun(run.id, 'resumed', { actor: testActor });
    expect(outcome.kind).toBe('refused');
    if (outcome.kind === 'refused') {
      expect(outcome.error.state).toBe('pending');
      expect(outcome.error.allowed).toEqual(['plan_started', 'cancelled']);
    }
    expect((await store.runs.getRun(run.id))?.version).toBe(1);
  });

  it('rejects a command made against a stale version', async () => {
    const run = await newRun();
    await store.runs.transitionRun(run.id, 'plan_started', { actor: testActor });
    const stale = await store.runs.transitionRun(run.id, 'cancelled', {
      actor: testActor,
      expectedVersion: 1,
    });
    expect(stale).toEqual({ kind: 'conflict', status: 'planning', version: 2 });
  });

  it('keeps one active run per Taiga item and frees the item when the run ends', async () => {
    const item = buildTaigaItem();
    const input = { projectId: 'demo', taigaItem: item, title: 't', correlationId: 'c', actor: testActor };
    const [a, b] = await Promise.all([store.runs.createRun(input), store.runs.createRun(input)]);
    const created = [a, b].filter((r) => r.kind === 'created');
    expect(created).toHaveLength(1);
    const runId = created[0]!.kind === 'created' ? created[0]!.run.id : '';
    expect([a, b].find((r) => r.kind === 'exists')).toEqual({ kind: 'exists', runId });
    expect((await store.runs.findActiveRun('demo', item))?.id).toBe(runId);

    await store.runs.transitionRun(runId, 'cancelled', { actor: testActor });
    expect(await store.runs.findActiveRun('demo', item)).toBeNull();
    const again = await store.runs.createRun(input);
    expect(again.kind).toBe('created');
    expect(await store.runs.listRunIdsForItem('demo', item)).toHaveLength(2);
  });

  it('looks runs up by project and status, and steps in order', async () => {
    const project = `p-${Date.now()}`;
    // A clock one second apart per read, so "newest first" has an answer.
    let tick = Date.parse('2026-01-01T00:00:00Z');
    const now = () => {
      tick += 1000;
      return new Date(tick);
    };
    const ticking = createStateStore({ redis: redis.client, prefix: redis.prefix, now });
    const create = async () => {
      const created = await ticking.runs.createRun({
        projectId: project,
        taigaItem: buildTaigaItem(),
        title: 't',
        correlationId: 'c',
        actor: testActor,
      });
      if (created.kind !== 'created') throw new Error('expected a new run');
      return created.run;
    };
    const first = await create();
    const second = await create();
    await ticking.runs.transitionRun(second.id, 'plan_started', { actor: testActor });
    expect(await store.runs.listRunIds(project)).toEqual({ ids: [second.id, first.id], total: 2 });
    expect(await store.runs.listRunIds(project, { status: 'pending' })).toEqual({
      ids: [first.id],
      total: 1,
    });
    expect(await store.runs.listRunIds(project, { status: 'planning' })).toEqual({
      ids: [second.id],
      total: 1,
    });

    const { run, steps } = await runWithSteps(3);
    expect(steps.map((s) => [s.order, s.title, s.status])).toEqual([
      [0, 'step 0', 'pending'],
      [1, 'step 1', 'pending'],
      [2, 'step 2', 'pending'],
    ]);
    expect((await store.runs.findStep(steps[1]!.id))?.protocolRunId).toBe(run.id);
    expect((await store.runs.findStepByTaigaTask(run.projectId, 1002))?.id).toBe(steps[2]!.id);
  });

  it('replaces the steps when a run is planned again', async () => {
    const { run, steps } = await runWithSteps(2);
    await store.runs.transitionRun(run.id, 'failed', { actor: testActor });
    await store.runs.transitionRun(run.id, 'replanned', { actor: testActor });
    const replanned = await store.runs.storePlan(
      run.id,
      { engine: 'checklist', steps: [{ title: 'only step', instructions: '', taigaTaskId: null }] },
      { actor: testActor },
    );
    expect(replanned.kind).toBe('applied');
    if (replanned.kind === 'applied')
      expect(replanned.record.plan).toMatchObject({ engine: 'checklist', stepCount: 1, generation: 2 });
    const now = await store.runs.listSteps(run.id);
    expect(now.map((s) => s.title)).toEqual(['only step']);
    expect(await store.runs.findStep(steps[0]!.id)).toBeNull();
    expect(await store.runs.findStepByTaigaTask(run.projectId, 1000)).toBeNull();
  });

  it('refuses to store a plan unless the run is planning', async () => {
    const run = await newRun();
    const outcome = await store.runs.storePlan(run.id, { engine: 'x', steps: [] }, { actor: testActor });
    expect(outcome).toEqual({ kind: 'conflict', status: 'pending', version: 1 });
  });

  it('appends a fix-up step once, only while the run is in the expected status, and indexes it', async () => {
    const { run } = await runWithSteps(1);
    const fixup = { title: 'Fix-up 1', instructions: 'rename it', taigaTaskId: 2001 };
    const refused = await store.runs.appendStep(
      run.id,
      { stepId: fixupStepId(run.id, 1), step: fixup, expectedStatus: 'in_review' },
      { actor: testActor },
    );
    expect(refused).toEqual({ kind: 'status_mismatch', status: 'running' });
    const input = { stepId: fixupStepId(run.id, 1), step: fixup, expectedStatus: 'running' as const };
    const appended = await store.runs.appendStep(run.id, input, { actor: testActor });
    expect(appended).toMatchObject({
      kind: 'appended',
      step: {
        id: input.stepId,
        status: 'pending',
        version: 1,
        order: 1,
        title: 'Fix-up 1',
        taigaTaskId: 2001,
      },
    });
    expect(await store.runs.appendStep(run.id, input, { actor: testActor })).toEqual({ kind: 'exists' });
    expect((await store.runs.listSteps(run.id)).map((s) => s.id).at(-1)).toBe(input.stepId);
    expect((await store.runs.findStep(input.stepId))?.protocolRunId).toBe(run.id);
    expect((await store.runs.findStepByTaigaTask(run.projectId, 2001))?.id).toBe(input.stepId);
    const appendedEvents = (await store.events.readRun(run.id)).filter((e) => e.type === 'step_run.appended');
    expect(appendedEvents).toHaveLength(1);
    expect(
      await store.runs.appendStep(
        'run_none',
        { ...input, stepId: fixupStepId('run_none', 1) },
        { actor: testActor },
      ),
    ).toEqual({ kind: 'not_found' });
  });
});

describe('ProjectRepository', () => {
  it('creates, updates with compare-and-set, and lists projects', async () => {
    const spec = buildProjectSpec({ id: `proj-${Date.now()}` });
    const created = await store.projects.put(spec, 0);
    expect(created).toMatchObject({ kind: 'saved', project: { ...spec, version: 1 } });
    expect(await store.projects.put(spec, 0)).toEqual({ kind: 'conflict', currentVersion: 1 });
    const updated = await store.projects.put({ ...spec, name: 'Renamed' }, 1);
    expect(updated).toMatchObject({ kind: 'saved', project: { name: 'Renamed', version: 2 } });
    expect((await store.projects.list()).map((p) => p.id)).toContain(spec.id);
  });
});
