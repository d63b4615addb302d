import type { Chart } from '../model/report.js';
import { chart, orderedColors } from './base.js';

/** Counts per age bucket, stacked by a category (severity, item kind), buckets in order. */
export function ageStackChart(
  id: string,
  title: string,
  rows: readonly { bucket: string; category: string; count: number }[],
  buckets: readonly string[],
  categories: readonly { name: string; color: string }[],
  categoryTitle: string,
): Chart {
  return chart(id, title, {
    data: { values: rows.filter((row) => row.count > 0) },
    mark: 'bar',
    encoding: {
      x: {
        field: 'bucket',
        type: 'ordinal',
        title: 'age',
        sort: buckets,
        scale: { domain: buckets },
        axis: { labelAngle: 0 },
      },
      y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'open', axis: { tickMinStep: 1 } },
      color: { field: 'category', type: 'nominal', title: categoryTitle, scale: orderedColors(categories) },
    },
  });
}

/** Issues opened and closed per week, side by side. */
export function openedClosedChart(weeks: readonly { week: string; opened: number; closed: number }[]): Chart {
  const values = weeks.flatMap((week) => [
    { week: week.week, what: 'opened', count: week.opened },
    { week: week.week, what: 'closed', count: week.closed },
  ]);
  return chart('issues-per-week', 'Issues opened and closed per week', {
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'week', type: 'ordinal', title: 'week of', sort: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'what', sort: ['opened', 'closed'] },
      y: { field: 'count', type: 'quantitative', title: 'issues', axis: { tickMinStep: 1 } },
      color: {
        field: 'what',
        type: 'nominal',
        title: null,
        scale: { domain: ['opened', 'closed'], range: ['#e45756', '#54a24b'] },
      },
    },
  });
}

/** One bar per category (runs by outcome). */
export function countBarChart(
  id: string,
  title: string,
  rows: readonly { label: string; count: number; color: string }[],
  axisTitle: string,
): Chart {
  return chart(
    id,
    title,
    {
      data: { values: rows },
      mark: 'bar',
      encoding: {
        y: { field: 'label', type: 'nominal', title: null, sort: null },
        x: { field: 'count', type: 'quantitative', title: axisTitle, axis: { tickMinStep: 1 } },
        color: { field: 'color', type: 'nominal', scale: null, legend: null },
      },
    },
    { width: 560, height: Math.max(60, rows.length * 28) },
  );
}
