import type { RunningService } from '@tundra/core/server';
import { waitForStreamEntry } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, startHarness } from '../../api/test/harness.js';
import { startTestPlanner } from './test-planner.js';

// The audit of `run start`, end to end: the API over real HTTP enqueues `run.start` with who asked and why, and the
// real planner, on the same Redis and against the Taiga sandbox, records both on the run's first event.

let h: ApiHarness;
let planner: RunningService;
let projectToken: string;

beforeAll(async () => {
  h = await startHarness();
  planner = await startTestPlanner({
    redis: h.redis,
    taigaUrl: h.taiga.url,
    bot: h.seed.users.bot,
    concurrency: 2,
  });
  await h.putProject({
    id: 'audit',
    taiga: { projectId: h.seed.project.id, projectSlug: h.seed.project.slug, webhookSecretRef: 'UNUSED' },
    planEngine: { kind: 'taiga-tasks' },
  });
  projectToken = await h.projectToken('audit', 'release-bot');
});

afterAll(async () => {
  await planner?.stop();
  await h?.stop();
});

/** Waits for the planner to create the run of a Taiga item (ids are per type), and returns the run's id. */
async function createdRunOf(item: { type: string; id: number }): Promise<string> {
  const created = await waitForStreamEntry(h.redis.client, h.keys.projectEvents('audit'), (fields) => {
    if (fields.type !== JSON.stringify('protocol_run.created')) return false;
    const { taigaItem } = JSON.parse(fields.payload!) as { taigaItem: { type: string; id: number } };
    return taigaItem.type === item.type && taigaItem.id === item.id;
  });
  return JSON.parse(created.fields.entityId!) as string;
}

describe('run start, through the API and the planner', () => {
  it("records the operator and the reason on the run's created event", async () => {
    const started = await h.request('POST', '/runs', {
      body: { projectId: 'audit', ref: h.seed.story.ref, reason: 'demo' },
      headers: { 'idempotency-key': 'audit-start-story' },
    });
    expect(started.status).toBe(202);
    const runId = await createdRunOf({ type: 'userstory', id: h.seed.story.id });

    const events = await h.request('GET', `/runs/${runId}/events`);
    expect(events.status).toBe(200);
    expect(events.body.events[0]).toMatchObject({
      type: 'protocol_run.created',
      entityId: runId,
      from: null,
      to: 'pending',
      actor: { kind: 'operator', name: 'admin' },
      correlationId: expect.stringMatching(/^api-[0-9a-f]{24}$/),
      payload: {
        taigaItem: { type: 'userstory', id: h.seed.story.id, ref: h.seed.story.ref },
        sourceEventId: null,
        reason: 'demo',
      },
    });
    // What the planner does next is its own doing.
    const next = await waitForStreamEntry(
      h.redis.client,
      h.keys.runEvents(runId),
      (fields) => fields.type === JSON.stringify('protocol_run.plan_started'),
    );
    expect(JSON.parse(next.fields.actor!)).toEqual({ kind: 'system', name: 'planner' });
  });

  it("names a project token's identity, and no reason when none was given", async () => {
    const task = h.seed.tasks[0]!;
    const started = await h.request('POST', '/runs', {
      projectToken,
      body: { projectId: 'audit', ref: task.ref },
      headers: { 'idempotency-key': 'audit-start-task' },
    });
    expect(started.status).toBe(202);
    const runId = await createdRunOf({ type: 'task', id: task.id });
    const [created] = (await h.request('GET', `/runs/${runId}/events?limit=1`, { projectToken })).body.events;
    expect(created).toMatchObject({
      type: 'protocol_run.created',
      actor: { kind: 'operator', name: 'project:audit/release-bot' },
      payload: { taigaItem: { type: 'task', id: task.id, ref: task.ref }, reason: null },
    });
  });
});
