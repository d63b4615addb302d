import { describe, expect, it } from 'vitest';
import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';
import { commentFor, commentMarker } from './run-comments.js';

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
const steps: StepRun[] = ['Add form', 'Add tests'].map((title, order) => ({
  id: `step_bbbbbbb${order}`,
  protocolRunId: run.id,
  projectId: 'demo',
  order,
  title,
  instructions: title,
  status: 'completed',
  version: 3,
  attempts: 1,
  taigaTaskId: 10 + order,
  resultSummary: order === 0 ? 'form added' : null,
  commitSha: order === 0 ? '0123456789abcdef0123' : null,
  createdAt: at,
  updatedAt: at,
}));
const event = (type: string, entityId: string, payload: Record<string, unknown> = {}): RunEvent => ({
  id: '1-0',
  type,
  entityId,
  from: null,
  to: null,
  version: 2,
  at,
  actor: { kind: 'system', name: 't' },
  correlationId: 'c',
  payload,
});

describe('commentFor', () => {
  it('lists the plan on the story', () => {
    const comment = commentFor(event('protocol_run.plan_ready', run.id), run, steps);
    expect(comment?.on).toBe('item');
    expect(comment?.text).toContain('planned this in 2 steps:\n1. Add form\n2. Add tests');
    expect(comment?.text).toContain(commentMarker('1-0'));
  });

  it("reports a finished step with its summary and commit on the step's task", () => {
    const comment = commentFor(event('step_run.execution_finished', steps[0]!.id), run, steps);
    expect(comment).toMatchObject({ on: 'step', stepRunId: steps[0]!.id });
    expect(comment?.text).toContain('Step 1/2 "Add form" is done: form added');
    expect(comment?.text).toContain('Commit `0123456789ab` on branch `tundra/42-login-page`');
  });

  it('gives the reason of a block', () => {
    expect(
      commentFor(event('protocol_run.blocked', run.id, { reason: 'tests failed 3 times' }), run, steps)?.text,
    ).toContain('Tundra is blocked: tests failed 3 times');
  });

  it('says nothing for bookkeeping events', () => {
    expect(commentFor(event('protocol_run.run_started', run.id), run, steps)).toBeNull();
    expect(commentFor(event('step_run.step_started', steps[0]!.id), run, steps)).toBeNull();
  });
});
