import { createStateStore, type StateStore } from '@tundra/core/server';
import { buildProjectSpec, createTestRedis, type TestRedis, testActor } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clockOverlapMs, runsToCheck } from '../src/handlers/reconcile.js';

let redis: TestRedis;
let store: StateStore;

beforeAll(async () => {
  redis = await createTestRedis();
  store = createStateStore({ redis: redis.client, prefix: redis.prefix });
});
afterAll(async () => redis.stop());

/** Taiga's lists of items modified since a date: what the reconciler asks for, and what it was asked. */
function taigaListing(modified: { stories: number[]; tasks: number[] }) {
  const asked: unknown[] = [];
  return {
    asked,
    taiga: {
      listUserStories: async (filters: unknown) => {
        asked.push(filters);
        return modified.stories.map((id) => ({ id })) as never;
      },
      listTasks: async (filters: unknown) => {
        asked.push(filters);
        return modified.tasks.map((id) => ({ id })) as never;
      },
    },
  };
}

describe('the reconciler, pass after pass', () => {
  it('reads every latest run on its first pass, then only the runs whose Taiga items changed', async () => {
    const saved = await store.projects.put(buildProjectSpec({ id: `incr-${Date.now()}` }), 0);
    if (saved.kind !== 'saved') throw new Error('expected the project saved');
    const project = saved.project;
    const runs = [];
    for (const id of [101, 102, 103]) {
      const created = await store.runs.createRun({
        projectId: project.id,
        taigaItem: { type: 'userstory', id, ref: id },
        title: 't',
        correlationId: `c-${id}`,
        actor: testActor,
      });
      if (created.kind !== 'created') throw new Error('expected a new run');
      runs.push(created.run);
    }
    const first = taigaListing({ stories: [], tasks: [] });
    expect((await runsToCheck({ store, taiga: first.taiga }, project)).sort()).toEqual(
      runs.map((r) => r.id).sort(),
    );
    expect(first.asked).toEqual([]);

    const startedAt = Date.parse('2026-12-05T00:00:00Z');
    await store.reconciler.setMovesSince(project.id, startedAt);
    // Story 102 moved, and a story and a task Tundra does not track.
    const second = taigaListing({ stories: [102, 999], tasks: [4242] });
    expect(await runsToCheck({ store, taiga: second.taiga }, project)).toEqual([runs[1]!.id]);
    const since = new Date(startedAt - clockOverlapMs).toISOString();
    expect(second.asked).toEqual([
      { project: project.taiga.projectId, modified_date__gte: since },
      { project: project.taiga.projectId, modified_date__gte: since },
    ]);
  });
});
