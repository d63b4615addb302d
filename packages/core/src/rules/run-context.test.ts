import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';
import { earlierAttempts, lastAttemptFailed, renderRunContext } from './run-context.js';

const event = (type: string, entityId: string, payload: Record<string, unknown> = {}): RunEvent => ({
  id: `${Math.random()}`,
  type,
  entityId,
  at: '2026-12-04T00:00:00.000Z',
  actor: { kind: 'system', name: 'executor' },
  correlationId: 'corr',
  from: null,
  to: null,
  version: 1,
  payload,
});

const events = [
  event('step_run.step_started', 's1', { attempt: 1 }),
  event('step_run.execution_failed', 's1', { attempt: 1, reason: 'stalled: …', model: 'sonnet' }),
  event('step_run.execution_failed', 's2', { attempt: 1, reason: 'other step' }),
  event('step_run.retried', 's1'),
  event('step_run.execution_finished', 's1', { attempt: 2, model: 'opus' }),
  event('step_run.qa_failed', 's1', { attempt: 2, reason: 'tests fail' }),
];

describe('earlier attempts of a step', () => {
  it('lists how each attempt of that step ended, with its reason and model', () => {
    expect(earlierAttempts(events, 's1')).toEqual([
      { attempt: 1, outcome: 'failed', summary: 'stalled: …', model: 'sonnet' },
      { attempt: 2, outcome: 'executed', summary: null, model: 'opus' },
      { attempt: 2, outcome: 'failed QA', summary: 'tests fail', model: null },
    ]);
  });

  it('says whether the latest attempt failed (the next takes the fallback model)', () => {
    expect(lastAttemptFailed(events, 's1')).toBe(true);
    expect(lastAttemptFailed(events.slice(0, 5), 's1')).toBe(false);
    expect(lastAttemptFailed([], 's1')).toBe(false);
  });
});

describe('the context file of a plan engine', () => {
  const step = (order: number, status: string, resultSummary: string | null) =>
    ({
      id: `s${order}`,
      order,
      title: `Step ${order + 1}`,
      instructions: 'Do it',
      status,
      commitSha: null,
      resultSummary,
    }) as unknown as StepRun;

  it('holds the item, the plan being replaced and every remark, masked, with no step or attempts', () => {
    const file = renderRunContext({
      item: { type: 'userstory', ref: 7, subject: 'Export', description: 'CSV, key s3cr3t' },
      steps: [step(1, 'failed', 'tests broke'), step(0, 'completed', 'added the route')],
      attempt: null,
      remarks: [
        {
          at: '2026-12-04T10:05:00.000Z',
          author: 'bo',
          where: 'the user story',
          kind: 'replan',
          text: 'Split the export from the import',
        },
      ],
      conventions: null,
      maxBytes: 64 * 1024,
      mask: (text) => text.replaceAll('s3cr3t', '***'),
    });
    expect(file.markdown.startsWith('# Context for planning\n')).toBe(true);
    expect(file.markdown).toContain('## User story TG-7: Export');
    expect(file.markdown).toContain('CSV, key ***');
    expect(file.markdown).toContain(
      '## The earlier plan, being replaced\n\n1. Step 1 [completed]: added the route\n2. Step 2 [failed]: tests broke',
    );
    expect(file.markdown).toContain('bo asked for a new plan on the user story');
    expect(file.markdown).toContain('Split the export from the import');
    expect(file.markdown).not.toContain('Earlier attempts');
    expect(file.markdown).not.toContain('s3cr3t');
  });
});
