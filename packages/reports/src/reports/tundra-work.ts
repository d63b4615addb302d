import type { RunEvent } from '@tundra/core';
import { countBarChart } from '../charts/bar-charts.js';
import type { Cell, Report, Table } from '../model/report.js';
import type { RunHistory } from '../model/runs-data.js';
import { percentiles, round1 } from '../stats/percentile.js';
import { count, inPeriod, itemLabel, type ReportOptions } from './report-input.js';

const hourMs = 3_600_000;
const hours = (from: string, to: string) => round1((Date.parse(to) - Date.parse(from)) / hourMs);

const outcomeColors: Record<string, string> = {
  completed: '#54a24b',
  failed: '#e45756',
  cancelled: '#9d9da1',
  blocked: '#f58518',
  paused: '#eeca3b',
  running: '#4c78a8',
  planned: '#72b7b2',
  planning: '#72b7b2',
  pending: '#bab0ac',
};

/**
 * Events that say a run's pull request or merge request was opened. Delivery by pull request (issue 14) records
 * them; until then no run has one and the column stays out of the report.
 */
function isPrOpened(event: RunEvent): boolean {
  return /(^|\.)pr_opened$/.test(event.type) || typeof event.payload.pullRequestUrl === 'string';
}

const isMerged = (event: RunEvent) => event.type === 'protocol_run.pr_merged';

/** Step events that mean a step went wrong, and the word the report uses for each. */
const stepProblems: Record<string, string> = {
  'step_run.execution_failed': 'failed',
  'step_run.qa_failed': 'failed QA',
  'step_run.ci_failed': 'CI failed',
  'step_run.blocked': 'blocked',
  'step_run.retried': 'retried',
};

const humanActors = new Set(['operator', 'taiga_user']);

/**
 * What a step event says about spending, when the engine reported it (engine presets, issue 15): `costUsd`,
 * `tokensIn`, `tokensOut` and `model` in the event's payload. Nothing is made up when they are absent.
 */
function spending(event: RunEvent): { costUsd: number; tokens: number; model: string } | null {
  const { costUsd, tokensIn, tokensOut, model } = event.payload;
  if (typeof costUsd !== 'number' && typeof tokensIn !== 'number' && typeof tokensOut !== 'number')
    return null;
  return {
    costUsd: typeof costUsd === 'number' ? costUsd : 0,
    tokens: (typeof tokensIn === 'number' ? tokensIn : 0) + (typeof tokensOut === 'number' ? tokensOut : 0),
    model: typeof model === 'string' ? model : 'unknown',
  };
}

/**
 * Tundra's own work: the runs started in the period by outcome, the time from assignment (the run's creation) to
 * its pull request and to its merge, cost per story and per model when engines report it, the steps that were
 * retried or blocked and why, and how long steps waited for a person's approval.
 */
