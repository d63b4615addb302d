import { ageStackChart } from '../charts/bar-charts.js';
import type { Cell, Report, Table } from '../model/report.js';
import { itemKinds, type ProjectData, type TrackedItem } from '../model/taiga-data.js';
import { blockedSince, closedAt, inStatusSince, statusAt, unassignedAt } from '../timeline/item-state.js';
import { activeStatuses, allStatuses } from '../timeline/statuses.js';
import { ageBucket, ageBucketLabels } from './age-buckets.js';
import { count, days, itemLabel, type ReportOptions } from './report-input.js';

export const defaultAgingDays = 7;

const kindColors = [
  { name: 'userstory', color: '#4c78a8' },
  { name: 'task', color: '#f58518' },
  { name: 'issue', color: '#e45756' },
];

/** One open item at the end of the period, with how long it has been where it is. */
export interface OpenItem {
  item: TrackedItem;
  status: string;
  inStatusDays: number;
  blockedDays: number | null;
  unassignedActive: boolean;
}

/** The items open at `at`, with their time in status, block and assignment then. */
export function openItems(data: ProjectData, at: string, startStatus?: string): OpenItem[] {
  const statuses = allStatuses(data);
  const active = new Set(itemKinds.flatMap((kind) => [...activeStatuses(data, kind, startStatus)]));
  return data.items.flatMap((item) => {
    if (item.createdAt > at || closedAt(item, statuses, at) !== null) return [];
    const status = statusAt(item, at) ?? item.statusId;
    const blocked = blockedSince(item, at);
    return [
      {
        item,
        status: statuses.get(status)?.name ?? '—',
        inStatusDays: days(inStatusSince(item, at), at),
        blockedDays: blocked === null ? null : days(blocked, at),
        unassignedActive: active.has(status) && unassignedAt(item, at),
      },
    ];
  });
}

/**
 * Aging and stuck work at the end of the period: open items in one status longer than the threshold, blocked items
 * and for how long, and unassigned items in active statuses.
 */
export function agingReport(data: ProjectData, options: ReportOptions): Report {
  const { period } = options;
  const threshold = options.agingDays ?? defaultAgingDays;
  const open = openItems(data, period.until, options.startStatus);
  const aging = open.filter((entry) => entry.inStatusDays > threshold);
  const blocked = open.filter((entry) => entry.blockedDays !== null);
  const unassigned = open.filter((entry) => entry.unassignedActive);
  const row = (entry: OpenItem): Record<string, Cell> => ({
    item: itemLabel(entry.item),
    kind: entry.item.kind,
    ref: entry.item.ref,
    subject: entry.item.subject,
    status: entry.status,
    days_in_status: entry.inStatusDays,
    blocked_days: entry.blockedDays,
    blocked_note: entry.blockedDays === null ? null : entry.item.blockedNote,
    unassigned: entry.unassignedActive ? 'yes' : '',
  });
  const byAge = (a: OpenItem, b: OpenItem) => b.inStatusDays - a.inStatusDays;
  const columns = [
    { key: 'item', label: 'Item' },
    { key: 'subject', label: 'Subject' },
    { key: 'status', label: 'Status' },
    { key: 'days_in_status', label: 'Days in status' },
  ];
  const buckets = new Map<string, number>();
  for (const entry of open) {
    const key = `${ageBucket(entry.inStatusDays)}\u0000${entry.item.kind}`;
    buckets.set(key, (buckets.get(key) ?? 0) + 1);
  }
  const tables: Table[] = [
    {
      name: 'open_items',
      title: 'Open items at the end of the period',
      columns: [
        { key: 'kind', label: 'Kind' },
        { key: 'ref', label: '#' },
        { key: 'subject', label: 'Subject' },
        { key: 'status', label: 'Status' },
        { key: 'days_in_status', label: 'Days in status' },
        { key: 'blocked_days', label: 'Blocked for (days)' },
        { key: 'blocked_note', label: 'Blocked because' },
        { key: 'unassigned', label: 'Unassigned in an active status' },
      ],
      rows: [...open].sort(byAge).map(row),
    },
    {
      name: 'aging',
      title: `In one status for more than ${threshold} days`,
      columns,
      rows: aging.sort(byAge).map(row),
    },
    {
      name: 'blocked',
      title: 'Blocked',
      columns: [
        { key: 'item', label: 'Item' },
        { key: 'subject', label: 'Subject' },
        { key: 'blocked_days', label: 'Blocked for (days)' },
        { key: 'blocked_note', label: 'Because' },
      ],
      rows: blocked.sort((a, b) => (b.blockedDays ?? 0) - (a.blockedDays ?? 0)).map(row),
    },
    {
      name: 'unassigned',
      title: 'Unassigned in an active status',
      columns,
      rows: unassigned.sort(byAge).map(row),
    },
  ];
  return {
    kind: 'aging',
    title: `Aging and stuck work — ${options.project.name}`,
    project: options.project,
    period,
    generatedAt: options.generatedAt,
    summary: [
      `${count(open.length, 'open item')}; ${aging.length} in one status for more than ${count(threshold, 'day')}.`,
      `${count(blocked.length, 'item')} blocked, the longest for ${count(
        Math.max(0, ...blocked.map((entry) => entry.blockedDays ?? 0)),
        'day',
      )}.`,
      `${count(unassigned.length, 'item')} unassigned in an active status.`,
    ],
    sections: [
      {
        title: `In one status for more than ${count(threshold, 'day')}`,
        lines: [],
        tables: ['aging'],
        charts: ['open-by-age'],
      },
      { title: 'Blocked', lines: [], tables: ['blocked'], charts: [] },
      { title: 'Unassigned in an active status', lines: [], tables: ['unassigned'], charts: [] },
    ],
    rowsTable: 'open_items',
    tables,
    charts: [
      ageStackChart(
        'open-by-age',
        'Open items by days in their status',
        [...buckets].map(([key, n]) => {
          const [bucket, category] = key.split('\u0000') as [string, string];
          return { bucket, category, count: n };
        }),
        ageBucketLabels,
        kindColors,
        'kind',
      ),
    ],
    firings: [],
    notes: [],
  };
}
