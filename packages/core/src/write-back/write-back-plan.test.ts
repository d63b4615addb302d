import { describe, expect, it } from 'vitest';
import { resolveStatusMapping } from '../mapping/status-mapping.js';
import { sampleEvent, sampleRun, sampleStep } from '../testing/sample-run.fixture.js';
import { writeBackPlan } from './write-back-plan.js';

const run = sampleRun();
const steps = [0, 1].map((order) =>
  sampleStep(order, { instructions: '', status: order === 0 ? 'needs_qa' : 'pending' }),
);
const mapping = resolveStatusMapping({ preset: 'taiga-default' });
const event = (id: string, type: string, entityId: string) => sampleEvent(type, entityId, { id });

describe('writeBackPlan', () => {
  it("puts a step's status and comment on the step's task only, for one PATCH", () => {
    const plan = writeBackPlan({
      events: [event('1-0', 'step_run.execution_finished', steps[0]!.id)],
      run,
      steps,
      mapping,
    });
    expect(plan).toHaveLength(1);
    expect(plan[0]).toMatchObject({
      item: { type: 'task', id: 10 },
      desired: { statusSlug: 'ready-for-test' },
      comments: [{ eventId: '1-0' }],
    });
  });

  it("syncs every item of the run for a run's event, and comments on the story", () => {
    const plan = writeBackPlan({
      events: [event('2-0', 'protocol_run.blocked', run.id)],
      run,
      steps,
      mapping,
    });
    expect(plan.map((w) => [w.item.type, w.item.id, w.comments.length])).toEqual([
      ['userstory', 1, 1],
      ['task', 10, 0],
      ['task', 11, 0],
    ]);
  });

  it('asks nothing of Taiga for events that neither sync nor comment', () => {
    const events = [
      event('3-0', 'step_run.interrupted', steps[0]!.id),
      event('4-0', 'protocol_run.created', run.id),
    ];
    expect(writeBackPlan({ events, run, steps, mapping })).toEqual([]);
  });

  it('writes every item afresh on a refresh, events or not', () => {
    const plan = writeBackPlan({ events: [], run, steps, mapping, refresh: true });
    expect(plan.map((w) => [w.item.id, w.reread])).toEqual([
      [1, true],
      [10, true],
      [11, true],
    ]);
  });
});
