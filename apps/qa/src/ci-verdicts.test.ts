import type { QaPolicyConfig, StepRun, StepRunStatus } from '@tundra/core';
import { describe, expect, it } from 'vitest';
import {
  type CiVerdict,
  ciQaJobId,
  ciReason,
  knownVerdict,
  onCiSuccess,
  sameCommitVerdict,
  stepsCoveredBy,
} from './ci-verdicts.js';

function step(order: number, status: StepRunStatus, commitSha: string | null = null): StepRun {
  return {
    id: `step_aaaaaaaa${order}`,
    protocolRunId: 'run_aaaaaaaa',
    projectId: 'demo',
    order,
    title: `step ${order + 1}`,
    instructions: '',
    status,
    version: 3,
    attempts: 1,
    taigaTaskId: null,
    resultSummary: null,
    commitSha,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

const orders = (steps: readonly StepRun[]) => steps.map((s) => s.order);

describe('stepsCoveredBy', () => {
  const steps = [
    step(2, 'pending'),
    step(0, 'completed', 'aaa'),
    step(1, 'needs_qa', 'aaa'), // changed nothing: the first step's commit
  ];

  it.each([
    ['an unknown SHA covers every step (a commit on top of the branch)', 'fff', [0, 1, 2]],
    ['no SHA covers every step', null, [0, 1, 2]],
    ['a SHA covers every step up to the last one that has it', 'aaa', [0, 1]],
  ] as const)('%s', (_, sha, expected) => {
    expect(orders(stepsCoveredBy(steps, sha))).toEqual(expected);
  });

  it('a SHA of the first of several distinct commits covers only up to that step', () => {
    const distinct = [step(0, 'completed', 'aaa'), step(1, 'needs_qa', 'bbb')];
    expect(orders(stepsCoveredBy(distinct, 'aaa'))).toEqual([0]);
  });
});

describe('onCiSuccess', () => {
  const covered = [
    step(0, 'completed', 'aaa'),
    step(1, 'blocked', 'bbb'),
    step(2, 'needs_qa', 'ccc'),
    step(3, 'running'),
  ];
  const policies = ['ci', 'command', 'manual'] as const satisfies readonly QaPolicyConfig['kind'][];

  it.each(policies)('does nothing under the %s policy when TUNDRA_AUTO_QA_ON_CI is off', (policy) => {
    expect(onCiSuccess(policy, false, covered)).toEqual({
      kind: 'ignore',
      reason: 'TUNDRA_AUTO_QA_ON_CI is off',
    });
  });

  it('does nothing for a project that is gone', () => {
    expect(onCiSuccess(null, true, covered)).toMatchObject({ kind: 'ignore' });
  });

  it('passes the waiting and the CI-blocked steps under the ci policy', () => {
    const action = onCiSuccess('ci', true, covered);
    expect(action.kind).toBe('pass');
    expect(action.kind === 'pass' && orders(action.steps)).toEqual([1, 2]);
  });

  it.each(['command', 'manual'] as const)(
    'enqueues QA of the waiting steps under the %s policy',
    (policy) => {
      const action = onCiSuccess(policy, true, covered);
      expect(action.kind).toBe('enqueue_qa');
      expect(action.kind === 'enqueue_qa' && orders(action.steps)).toEqual([2]);
    },
  );

  it.each(['command', 'manual'] as const)('does nothing under %s when no covered step waits', (policy) => {
    expect(onCiSuccess(policy, true, [step(0, 'completed', 'aaa')])).toEqual({
      kind: 'ignore',
      reason: 'no covered step waits for QA',
    });
  });
});

describe('ciQaJobId', () => {
  const waiting = { id: 'step_aaaaaaaa1', version: 4 };

  it('is the same for the same CI commit reported twice, whatever the delivery', () => {
    expect(ciQaJobId('run_x', waiting, { sha: 'abc123', sourceEventId: '1-0' })).toBe(
      ciQaJobId('run_x', waiting, { sha: 'abc123', sourceEventId: '2-0' }),
    );
  });

  it('differs for another commit, and for the step waiting again', () => {
    const first = ciQaJobId('run_x', waiting, { sha: 'abc123', sourceEventId: '1-0' });
    expect(ciQaJobId('run_x', waiting, { sha: 'def456', sourceEventId: '1-0' })).not.toBe(first);
    expect(ciQaJobId('run_x', { ...waiting, version: 7 }, { sha: 'abc123', sourceEventId: '1-0' })).not.toBe(
      first,
    );
  });

  it('falls back to the event id without a SHA, and never contains a colon (BullMQ refuses it)', () => {
    const id = ciQaJobId('run_x', waiting, { sha: null, sourceEventId: 'ci:17:0' });
    expect(id).toBe('qa-ci-run_x-step_aaaaaaaa1-v4-event-ci_17_0');
  });
});

describe('sameCommitVerdict', () => {
  const accepted = step(0, 'completed', 'aaa');
  const unchanged = step(1, 'needs_qa', 'aaa');
  const base = { policy: 'ci', autoQaOnCi: true } as const;

  it('passes a step that changed nothing after an accepted step, at once', () => {
    expect(sameCommitVerdict({ ...base, steps: [accepted, unchanged], step: unchanged })).toEqual({
      kind: 'pass',
      from: accepted,
    });
  });

  it('takes the verdict of the latest earlier step at the same commit', () => {
    const second = step(1, 'completed', 'aaa');
    const third = step(2, 'needs_qa', 'aaa');
    expect(sameCommitVerdict({ ...base, steps: [third, accepted, second], step: third })).toEqual({
      kind: 'pass',
      from: second,
    });
  });

  it.each([
    [
      'a step with a commit of its own waits for CI',
      [accepted, step(1, 'needs_qa', 'bbb')],
      "the commit is the step's own: CI judges it",
    ],
    [
      'an earlier step at the same commit that was not accepted decides nothing',
      [step(0, 'blocked', 'aaa'), unchanged],
      'step 1 at the same commit is blocked',
    ],
    [
      'a later step at the same commit is no verdict',
      [step(0, 'completed', 'zzz'), unchanged, step(2, 'completed', 'aaa')],
      "the commit is the step's own: CI judges it",
    ],
    ['a step without a commit waits', [accepted, step(1, 'needs_qa')], 'the step has no commit'],
    [
      'a step that is not waiting is left alone',
      [accepted, step(1, 'completed', 'aaa')],
      'the step is completed',
    ],
  ] as const)('%s', (_, steps, reason) => {
    expect(sameCommitVerdict({ ...base, steps, step: steps[1] })).toEqual({ kind: 'wait', reason });
  });

  it.each([
    [{ policy: 'command', autoQaOnCi: true }, 'the QA policy is command'],
    [{ policy: 'manual', autoQaOnCi: true }, 'the QA policy is manual'],
    [{ policy: 'ci', autoQaOnCi: false }, 'TUNDRA_AUTO_QA_ON_CI is off'],
  ] as const)('carries nothing over where CI does not decide QA: %o', (settings, reason) => {
    expect(sameCommitVerdict({ ...settings, steps: [accepted, unchanged], step: unchanged })).toEqual({
      kind: 'wait',
      reason,
    });
  });
});

describe('knownVerdict', () => {
  const green: CiVerdict = {
    outcome: 'success',
    url: null,
    at: '2026-01-01T00:00:00.000Z',
    sourceEventId: '1-0',
  };
  const red: CiVerdict = { ...green, outcome: 'failure' };
  const done = step(0, 'completed', 'aaa');
  const own = step(1, 'needs_qa', 'bbb');
  const base = { policy: 'ci', autoQaOnCi: true, steps: [done, own], step: own } as const;

  it('passes a step whose commit CI passed before the step waited', () => {
    expect(knownVerdict({ ...base, ci: green })).toEqual({ kind: 'ci_passed', ci: green });
  });

  it('blocks a step whose commit CI failed before the step waited (a retry that changed nothing included)', () => {
    expect(knownVerdict({ ...base, ci: red })).toEqual({ kind: 'ci_failed', ci: red });
  });

  it('blocks on a known failure even with TUNDRA_AUTO_QA_ON_CI off, as a CI failure does', () => {
    expect(knownVerdict({ ...base, autoQaOnCi: false, ci: red })).toEqual({ kind: 'ci_failed', ci: red });
  });

  it('leaves a known success to a person with TUNDRA_AUTO_QA_ON_CI off', () => {
    expect(knownVerdict({ ...base, autoQaOnCi: false, ci: green })).toEqual({
      kind: 'wait',
      reason: 'CI passed the commit, but TUNDRA_AUTO_QA_ON_CI is off',
    });
  });

  it('waits for CI when it has not reported on the commit', () => {
    expect(knownVerdict({ ...base, ci: null })).toEqual({
      kind: 'wait',
      reason: "the commit is the step's own: CI judges it; CI has not reported on it yet",
    });
  });

  it('carries an accepted earlier step over before a CI verdict on the same tree', () => {
    const unchanged = step(1, 'needs_qa', 'aaa');
    expect(knownVerdict({ ...base, steps: [done, unchanged], step: unchanged, ci: red })).toEqual({
      kind: 'carry_over',
      from: done,
    });
  });

  it.each([
    ['another policy', { policy: 'command' }, 'the QA policy is command'],
    ['a step that is not waiting', { step: step(1, 'completed', 'bbb') }, 'the step is completed'],
    ['a step without a commit', { step: step(1, 'needs_qa') }, 'the step has no commit'],
  ] as const)('decides nothing for %s', (_, change, reason) => {
    expect(knownVerdict({ ...base, ...change, ci: red })).toEqual({ kind: 'wait', reason });
  });
});

describe('ciReason', () => {
  it('names the outcome, branch, commit and pipeline', () => {
    expect(
      ciReason({ outcome: 'failure', branch: 'tundra/1-x', sha: 'a'.repeat(40), url: 'https://ci/1' }),
    ).toBe('CI failure on tundra/1-x at aaaaaaaaaaaa (https://ci/1)');
  });

  it('leaves out what is unknown', () => {
    expect(ciReason({ outcome: 'success', branch: null, sha: null, url: null })).toBe('CI success');
  });
});
