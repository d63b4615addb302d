import type { ProtocolRun, RunEvent, StepRun } from '@tundra/core';
import { describe, expect, it } from 'vitest';
import { handMadeOptions } from '../../test/hand-made-project.js';
import { tableNamed } from '../format/cells.js';
import type { RunHistory } from '../model/runs-data.js';
import { tundraWorkReport } from './tundra-work.js';

const t = (day: string, time: string) => `2026-03-${day}T${time}:00.000Z`;

function run(
  id: string,
  ref: number,
  status: ProtocolRun['status'],
  createdAt: string,
  reason: string | null = null,
): ProtocolRun {
  return {
    id,
    projectId: 'hand-made',
    status,
    version: 5,
    taigaItem: { type: 'userstory', id: ref, ref },
    title: `Story ${ref}`,
    branch: null,
    plan: null,
    correlationId: id,
    reason,
    createdAt,
    updatedAt: createdAt,
  };
}

function step(id: string, runId: string, title: string, attempts: number): StepRun {
  return {
    id,
    protocolRunId: runId,
    projectId: 'hand-made',
    order: 0,
    title,
    instructions: '',
    status: 'completed',
    version: 3,
    attempts,
    taigaTaskId: null,
    resultSummary: null,
    commitSha: null,
    createdAt: t('03', '00:00'),
    updatedAt: t('03', '00:00'),
  };
}

let seq = 0;
function event(type: string, entityId: string, at: string, extra: Partial<RunEvent> = {}): RunEvent {
  seq += 1;
  return {
    id: `${seq}-0`,
    type,
    entityId,
    from: null,
    to: null,
    version: seq,
    at,
    actor: { kind: 'system', name: 'executor' },
    correlationId: 'c',
    payload: {},
    ...extra,
  };
}

const runA = run('run_aaaaaaaa', 1, 'completed', t('03', '09:00'));
const runB = run('run_bbbbbbbb', 2, 'blocked', t('04', '09:00'), 'CI failed twice');
const old = run('run_cccccccc', 3, 'completed', '2026-02-01T00:00:00.000Z');
const histories: RunHistory[] = [
  {
    run: runA,
    steps: [step('step_a1a1a1a1', runA.id, 'Add the endpoint', 1)],
    events: [
      event('protocol_run.created', runA.id, t('03', '09:00')),
      event('step_run.execution_finished', 'step_a1a1a1a1', t('03', '10:00')),
      // A person approved the step 3 hours after it was ready.
      event('step_run.approved', 'step_a1a1a1a1', t('03', '13:00'), {
        actor: { kind: 'operator', name: 'admin' },
      }),
      event('protocol_run.pr_merged', runA.id, t('03', '15:00')),
    ],
  },
  {
    run: runB,
    steps: [step('step_b1b1b1b1', runB.id, 'Fix the parser', 3)],
    events: [
      event('protocol_run.created', runB.id, t('04', '09:00')),
      event('step_run.qa_failed', 'step_b1b1b1b1', t('04', '10:00'), { payload: { reason: 'tests failed' } }),
      event('step_run.retried', 'step_b1b1b1b1', t('04', '10:30')),
      event('step_run.blocked', 'step_b1b1b1b1', t('04', '11:00'), {
        payload: { reason: 'CI failed twice' },
      }),
    ],
  },
  { run: old, steps: [], events: [] },
];

describe("Tundra's own work", () => {
  const report = tundraWorkReport(histories, handMadeOptions());

  it('counts the runs started in the period by outcome', () => {
    expect(tableNamed(report, 'outcomes').rows).toEqual([
      { outcome: 'completed', runs: 1 },
      { outcome: 'blocked', runs: 1 },
    ]);
  });

  it('measures assignment to merge, and leaves PR times out until runs open PRs', () => {
    expect(tableNamed(report, 'times').rows).toEqual([
      { measure: 'assignment → merge', runs: 1, p50: 6, p85: 6, p95: 6 },
    ]);
    expect(tableNamed(report, 'runs').columns.map((column) => column.key)).not.toContain('hours_to_pr');
    expect(report.notes).toEqual([
      'Times to pull request appear once projects deliver by pull request.',
      'Cost and tokens appear once engines report them.',
    ]);
  });

  it('lists the steps that failed, were retried or blocked, and why', () => {
    expect(tableNamed(report, 'step_problems').rows.map((row) => [row.item, row.what, row.reason])).toEqual([
      ['US #2', 'failed QA', 'tests failed'],
      ['US #2', 'retried', ''],
      ['US #2', 'blocked', 'CI failed twice'],
    ]);
  });

  it("measures how long steps waited for a person's approval", () => {
    expect(tableNamed(report, 'approval_waits').rows).toEqual([
      { run: runA.id, item: 'US #1', step: 'Add the endpoint', waited_hours: 3, approved_by: 'admin' },
    ]);
  });

  it('adds PR and cost columns when runs record them', () => {
    const withData: RunHistory[] = [
      {
        ...histories[0]!,
        events: [
          ...histories[0]!.events,
          event('protocol_run.pr_opened', runA.id, t('03', '11:00'), {
            payload: { pullRequestUrl: 'https://example/pr/1' },
          }),
          event('step_run.execution_finished', 'step_a1a1a1a1', t('03', '10:00'), {
            payload: { costUsd: 1.25, tokensIn: 1000, tokensOut: 200, model: 'sonnet' },
          }),
        ],
      },
    ];
    const rich = tundraWorkReport(withData, handMadeOptions());
    expect(tableNamed(rich, 'runs').rows[0]).toMatchObject({ hours_to_pr: 2, cost_usd: 1.25, tokens: 1200 });
    expect(tableNamed(rich, 'cost_by_model').rows).toEqual([
      { model: 'sonnet', steps: 1, cost_usd: 1.25, tokens: 1200 },
    ]);
    expect(rich.notes).toEqual([]);
  });
});
