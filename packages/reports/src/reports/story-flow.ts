import { cumulativeFlowChart, cycleTimeScatterChart, throughputChart } from '../charts/flow-charts.js';
import type { Cell, Report, Table } from '../model/report.js';
import type { ProjectData } from '../model/taiga-data.js';
import { percentiles } from '../stats/percentile.js';
import { eachDay, eachWeek, localDay, weekStart } from '../time/zoned.js';
import { closedAt, firstStartedAt, statusAt } from '../timeline/item-state.js';
import { activeStatuses, statusMap } from '../timeline/statuses.js';
import { count, days, daysText, inPeriod, type ReportOptions } from './report-input.js';

/**
 * Flow of user stories: cycle time (first entry into an active status → done) and lead time (created → done) of the
 * stories done in the period, with percentiles and a scatter over time; throughput per week; work in progress per
 * status at the end of the period; and the cumulative flow of every day of the period.
 */
export function storyFlowReport(data: ProjectData, options: ReportOptions): Report {
  const { period } = options;
  const ordered = [...data.statuses.userstory].sort((a, b) => a.order - b.order || a.id - b.id);
  const statuses = statusMap(ordered);
  const active = activeStatuses(data, 'userstory', options.startStatus);
  const stories = data.items.filter((item) => item.kind === 'userstory' && item.createdAt <= period.until);
  const firstDay = localDay(period.since, period.timeZone);
  const lastDay = localDay(period.until, period.timeZone);
  const throughput = new Map(eachWeek(firstDay, lastDay).map((week) => [week, 0]));

  const cycle: number[] = [];
  const lead: number[] = [];
  const points: { day: string; cycleDays: number; story: string }[] = [];
  const rows: Record<string, Cell>[] = [];
  const wip = new Map<number, number>();
  for (const story of stories) {
    const done = closedAt(story, statuses, period.until);
    const started = firstStartedAt(story, active);
    const status = statusAt(story, period.until);
    if (done === null && status !== undefined) wip.set(status, (wip.get(status) ?? 0) + 1);
    const cycleDays = done !== null && started !== null && started <= done ? days(started, done) : null;
    const leadDays = done !== null ? days(story.createdAt, done) : null;
    if (inPeriod(done, period)) {
      const day = localDay(done, period.timeZone);
      const week = weekStart(day);
      throughput.set(week, (throughput.get(week) ?? 0) + 1);
      if (leadDays !== null) lead.push(leadDays);
      if (cycleDays !== null) {
        cycle.push(cycleDays);
        points.push({ day, cycleDays, story: `#${story.ref} ${story.subject}` });
      }
    }
    if (inPeriod(done, period) || done === null) {
      rows.push({
        ref: story.ref,
        subject: story.subject,
        status: statuses.get(status ?? -1)?.name ?? '—',
        created: story.createdAt,
        started,
        done,
        cycle_days: inPeriod(done, period) ? cycleDays : null,
        lead_days: inPeriod(done, period) ? leadDays : null,
      });
    }
  }
  rows.sort((a, b) => Number(b.ref) - Number(a.ref));

  // Cumulative flow: each story's status at the end of each local day (changes bucketed by their local day).
  const cfdRows: { day: string; status: string; count: number }[] = [];
  for (const day of eachDay(firstDay, lastDay)) {
    const counts = new Map<number, number>();
    for (const story of stories) {
      if (localDay(story.createdAt, period.timeZone) > day) continue;
      const endOfDay = latestInstantOfDay(story, day, period.timeZone);
      const status = statusAt(story, endOfDay);
      if (status !== undefined) counts.set(status, (counts.get(status) ?? 0) + 1);
    }
    for (const status of ordered)
      cfdRows.push({ day, status: status.name, count: counts.get(status.id) ?? 0 });
  }

  const cyclePct = percentiles(cycle);
  const leadPct = percentiles(lead);
  const throughputRows = [...throughput].map(([week, done]) => ({ week, done }));
  const wipRows = ordered
    .filter((status) => !status.isClosed)
    .map((status) => ({ status: status.name, stories: wip.get(status.id) ?? 0, limit: status.wipLimit }));
  const lines = (['p50', 'p85', 'p95'] as const).flatMap((key) =>
    cyclePct[key] === null ? [] : [{ label: `${key} ${cyclePct[key]} d`, days: cyclePct[key] as number }],
  );
  const tables: Table[] = [
    {
      name: 'stories',
      title: 'Stories done in the period or still open',
      columns: [
        { key: 'ref', label: '#' },
        { key: 'subject', label: 'Subject' },
        { key: 'status', label: 'Status' },
        { key: 'created', label: 'Created' },
        { key: 'started', label: 'Started' },
        { key: 'done', label: 'Done' },
        { key: 'cycle_days', label: 'Cycle (days)' },
        { key: 'lead_days', label: 'Lead (days)' },
      ],
      rows,
    },
    {
      name: 'times',
      title: 'Cycle and lead time of the stories done in the period (days)',
      columns: [
        { key: 'measure', label: 'Measure' },
        { key: 'stories', label: 'Stories' },
        { key: 'p50', label: 'p50' },
        { key: 'p85', label: 'p85' },
        { key: 'p95', label: 'p95' },
      ],
      rows: [
        { measure: 'cycle time', stories: cycle.length, ...cyclePct },
        { measure: 'lead time', stories: lead.length, ...leadPct },
      ],
    },
    {
      name: 'throughput',
      title: 'Stories done per week',
      columns: [
        { key: 'week', label: 'Week of' },
        { key: 'done', label: 'Done' },
      ],
      rows: throughputRows,
    },
    {
      name: 'wip',
      title: 'Work in progress at the end of the period',
      columns: [
        { key: 'status', label: 'Status' },
        { key: 'stories', label: 'Stories' },
        { key: 'limit', label: 'WIP limit' },
      ],
      rows: wipRows,
    },
    {
      name: 'cumulative_flow',
      title: 'Stories per status at the end of each day',
      columns: [
        { key: 'day', label: 'Day' },
        { key: 'status', label: 'Status' },
        { key: 'count', label: 'Stories' },
      ],
      rows: cfdRows,
    },
  ];
  const inProgress = [...wip].filter(([status]) => active.has(status)).reduce((sum, [, n]) => sum + n, 0);
  return {
    kind: 'flow',
    title: `Flow of stories — ${options.project.name}`,
    project: options.project,
    period,
    generatedAt: options.generatedAt,
    summary: [
      `${count(lead.length, 'story', 'stories')} done in the period.`,
      `Cycle time: median ${daysText(cyclePct.p50)}, p85 ${daysText(cyclePct.p85)}, p95 ${daysText(cyclePct.p95)}.`,
      `Lead time: median ${daysText(leadPct.p50)}, p85 ${daysText(leadPct.p85)}, p95 ${daysText(leadPct.p95)}.`,
      `${count(inProgress, 'story', 'stories')} in progress at the end of the period.`,
    ],
    sections: [
      { title: 'Cycle and lead time', lines: [], tables: ['times'], charts: ['cycle-time'] },
      { title: 'Throughput', lines: [], tables: ['throughput'], charts: ['throughput'] },
      { title: 'Work in progress', lines: [], tables: ['wip'], charts: ['cumulative-flow'] },
    ],
    rowsTable: 'stories',
    tables,
    charts: [
      cumulativeFlowChart(cfdRows, ordered),
      cycleTimeScatterChart(points, lines),
      throughputChart(throughputRows),
    ],
    firings: [],
    notes: [],
  };
}

/** The last change of the story on that local day, so its status then is its status at the end of the day. */
function latestInstantOfDay(story: ProjectData['items'][number], day: string, timeZone: string): string {
  let latest = story.createdAt;
  for (const change of story.changes) {
    if (localDay(change.at, timeZone) <= day && change.at > latest) latest = change.at;
  }
  return latest;
}
