import { describe, expect, it } from 'vitest';
import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';
import { resolveStatusMapping } from '../mapping/status-mapping.js';
import { writeBackPlan } from './write-back-plan.js';

const at = '2026-01-01T00:00:00.000Z';
const run: ProtocolRun = {
  id: 'run_aaaaaaaa',
  projectId: 'demo',
  status: 'running',
  version: 5,
  taigaItem: { type: 'userstory', id: 1, ref: 42 },
  title: 'Login page',
  branch: 'tundra/42-login-page',
  plan: null,
  correlationId: 'c',
  reason: null,
  createdAt: at,
  updatedAt: at,
};
const steps: StepRun[] = [0, 1].map((order) => ({
  id: `step_bbbbbbb${order}`,
  protocolRunId: run.id,
  projectId: 'demo',
  order,
  title: `step ${order}`,
  instructions: '',
  status: order === 0 ? 'needs_qa' : 'pending',
  version: 3,
  attempts: 1,
  taigaTaskId: 10 + order,
  resultSummary: null,
  commitSha: null,
  createdAt: at,
  updatedAt: at,
}));
const mapping = resolveStatusMapping({ preset: 'taiga-default' });
const event = (id: string, type: string, entityId: string): RunEvent => ({
  id,
  type,
  entityId,
  from: null,
  to: null,
  version: 2,
  at,
  actor: { kind: 'system', name: 't' },
  correlationId: 'c',
  payload: {},
});

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