export function tundraWorkReport(runs: readonly RunHistory[], options: ReportOptions): Report {
  const { period } = options;
  const inScope = runs.filter((history) => inPeriod(history.run.createdAt, period));
  const outcomes = new Map<string, number>();
  const toPr: number[] = [];
  const toMerge: number[] = [];
  const waits: number[] = [];
  const rows: Record<string, Cell>[] = [];
  const problems: Record<string, Cell>[] = [];
  const approvals: Record<string, Cell>[] = [];
  const byModel = new Map<string, { model: string; steps: number; cost_usd: number; tokens: number }>();
  let anyPr = false;
  let anySpending = false;

  for (const { run, steps, events } of inScope) {
    outcomes.set(run.status, (outcomes.get(run.status) ?? 0) + 1);
    const item = itemLabel({ kind: run.taigaItem.type, ref: run.taigaItem.ref });
    const stepTitle = new Map(steps.map((step) => [step.id, step.title]));
    const prOpened = events.find(isPrOpened);
    const merged = events.find(isMerged);
    if (prOpened) {
      anyPr = true;
      toPr.push(hours(run.createdAt, prOpened.at));
    }
    if (merged) toMerge.push(hours(run.createdAt, merged.at));
    let cost = 0;
    let tokens = 0;
    const readyForApproval = new Map<string, string>();
    for (const event of events) {
      const spent = spending(event);
      if (spent) {
        anySpending = true;
        cost += spent.costUsd;
        tokens += spent.tokens;
        const entry = byModel.get(spent.model) ?? { model: spent.model, steps: 0, cost_usd: 0, tokens: 0 };
        entry.steps += 1;
        entry.cost_usd = round2(entry.cost_usd + spent.costUsd);
        entry.tokens += spent.tokens;
        byModel.set(spent.model, entry);
      }
      if (event.type === 'step_run.execution_finished') readyForApproval.set(event.entityId, event.at);
      const problem = stepProblems[event.type];
      if (problem) {
        problems.push({
          run: run.id,
          item,
          step: stepTitle.get(event.entityId) ?? event.entityId,
          what: problem,
          reason: typeof event.payload.reason === 'string' ? event.payload.reason : '',
          at: event.at,
        });
      }
      const since = readyForApproval.get(event.entityId);
      if (event.type === 'step_run.approved' && humanActors.has(event.actor.kind) && since) {
        const waited = hours(since, event.at);
        waits.push(waited);
        approvals.push({
          run: run.id,
          item,
          step: stepTitle.get(event.entityId) ?? event.entityId,
          waited_hours: waited,
          approved_by: event.actor.name,
        });
      }
    }
    rows.push({
      run: run.id,
      item,
      title: run.title,
      status: run.status,
      created: run.createdAt,
      hours_to_pr: prOpened ? hours(run.createdAt, prOpened.at) : null,
      hours_to_merge: merged ? hours(run.createdAt, merged.at) : null,
      steps: steps.length,
      attempts: steps.reduce((sum, step) => sum + step.attempts, 0),
      cost_usd: anySpending ? round2(cost) : null,
      tokens: anySpending ? tokens : null,
      reason: run.reason,
    });
  }

  const notes: string[] = [];
  if (!anyPr) notes.push('Times to pull request appear once projects deliver by pull request.');
  if (!anySpending) notes.push('Cost and tokens appear once engines report them.');
  const pr = percentiles(toPr);
  const merge = percentiles(toMerge);
  const wait = percentiles(waits);
  const runColumns = [
    { key: 'run', label: 'Run' },
    { key: 'item', label: 'Item' },
    { key: 'title', label: 'Title' },
    { key: 'status', label: 'Outcome' },
    { key: 'created', label: 'Assigned' },
    ...(anyPr ? [{ key: 'hours_to_pr', label: 'Hours to PR' }] : []),
    { key: 'hours_to_merge', label: 'Hours to merge' },
    { key: 'steps', label: 'Steps' },
    { key: 'attempts', label: 'Attempts' },
    ...(anySpending
      ? [
          { key: 'cost_usd', label: 'Cost (USD)' },
          { key: 'tokens', label: 'Tokens' },
        ]
      : []),
    { key: 'reason', label: 'Reason' },
  ];
  const outcomeRows = [...outcomes]
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => ({ outcome: status, runs: n }));
  const tables: Table[] = [
    { name: 'runs', title: 'Runs started in the period', columns: runColumns, rows },
    {
      name: 'outcomes',
      title: 'Runs by outcome',
      columns: [
        { key: 'outcome', label: 'Outcome' },
        { key: 'runs', label: 'Runs' },
      ],
      rows: outcomeRows,
    },
    {
      name: 'times',
      title: 'From assignment to pull request and merge (hours)',
      columns: [
        { key: 'measure', label: 'Measure' },
        { key: 'runs', label: 'Runs' },
        { key: 'p50', label: 'p50' },
        { key: 'p85', label: 'p85' },
        { key: 'p95', label: 'p95' },
      ],
      rows: [
        ...(anyPr ? [{ measure: 'assignment → PR', runs: toPr.length, ...pr }] : []),
        { measure: 'assignment → merge', runs: toMerge.length, ...merge },
      ],
    },
    {
      name: 'step_problems',
      title: 'Steps retried, failed or blocked',
      columns: [
        { key: 'item', label: 'Item' },
        { key: 'step', label: 'Step' },
        { key: 'what', label: 'What' },
        { key: 'reason', label: 'Why' },
        { key: 'at', label: 'When' },
      ],
      rows: problems,
    },
    {
      name: 'approval_waits',
      title: "Steps that waited for a person's approval",
      columns: [
        { key: 'item', label: 'Item' },
        { key: 'step', label: 'Step' },
        { key: 'waited_hours', label: 'Waited (hours)' },
        { key: 'approved_by', label: 'Approved by' },
      ],
      rows: approvals,
    },
    ...(anySpending
      ? [
          {
            name: 'cost_by_model',
            title: 'Cost per model',
            columns: [
              { key: 'model', label: 'Model' },
              { key: 'steps', label: 'Step attempts' },
              { key: 'cost_usd', label: 'Cost (USD)' },
              { key: 'tokens', label: 'Tokens' },
            ],
            rows: [...byModel.values()],
          },
        ]
      : []),
  ];
  const hoursText = (value: number | null) => (value === null ? 'n/a' : `${value} h`);
  return {
    kind: 'work',
    title: `Tundra's work — ${options.project.name}`,
    project: options.project,
    period,
    generatedAt: options.generatedAt,
    summary: [
      `${count(inScope.length, 'run')} started in the period: ${
        outcomeRows.map((row) => `${row.runs} ${row.outcome}`).join(', ') || 'none'
      }.`,
      ...(anyPr
        ? [`Assignment to pull request: median ${hoursText(pr.p50)}, p85 ${hoursText(pr.p85)}.`]
        : []),
      `Assignment to merge: median ${hoursText(merge.p50)}, p85 ${hoursText(merge.p85)}.`,
      `${count(problems.length, 'step problem')} (retries, failures, blocks).`,
      `Waiting for a person's approval: median ${hoursText(wait.p50)}, p95 ${hoursText(wait.p95)} (${count(waits.length, 'approval')}).`,
      ...(anySpending
        ? [`Spent $${round2(rows.reduce((sum, row) => sum + Number(row.cost_usd ?? 0), 0))} in the period.`]
        : []),
    ],
    sections: [
      { title: 'Runs by outcome', lines: [], tables: ['outcomes', 'times'], charts: ['runs-by-outcome'] },
      { title: 'Steps retried, failed or blocked', lines: [], tables: ['step_problems'], charts: [] },
      { title: 'Waiting for people', lines: [], tables: ['approval_waits'], charts: [] },
      ...(anySpending ? [{ title: 'Cost', lines: [], tables: ['cost_by_model'], charts: [] }] : []),
    ],
    rowsTable: 'runs',
    tables,
    charts: [
      countBarChart(
        'runs-by-outcome',
        'Runs by outcome',
        outcomeRows.map((row) => ({
          label: row.outcome,
          count: row.runs,
          color: outcomeColors[row.outcome] ?? '#4c78a8',
        })),
        'runs',
      ),
    ],
    firings: [],
    notes,
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
