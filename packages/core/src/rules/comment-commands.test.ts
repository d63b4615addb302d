import { describe, expect, it } from 'vitest';
import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import type { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import type { StepRunStatus } from '../machine/step-run-machine.js';
import { parseComment } from './comment-command-parse.js';
import { allowedNow, type CommandContext, type CommandPlace, findCommand } from './comment-commands.js';
import { commandReplyText } from './comment-replies.js';

const at = '2026-01-01T00:00:00.000Z';

function step(order: number, status: StepRunStatus): StepRun {
  return {
    id: `step_aaaaaaa${order}`,
    protocolRunId: 'run_aaaaaaaa',
    projectId: 'demo',
    order,
    title: `step ${order + 1}`,
    instructions: '',
    status,
    version: 1,
    attempts: 1,
    taigaTaskId: 100 + order,
    resultSummary: null,
    commitSha: null,
    createdAt: at,
    updatedAt: at,
  };
}

function context(
  runStatus: ProtocolRunStatus,
  stepStatuses: StepRunStatus[],
  place: CommandPlace = 'story',
  onStep: number | null = null,
): CommandContext {
  const steps = stepStatuses.map((status, i) => step(i, status));
  const run: ProtocolRun = {
    id: 'run_aaaaaaaa',
    projectId: 'demo',
    status: runStatus,
    version: 3,
    taigaItem: { type: place === 'lone_task' ? 'task' : 'userstory', id: 7, ref: 7 },
    title: 'A story',
    branch: null,
    plan: null,
    correlationId: 'corr-1',
    reason: null,
    createdAt: at,
    updatedAt: at,
  };
  return { run, steps, step: onStep === null ? null : (steps[onStep] ?? null), place, planApproval: false };
}

const decide = (name: string, ctx: CommandContext, text = '') => findCommand(name)?.decide(ctx, text);

describe('parseComment', () => {
  it.each([
    ['/tundra retry use the v2 API', { kind: 'command', name: 'retry', text: 'use the v2 API' }],
    ['  /TUNDRA Status', { kind: 'command', name: 'status', text: '' }],
    ['@tundra-bot approve\nlooks good', { kind: 'command', name: 'approve', text: '' }],
    ['\n\n/tundra', { kind: 'command', name: 'help', text: '' }],
    ['/tundra frobnicate now', { kind: 'command', name: 'frobnicate', text: 'now' }],
    ['please also handle /tundra retry', { kind: 'remark' }],
    ['/tundrax retry', { kind: 'remark' }],
    ['@someone-else retry', { kind: 'remark' }],
  ])('%j', (comment, expected) => {
    expect(parseComment(comment, 'tundra-bot')).toEqual(expected);
  });
});

describe('the command table', () => {
  it('retry on a failed step task puts the step back with its text', () => {
    expect(decide('retry', context('running', ['completed', 'failed'], 'task', 1), 'use v2')).toEqual({
      kind: 'act',
      actions: [
        { kind: 'feedback', remark: 'retry', stepRunId: 'step_aaaaaaa1', text: 'use v2' },
        { kind: 'step', stepRunId: 'step_aaaaaaa1', event: 'retried', reason: 'retry asked in a comment' },
      ],
      done: 'Retrying step 2/2 "step 2".',
    });
  });

  it('retry on a blocked run retries its step and resumes the run: one gesture', () => {
    const decision = decide('retry', context('blocked', ['completed', 'blocked']));
    expect(decision).toMatchObject({
      kind: 'act',
      actions: [
        { kind: 'step', stepRunId: 'step_aaaaaaa1', event: 'retried' },
        { kind: 'run', event: 'resumed' },
      ],
    });
  });

  it('resume on a blocked run is the same gesture as retry', () => {
    expect(decide('resume', context('blocked', ['blocked']))).toMatchObject({
      actions: [
        { kind: 'step', event: 'retried' },
        { kind: 'run', event: 'resumed' },
      ],
    });
  });

  it.each([
    ['retry', context('running', ['running'], 'task', 0), 'nothing to retry: step 1/1 "step 1" is running'],
    ['retry', context('running', ['completed', 'running']), 'nothing to retry: step 2/2 "step 2" is running'],
    ['retry', context('failed', []), 'the plan failed: `replan` plans again'],
    ['approve', context('running', ['needs_qa']), "`approve` decides a step: write it on the step's task"],
    [
      'approve',
      context('running', ['running'], 'task', 0),
      'nothing to approve: step 1/1 "step 1" is running',
    ],
    ['reject', context('running', ['needs_qa'], 'task', 0), 'say why: `/tundra reject <why>`'],
    [
      'pause',
      context('running', ['running'], 'task', 0),
      "`pause` acts on the whole run: write it on the run's story",
    ],
    ['pause', context('paused', ['pending']), 'nothing to pause: the run is paused'],
    ['resume', context('running', ['running']), 'nothing to resume: step 1/1 "step 1" is running'],
    ['cancel', context('completed', ['completed']), 'nothing to cancel: the run is completed'],
    [
      'replan',
      context('running', ['running']),
      'only a failed or planned run plans again: step 1/1 "step 1" is running',
    ],
    ['go', context('running', ['running']), 'no plan waits for approval: step 1/1 "step 1" is running'],
  ])('%s refuses: %s', (name, ctx, why) => {
    expect(decide(name, ctx, name === 'reject' ? '' : 'x')).toEqual({ kind: 'refuse', why });
  });

  it.each([
    ['approve', context('running', ['needs_qa'], 'task', 0), [{ kind: 'step', event: 'approved' }]],
    [
      'approve',
      context('blocked', ['blocked'], 'task', 0),
      [
        { kind: 'step', event: 'approved' },
        { kind: 'run', event: 'resumed' },
      ],
    ],
    [
      'reject',
      context('running', ['needs_qa'], 'task', 0),
      [
        { kind: 'feedback', remark: 'reject', text: 'tests fail' },
        { kind: 'step', event: 'qa_failed', reason: 'rejected: tests fail' },
      ],
    ],
    ['pause', context('running', ['running']), [{ kind: 'run', event: 'paused' }]],
    ['pause', context('running', ['running'], 'lone_task', 0), [{ kind: 'run', event: 'paused' }]],
    ['resume', context('paused', ['pending']), [{ kind: 'run', event: 'resumed' }]],
    [
      'cancel',
      context('running', ['running']),
      [{ kind: 'run', event: 'cancelled', reason: 'cancelled in a comment: tests fail' }],
    ],
    [
      'replan',
      context('failed', []),
      [
        { kind: 'feedback', remark: 'replan' },
        { kind: 'run', event: 'replanned' },
      ],
    ],
    [
      'replan',
      context('planned', ['pending']),
      [
        { kind: 'feedback', remark: 'replan' },
        { kind: 'run', event: 'replanned' },
      ],
    ],
    ['go', context('planned', ['pending']), [{ kind: 'run', event: 'run_started' }]],
  ])('%s acts', (name, ctx, actions) => {
    expect(decide(name, ctx, 'tests fail')).toMatchObject({ kind: 'act', actions });
  });

  it('names the commands allowed now', () => {
    expect(allowedNow(context('planned', ['pending']))).toEqual([
      'status',
      'pause',
      'cancel',
      'replan',
      'go',
      'help',
    ]);
    expect(allowedNow(context('running', ['completed', 'needs_qa'], 'task', 1))).toEqual([
      'status',
      'approve',
      'reject',
      'help',
    ]);
  });
});

describe('commandReplyText', () => {
  const base = { author: 'alice', historyEntryId: 'h-1' } as const;

  it('answers status with the steps as a list after a blank line, and the footer without HTML', () => {
    const ctx = context('running', ['completed', 'running']);
    const text = commandReplyText({
      ...base,
      body: { kind: 'status', usage: { costUsd: 0.42 }, now: '2026-01-01T01:05:00.000Z' },
      context: ctx,
      allowed: allowedNow(ctx),
    });
    expect(text).toBe(
      [
        '@alice The run is **running**.',
        '1. step 1: **completed**, attempt 1\n2. step 2: **running**, attempt 1',
        'Time since the run began: 1 h 5 min. Cost so far: $0.42.',
        'Commands you can use now: `/tundra status`, `/tundra pause`, `/tundra cancel`, `/tundra help`.',
        '---',
        '_Tundra · run `run_aaaaaaaa` · tundra-reply:h-1_',
      ].join('\n\n'),
    );
    expect(text).not.toMatch(/<[a-z]/);
  });

  it('refuses a non-member without listing commands', () => {
    const text = commandReplyText({
      ...base,
      body: { kind: 'not_allowed', itemLabel: 'this user story' },
      context: context('running', ['running']),
      allowed: [],
    });
    expect(text).toContain('only project members whose role may modify this user story');
    expect(text).not.toContain('Commands you can use now');
  });
});
