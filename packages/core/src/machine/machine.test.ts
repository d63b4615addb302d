import { describe, expect, it } from 'vitest';
import { allowedEvents, IllegalTransitionError, isTerminal, transition } from './machine.js';
import { protocolRunMachine } from './protocol-run-machine.js';
import { stepRunMachine } from './step-run-machine.js';

// The expected transitions, written out independently of the tables: `state: event → next`.
const expectedProtocolRun = `
  pending: plan_started → planning, cancelled → cancelled
  planning: plan_ready → planned, plan_failed → failed, cancelled → cancelled
  planned: run_started → running, paused → paused, replanned → planning, cancelled → cancelled
  running: steps_completed → completed, pr_opened → in_review, pr_merged → completed, pr_closed → cancelled, blocked → blocked, ci_failed → blocked, failed → failed, paused → paused, cancelled → cancelled
  in_review: fixup_requested → running, pr_merged → completed, pr_closed → cancelled, blocked → blocked, cancelled → cancelled
  paused: resumed → running, cancelled → cancelled
  blocked: resumed → running, pr_merged → completed, pr_closed → cancelled, cancelled → cancelled
  failed: replanned → planning, cancelled → cancelled
  cancelled:
  completed:
`;
const expectedStepRun = `
  pending: step_started → running, cancelled → cancelled
  running: execution_finished → needs_qa, execution_failed → failed, interrupted → pending, blocked → blocked, cancelled → cancelled
  needs_qa: qa_passed → completed, approved → completed, qa_failed → failed, ci_failed → blocked, cancelled → cancelled
  failed: retried → pending, cancelled → cancelled
  blocked: qa_passed → completed, approved → completed, retried → pending, cancelled → cancelled
  completed:
  cancelled:
`;

function parseExpected(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const line of text.trim().split('\n')) {
    const [state, rest] = line.trim().split(':') as [string, string];
    for (const rule of rest
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean)) {
      const [event, to] = rule.split('→').map((s) => s.trim()) as [string, string];
      pairs.set(`${state}|${event}`, to);
    }
  }
  return pairs;
}

const machines = [
  {
    machine: protocolRunMachine,
    expected: parseExpected(expectedProtocolRun),
    terminal: ['cancelled', 'completed'],
  },
  { machine: stepRunMachine, expected: parseExpected(expectedStepRun), terminal: ['completed', 'cancelled'] },
] as const;

for (const { machine, expected, terminal } of machines) {
  describe(`${machine.name} machine`, () => {
    const pairs = machine.states.flatMap((state) => machine.events.map((event) => [state, event] as const));

    it.each(pairs)('%s + %s', (state, event) => {
      const result = transition(machine as never, state, event);
      const to = expected.get(`${state}|${event}`);
      if (to === undefined) {
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error).toBeInstanceOf(IllegalTransitionError);
        expect(result.error.code).toBe('ILLEGAL_TRANSITION');
        expect(result.error.state).toBe(state);
        expect(result.error.event).toBe(event);
        expect(result.error.message).toContain(`'${event}'`);
        expect(result.error.message).toContain(`'${state}'`);
        expect(result.error.allowed).toEqual(allowedEvents(machine as never, state));
      } else {
        expect(result).toMatchObject({ ok: true, from: state, to, event });
        if (result.ok)
          expect(result.domainEvent).toEqual({ machine: machine.name, type: event, from: state, to });
      }
    });

    it('has no transition the expectation does not list', () => {
      const actual = pairs.filter(([state, event]) => transition(machine as never, state, event).ok).length;
      expect(actual).toBe(expected.size);
    });

    it('derives exactly the terminal states', () => {
      expect(machine.states.filter((state) => isTerminal(machine as never, state)).sort()).toEqual(
        [...terminal].sort(),
      );
    });

    it('reaches every state from the initial one', () => {
      const seen = new Set<string>([machine.states[0] as string]);
      for (let changed = true; changed; ) {
        changed = false;
        for (const [key, to] of expected) {
          if (seen.has(key.split('|')[0]!) && !seen.has(to)) {
            seen.add(to);
            changed = true;
          }
        }
      }
      expect([...seen].sort()).toEqual([...machine.states].sort());
    });
  });
}

describe('refusals', () => {
  it('names the allowed events, or says the state is terminal', () => {
    const refused = transition(stepRunMachine, 'pending', 'approved');
    expect(refused.ok).toBe(false);
    if (!refused.ok)
      expect(refused.error.message).toBe(
        "step_run: event 'approved' is not allowed in state 'pending'; allowed: step_started, cancelled",
      );
    const terminal = transition(protocolRunMachine, 'completed', 'resumed');
    if (!terminal.ok) expect(terminal.error.message).toContain('the state is terminal');
    expect(terminal.ok).toBe(false);
  });
});
