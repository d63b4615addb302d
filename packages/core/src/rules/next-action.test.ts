import { describe, expect, it } from 'vitest';
import type { StepRun } from '../contracts/step-run.js';
import type { StepRunStatus } from '../machine/step-run-machine.js';
import { decideNextAction } from './next-action.js';

function step(
  order: number,
  status: StepRunStatus,
  attempts = 0,
  resultSummary: string | null = null,
): StepRun {
  return {
    id: `step_${'a'.repeat(8)}${order}`,
    protocolRunId: 'run_aaaaaaaa',
    projectId: 'demo',
    order,
    title: `step ${order + 1}`,
    instructions: '',
    status,
    version: 1,
    attempts,
    taigaTaskId: null,
    resultSummary,
    commitSha: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

const project = { limits: { maxAttempts: 3 }, waitForMerge: false };
const running = { status: 'running' } as const;

describe('decideNextAction', () => {
  it.each([
    [
      'a run that is not running waits',
      { status: 'paused' } as const,
      [step(0, 'pending')],
      { kind: 'wait', reason: 'the run is paused' },
    ],
    [
      'the first pending step is executed',
      running,
      [step(1, 'pending'), step(0, 'completed')],
      { kind: 'execute', order: 1 },
    ],
    [
      'a running step means waiting',
      running,
      [step(0, 'running'), step(1, 'pending')],
      { kind: 'wait', reason: 'step 1 is running' },
    ],
    [
      'a step in QA means waiting',
      running,
      [step(0, 'completed'), step(1, 'needs_qa')],
      { kind: 'wait', reason: 'step 2 is needs_qa' },
    ],
    [
      'a failed step with attempts left is retried',
      running,
      [step(0, 'failed', 2)],
      { kind: 'retry', order: 0 },
    ],
    [
      'a failed step out of attempts blocks the run',
      running,
      [step(0, 'failed', 3, 'exit code 1')],
      { kind: 'block', order: 0, reason: 'step 1 "step 1" failed after 3 attempts: exit code 1' },
    ],
    [
      'a blocked step blocks the run',
      running,
      [step(0, 'completed'), step(1, 'blocked', 1, 'CI failed')],
      { kind: 'block', order: 1, reason: 'step 2 "step 2" is blocked: CI failed' },
    ],
    [
      'cancelled steps are skipped',
      running,
      [step(0, 'cancelled'), step(1, 'pending')],
      { kind: 'execute', order: 1 },
    ],
    [
      'all steps done completes the run',
      running,
      [step(0, 'completed'), step(1, 'completed')],
      { kind: 'complete' },
    ],
  ] as const)('%s', (_name, run, steps, expected) => {
    const action = decideNextAction(run, steps, project);
    const { order, ...rest } = expected as { order?: number; kind: string };
    expect(action).toMatchObject(rest);
    if (order !== undefined) expect('step' in action && action.step.order).toBe(order);
  });

  it("cancels a cancelled run's unfinished steps", () => {
    const steps = [step(0, 'completed'), step(1, 'running'), step(2, 'pending')];
    const action = decideNextAction({ status: 'cancelled' }, steps, project);
    expect(action.kind).toBe('cancel_steps');
    if (action.kind === 'cancel_steps') expect(action.steps.map((s) => s.order)).toEqual([1, 2]);
    expect(decideNextAction({ status: 'cancelled' }, [step(0, 'completed')], project).kind).toBe('wait');
  });

  it('waits for the merge when the project asks for it', () => {
    expect(decideNextAction(running, [step(0, 'completed')], { ...project, waitForMerge: true })).toEqual({
      kind: 'await_merge',
    });
  });

  it('delivers by pull request once every step is done, when the project delivers that way', () => {
    const delivery = {
      kind: 'pull-request',
      forge: 'github',
      repo: 'acme/widgets',
      tokenRef: 'TUNDRA_FORGE_TOKEN_ACME',
    } as const;
    expect(decideNextAction(running, [step(0, 'completed')], { ...project, delivery })).toEqual({
      kind: 'deliver',
    });
    expect(
      decideNextAction(running, [step(0, 'completed'), step(1, 'pending')], { ...project, delivery }).kind,
    ).toBe('execute');
    expect(
      decideNextAction(running, [step(0, 'completed')], { ...project, delivery: { kind: 'push' } }).kind,
    ).toBe('complete');
  });
});
