import type { Chart } from '../model/report.js';
import { chart, orderedColors } from './base.js';

/** Cumulative flow: stories per status at the end of each day, stacked, closed statuses at the bottom. */
export function cumulativeFlowChart(
  rows: readonly { day: string; status: string; count: number }[],
  statuses: readonly { name: string; color: string }[],
): Chart {
  const order = statuses.map((status) => status.name);
  return chart('cumulative-flow', 'Cumulative flow of user stories', {
    data: { values: rows.map((row) => ({ ...row, rank: order.indexOf(row.status) })) },
    mark: { type: 'area', line: false, interpolate: 'step-after' },
    encoding: {
      x: { field: 'day', type: 'temporal', title: null, axis: { format: '%d %b' } },
      y: { field: 'count', type: 'quantitative', stack: 'zero', title: 'stories' },
      color: { field: 'status', type: 'nominal', title: 'status', scale: orderedColors(statuses) },
      order: { field: 'rank', type: 'quantitative', sort: 'descending' },
    },
  });
}

/** Cycle time of each finished story against the day it finished, with the percentile lines. */
export function cycleTimeScatterChart(
  points: readonly { day: string; cycleDays: number; story: string }[],
  lines: readonly { label: string; days: number }[],
): Chart {
  return chart('cycle-time', 'Cycle time of finished stories (days)', {
    layer: [
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 60, color: '#4c78a8' },
        encoding: {
          x: { field: 'day', type: 'temporal', title: 'finished', axis: { format: '%d %b' } },
          y: { field: 'cycleDays', type: 'quantitative', title: 'days from start to done' },
          tooltip: [{ field: 'story' }, { field: 'cycleDays' }],
        },
      },
      {
        data: { values: lines },
        mark: { type: 'rule', strokeDash: [6, 4], color: '#e45756' },
        encoding: { y: { field: 'days', type: 'quantitative' } },
      },
      {
        data: { values: lines },
        mark: { type: 'text', align: 'right', dy: -6, color: '#e45756', x: 'width' },
        encoding: { y: { field: 'days', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  });
}

/** Stories finished per week. */
export function throughputChart(weeks: readonly { week: string; done: number }[]): Chart {
  return chart('throughput', 'Throughput: stories done per week', {
    data: { values: weeks },
    mark: { type: 'bar', color: '#54a24b' },
    encoding: {
      x: { field: 'week', type: 'ordinal', title: 'week of', sort: null, axis: { labelAngle: 0 } },
      y: { field: 'done', type: 'quantitative', title: 'stories done', axis: { tickMinStep: 1 } },
    },
  });
}
