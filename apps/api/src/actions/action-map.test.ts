import { ProtocolRunStatus, StepRunStatus } from '@tundra/core';
import { describe, expect, it } from 'vitest';
import { allowedProtocolActions, allowedStepActions } from './action-map.js';

describe('allowedProtocolActions', () => {
  it.each([
    [ProtocolRunStatus.Pending, ['cancel']],
    [ProtocolRunStatus.Planning, ['cancel']],
    [ProtocolRunStatus.Planned, ['pause', 'replan', 'cancel', 'start']],
    [ProtocolRunStatus.Running, ['pause', 'cancel']],
    [ProtocolRunStatus.Paused, ['resume', 'cancel']],
    [ProtocolRunStatus.Blocked, ['resume', 'cancel']],
    [ProtocolRunStatus.Failed, ['replan', 'cancel']],
    [ProtocolRunStatus.Cancelled, []],
    [ProtocolRunStatus.Completed, []],
  ] as const)('%s allows %j', (status, actions) => {
    expect(allowedProtocolActions(status)).toEqual(actions);
  });
});

describe('allowedStepActions', () => {
  it.each([
    [StepRunStatus.Pending, ProtocolRunStatus.Running, ['run']],
    [StepRunStatus.Pending, ProtocolRunStatus.Paused, []],
    [StepRunStatus.Running, ProtocolRunStatus.Running, []],
    [StepRunStatus.NeedsQa, ProtocolRunStatus.Running, ['run_qa', 'approve', 'reject']],
    [StepRunStatus.NeedsQa, ProtocolRunStatus.Paused, ['run_qa', 'approve', 'reject']],
    [StepRunStatus.Failed, ProtocolRunStatus.Running, ['retry']],
    [StepRunStatus.Blocked, ProtocolRunStatus.Blocked, ['approve', 'retry']],
    [StepRunStatus.Completed, ProtocolRunStatus.Running, []],
    [StepRunStatus.Cancelled, ProtocolRunStatus.Cancelled, []],
  ] as const)('%s in a %s run allows %j', (status, runStatus, actions) => {
    expect(allowedStepActions(status, runStatus)).toEqual(actions);
  });
});
