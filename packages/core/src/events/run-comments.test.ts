import { describe, expect, it } from 'vitest';
import { sampleEvent, sampleRun, sampleStep } from '../testing/sample-run.fixture.js';
import { commentFor, commentMarker } from './run-comments.js';

const run = sampleRun();
const steps = ['Add form', 'Add tests'].map((title, order) =>
  sampleStep(order, {
    title,
    instructions: title,
    resultSummary: order === 0 ? 'form added' : null,
    commitSha: order === 0 ? '0123456789abcdef0123' : null,
  }),
);
const event = (type: string, entityId: string, payload: Record<string, unknown> = {}) =>
  sampleEvent(type, entityId, { payload });

describe('commentFor', () => {
  it('lists the plan on the story', () => {
    const comment = commentFor(event('protocol_run.plan_ready', run.id), run, steps);
    expect(comment?.on).toBe('item');
    expect(comment?.text).toContain('planned this in 2 steps:\n\n1. Add form\n2. Add tests');
    expect(comment?.text).toContain(commentMarker('1-0'));
    expect(comment?.text).not.toContain('/tundra go');
  });

  it('ends with a Markdown footer a person can read, with the marker and no raw HTML', () => {
    const text = commentFor(event('protocol_run.plan_ready', run.id), run, steps)?.text ?? '';
    expect(text.endsWith(`\n\n---\n\n_Tundra · run \`${run.id}\` · ${commentMarker('1-0')}_`)).toBe(true);
    expect(text).not.toMatch(/<\/?[a-z]/);
  });

  it('asks for approval when the plan waits for it', () => {
    const planned = { ...event('protocol_run.plan_ready', run.id), payload: { awaitingApproval: true } };
    expect(commentFor(planned, run, steps)?.text).toContain('comment `/tundra go` to start');
  });

  it("says a step was cancelled on its own, and keeps quiet when its run's cancel took it", () => {
    const cancelled = {
      ...event('step_run.cancelled', steps[1]!.id),
      payload: { reason: 'its task was deleted in Taiga' },
    };
    expect(commentFor(cancelled, run, steps)?.text).toContain(
      'Step 2/2 "Add tests" was cancelled: its task was deleted in Taiga. The run goes on.',
    );
    expect(commentFor(cancelled, { ...run, status: 'cancelled' }, steps)).toBeNull();
  });

  it("reports a finished step with its summary and commit on the step's task", () => {
    const comment = commentFor(event('step_run.execution_finished', steps[0]!.id), run, steps);
    expect(comment).toMatchObject({ on: 'step', stepRunId: steps[0]!.id });
    expect(comment?.text).toContain('Step 1/2 "Add form" is done: form added');
    expect(comment?.text).toContain('Commit `0123456789ab` on branch `tundra/42-login-page`');
  });

  it('says what the engines spent, on a finished step and at the end of the run', () => {
    const spent = steps.map((step, i) => ({
      ...step,
      model: 'claude-sonnet-4-5',
      spend: { costUsd: 0.25 * (i + 1), tokensIn: 10_000, tokensOut: 1_500 },
    }));
    expect(commentFor(event('step_run.execution_finished', spent[0]!.id), run, spent)?.text).toContain(
      'Spent $0.25 (10k tokens in, 1.5k out) with claude-sonnet-4-5.',
    );
    expect(commentFor(event('protocol_run.steps_completed', run.id), run, spent)?.text).toContain(
      'Spent $0.75 (20k tokens in, 3k out).',
    );
    expect(commentFor(event('protocol_run.steps_completed', run.id), run, steps)?.text).not.toContain(
      'Spent',
    );
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
