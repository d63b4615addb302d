import { describe, expect, it } from 'vitest';
import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import { Effect } from '../machine/machine.js';
import { protocolRunMachine } from '../machine/protocol-run-machine.js';
import { stepRunMachine } from '../machine/step-run-machine.js';
import { eventCatalog, eventSpec } from './event-catalog.js';
import { planRunTransition, planStepTransition } from './plan-transition.js';
import { commentFor } from './run-comments.js';

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
const step: StepRun = {
  id: 'step_bbbbbbbb',
  protocolRunId: run.id,
  projectId: 'demo',
  order: 0,
  title: 'Add form',
  instructions: '',
  status: 'completed',
  version: 3,
  attempts: 1,
  taigaTaskId: 10,
  resultSummary: null,
  commitSha: null,
  createdAt: at,
  updatedAt: at,
};

const transitions = [
  ...protocolRunMachine.states.flatMap((state) =>
    protocolRunMachine.events.map((event) => ({ plan: planRunTransition(state, event), entityId: run.id })),
  ),
  ...stepRunMachine.states.flatMap((state) =>
    stepRunMachine.events.map((event) => ({ plan: planStepTransition(state, event), entityId: step.id })),
  ),
].flatMap(({ plan, entityId }) => (plan.ok ? [{ plan, entityId }] : []));

describe('the event catalog', () => {
  it.each(transitions.map((t) => [`${t.plan.type} from ${t.plan.from}`, t] as const))(
    '%s: comments exactly when it asks for comment_taiga',
    (_, { plan, entityId }) => {
      const comment = commentFor(
        {
          id: '1-0',
          type: plan.type,
          entityId,
          from: plan.from,
          to: plan.to,
          version: 2,
          at,
          actor: { kind: 'operator', name: 'ana' },
          correlationId: 'c',
          payload: { reason: 'a reason' },
        },
        run,
        [step],
      );
      expect(comment !== null).toBe(plan.effects.includes(Effect.CommentTaiga));
      expect(plan.effects.includes(Effect.SyncTaiga)).toBe(eventSpec(plan.type)?.syncsTaiga);
    },
  );

  it('has a row for every event of both machines, and none else', () => {
    expect(Object.keys(eventCatalog.protocol_run).sort()).toEqual([...protocolRunMachine.events].sort());
    expect(Object.keys(eventCatalog.step_run).sort()).toEqual([...stepRunMachine.events].sort());
  });

  it('words the moments that had no comment before: a step that passes QA, is approved or is blocked', () => {
    const text = (type: string) =>
      commentFor(
        {
          id: '1-0',
          type,
          entityId: step.id,
          from: null,
          to: null,
          version: 2,
          at,
          actor: { kind: 'operator', name: 'ana' },
          correlationId: 'c',
          payload: { reason: 'the engine hung' },
        },
        run,
        [step],
      )?.text;
    expect(text('step_run.qa_passed')).toContain('Step 1/1 "Add form" passed QA.');
    expect(text('step_run.approved')).toContain('Step 1/1 "Add form" was approved by ana.');
    expect(text('step_run.blocked')).toContain('Step 1/1 "Add form" is blocked: the engine hung');
  });
});
