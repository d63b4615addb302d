import { describe, expect, it } from 'vitest';
import { Effect } from '../machine/machine.js';
import { protocolRunMachine } from '../machine/protocol-run-machine.js';
import { stepRunMachine } from '../machine/step-run-machine.js';
import { sampleEvent, sampleRun, sampleStep } from '../testing/sample-run.fixture.js';
import { eventCatalog, eventSpec } from './event-catalog.js';
import { planRunTransition, planStepTransition } from './plan-transition.js';
import { commentFor } from './run-comments.js';

const run = sampleRun();
const step = sampleStep(0, { title: 'Add form' });

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
        sampleEvent(plan.type, entityId, {
          from: plan.from,
          to: plan.to,
          actor: { kind: 'operator', name: 'ana' },
          payload: { reason: 'a reason' },
        }),
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
        sampleEvent(type, step.id, {
          actor: { kind: 'operator', name: 'ana' },
          payload: { reason: 'the engine hung' },
        }),
        run,
        [step],
      )?.text;
    expect(text('step_run.qa_passed')).toContain('Step 1/1 "Add form" passed QA.');
    expect(text('step_run.approved')).toContain('Step 1/1 "Add form" was approved by ana.');
    expect(text('step_run.blocked')).toContain('Step 1/1 "Add form" is blocked: the engine hung');
  });
});
