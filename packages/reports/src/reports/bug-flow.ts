import { ageStackChart, openedClosedChart } from '../charts/bar-charts.js';
import type { Cell, Report, Table } from '../model/report.js';
import type { NamedValue, ProjectData, TrackedItem } from '../model/taiga-data.js';
import { percentiles } from '../stats/percentile.js';
import { eachWeek, localDay, weekStart } from '../time/zoned.js';
import { closedAt, statusAt } from '../timeline/item-state.js';
import { statusMap } from '../timeline/statuses.js';
import { ageBucket, ageBucketLabels } from './age-buckets.js';
import { count, days, daysText, inPeriod, type ReportOptions } from './report-input.js';

const defaultBugTypes = ['Bug'];

function nameOf(values: readonly NamedValue[], id: number | null): string {
  return values.find((value) => value.id === id)?.name ?? '—';
}

/**
 * Bug flow: issues opened and closed per week (by type, severity and priority), open bugs by age at the end of the
 * period, and time to close of the bugs closed in it. "Bugs" are the issues of the project's bug types (`Bug`); a
 * project without such a type has all its issues counted, and the report says so.
 */
export function bugFlowReport(data: ProjectData, options: ReportOptions): Report {
  const { period } = options;
  const statuses = statusMap(data.statuses.issue);
  const issues = data.items.filter((item) => item.kind === 'issue' && item.createdAt <= period.until);
  const wantedTypes = (options.bugTypes ?? defaultBugTypes).map((name) => name.toLowerCase());
  const bugTypeIds = new Set(
    data.issueTypes.filter((type) => wantedTypes.includes(type.name.toLowerCase())).map((type) => type.id),
  );
  const notes: string[] = [];
  if (bugTypeIds.size === 0) {
    notes.push(`No issue type is named ${wantedTypes.join(' or ')}: every issue is counted as a bug.`);
  }
  const isBug = (issue: TrackedItem) => bugTypeIds.size === 0 || bugTypeIds.has(issue.typeId ?? -1);

  const closedOf = new Map(issues.map((issue) => [issue.id, closedAt(issue, statuses, period.until)]));
  const weeks = eachWeek(localDay(period.since, period.timeZone), localDay(period.until, period.timeZone));
  const weekly = new Map(weeks.map((week) => [week, { week, opened: 0, closed: 0 }]));
  const weekOf = (instant: string) => weekStart(localDay(instant, period.timeZone));

  const breakdown = new Map<string, { dimension: string; value: string; opened: number; closed: number }>();
  const tally = (issue: TrackedItem, what: 'opened' | 'closed') => {
    const values: [string, string][] = [
      ['type', nameOf(data.issueTypes, issue.typeId)],
      ['severity', nameOf(data.severities, issue.severityId)],
      ['priority', nameOf(data.priorities, issue.priorityId)],
    ];
    for (const [dimension, value] of values) {
      const key = `${dimension}:${value}`;
      const row = breakdown.get(key) ?? { dimension, value, opened: 0, closed: 0 };
      row[what] += 1;
      breakdown.set(key, row);
    }
  };

  let opened = 0;
  let closed = 0;
  const timesToClose: number[] = [];
  const rows: Record<string, Cell>[] = [];
  const ageRows = new Map<string, number>();
  for (const issue of issues) {
    const closedTime = closedOf.get(issue.id) ?? null;
    if (inPeriod(issue.createdAt, period)) {
      opened += 1;
      const week = weekly.get(weekOf(issue.createdAt));
      if (week) week.opened += 1;
      tally(issue, 'opened');
    }
    if (inPeriod(closedTime, period)) {
      closed += 1;
      const week = weekly.get(weekOf(closedTime));
      if (week) week.closed += 1;
      tally(issue, 'closed');
      if (isBug(issue)) timesToClose.push(days(issue.createdAt, closedTime));
    }
    const status = statuses.get(statusAt(issue, period.until) ?? -1);
    const ageDays = closedTime === null ? days(issue.createdAt, period.until) : null;
    if (ageDays !== null && isBug(issue)) {
      const key = `${ageBucket(ageDays)}\u0000${nameOf(data.severities, issue.severityId)}`;
      ageRows.set(key, (ageRows.get(key) ?? 0) + 1);
    }
    if (inPeriod(issue.createdAt, period) || inPeriod(closedTime, period) || closedTime === null) {
      rows.push({
        ref: issue.ref,
        subject: issue.subject,
        type: nameOf(data.issueTypes, issue.typeId),
        severity: nameOf(data.severities, issue.severityId),
        priority: nameOf(data.priorities, issue.priorityId),
        status: status?.name ?? '—',
        created: issue.createdAt,
        closed: closedTime,
        days_to_close: closedTime === null ? null : days(issue.createdAt, closedTime),
        open_days: ageDays,
      });
    }
  }
  rows.sort((a, b) => Number(b.ref) - Number(a.ref));

  const openBugs = [...ageRows.values()].reduce((sum, n) => sum + n, 0);
  const severities = [...data.severities].sort((a, b) => b.order - a.order);
  const ageTable = [...ageRows].map(([key, n]) => {
    const [bucket, severity] = key.split('\u0000') as [string, string];
    return { bucket, severity, open: n };
  });
  const ttc = percentiles(timesToClose);
  const weeklyRows = [...weekly.values()];
  const tables: Table[] = [
    {
      name: 'issues',
      title: 'Issues opened, closed or open in the period',
      columns: [
        { key: 'ref', label: '#' },
        { key: 'subject', label: 'Subject' },
        { key: 'type', label: 'Type' },
        { key: 'severity', label: 'Severity' },
        { key: 'priority', label: 'Priority' },
        { key: 'status', label: 'Status' },
        { key: 'created', label: 'Created' },
        { key: 'closed', label: 'Closed' },
        { key: 'days_to_close', label: 'Days to close' },
        { key: 'open_days', label: 'Open for (days)' },
      ],
      rows,
    },
    {
      name: 'weekly',
      title: 'Issues opened and closed per week',
      columns: [
        { key: 'week', label: 'Week of' },
        { key: 'opened', label: 'Opened' },
        { key: 'closed', label: 'Closed' },
      ],
      rows: weeklyRows,
    },
    {
      name: 'breakdown',
      title: 'Opened and closed in the period, by type, severity and priority',
      columns: [
        { key: 'dimension', label: 'By' },
        { key: 'value', label: 'Value' },
        { key: 'opened', label: 'Opened' },
        { key: 'closed', label: 'Closed' },
      ],
      rows: [...breakdown.values()].sort(
        (a, b) => a.dimension.localeCompare(b.dimension) || b.opened + b.closed - (a.opened + a.closed),
      ),
    },
    {
      name: 'open_by_age',
      title: 'Open bugs by age and severity',
      columns: [
        { key: 'bucket', label: 'Age' },
        { key: 'severity', label: 'Severity' },
        { key: 'open', label: 'Open' },
      ],
      rows: ageTable.sort(
        (a, b) => ageBucketLabels.indexOf(a.bucket) - ageBucketLabels.indexOf(b.bucket) || b.open - a.open,
      ),
    },
    {
      name: 'time_to_close',
      title: 'Time to close of the bugs closed in the period (days)',
      columns: [
        { key: 'closed', label: 'Closed' },
        { key: 'p50', label: 'p50' },
        { key: 'p85', label: 'p85' },
        { key: 'p95', label: 'p95' },
      ],
      rows: [{ closed: timesToClose.length, ...ttc }],
    },
  ];
  return {
    kind: 'bugs',
    title: `Bug flow — ${options.project.name}`,
    project: options.project,
    period,
    generatedAt: options.generatedAt,
    summary: [
      `${count(opened, 'issue')} opened and ${closed} closed in the period.`,
      `${count(openBugs, 'bug')} open at the end of it.`,
      `Time to close a bug: median ${daysText(ttc.p50)}, p85 ${daysText(ttc.p85)}, p95 ${daysText(ttc.p95)} (${count(timesToClose.length, 'bug')} closed).`,
    ],
    sections: [
      {
        title: 'Opened and closed per week',
        lines: [],
        tables: ['weekly', 'breakdown'],
        charts: ['issues-per-week'],
      },
      { title: 'Open bugs by age', lines: [], tables: ['open_by_age'], charts: ['open-bugs-by-age'] },
      { title: 'Time to close', lines: [], tables: ['time_to_close'], charts: [] },
    ],
    rowsTable: 'issues',
    tables,
    charts: [
      openedClosedChart(weeklyRows),
      ageStackChart(
        'open-bugs-by-age',
        'Open bugs by age',
        ageTable.map((row) => ({ bucket: row.bucket, category: row.severity, count: row.open })),
        ageBucketLabels,
        severities,
        'severity',
      ),
    ],
    firings: [],
    notes,
  };
}
