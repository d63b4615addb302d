import { describe, expect, it } from 'vitest';
import { handMadeOptions, handMadeProject } from '../../test/hand-made-project.js';
import { tableNamed } from '../format/cells.js';
import { bugFlowReport } from './bug-flow.js';

describe('bug flow on the hand-made project', () => {
  const report = bugFlowReport(handMadeProject(), handMadeOptions());

  it('counts issues opened and closed per ISO week', () => {
    expect(tableNamed(report, 'weekly').rows).toEqual([
      { week: '2026-03-02', opened: 2, closed: 1 },
      { week: '2026-03-09', opened: 1, closed: 1 },
    ]);
  });

  it('breaks the period down by type, severity and priority', () => {
    const rows = tableNamed(report, 'breakdown').rows;
    expect(rows).toContainEqual({ dimension: 'type', value: 'Bug', opened: 3, closed: 2 });
    expect(rows).toContainEqual({ dimension: 'severity', value: 'Critical', opened: 2, closed: 1 });
    expect(rows).toContainEqual({ dimension: 'severity', value: 'Normal', opened: 1, closed: 1 });
    expect(rows).toContainEqual({ dimension: 'priority', value: 'High', opened: 2, closed: 1 });
    expect(rows.filter((row) => row.dimension === 'type')).toHaveLength(1);
  });

  it('shows open bugs by age at the end of the period, questions left out', () => {
    expect(tableNamed(report, 'open_by_age').rows).toEqual([
      { bucket: '3–7 days', severity: 'Critical', open: 1 },
    ]);
  });

  it('computes time to close of the bugs closed in the period', () => {
    // Bugs #10 (1.0 day) and #11 (7.0 days): linear interpolation between the two.
    expect(tableNamed(report, 'time_to_close').rows).toEqual([{ closed: 2, p50: 4, p85: 6.1, p95: 6.7 }]);
    expect(report.summary).toContain(
      'Time to close a bug: median 4 days, p85 6.1 days, p95 6.7 days (2 bugs closed).',
    );
  });

  it('lists the raw rows: issues opened, closed or open in the period, not those closed before it', () => {
    const rows = tableNamed(report, report.rowsTable).rows;
    expect(rows.map((row) => row.ref)).toEqual([13, 12, 11, 10]);
    expect(rows.find((row) => row.ref === 11)).toMatchObject({
      days_to_close: 7,
      open_days: null,
      status: 'Closed',
    });
    expect(rows.find((row) => row.ref === 13)).toMatchObject({ type: 'Question', open_days: 43 });
  });

  it('counts every issue as a bug, and says so, when no type is a bug type', () => {
    const all = bugFlowReport(handMadeProject(), handMadeOptions({ bugTypes: ['Defect'] }));
    expect(all.notes[0]).toMatch(/every issue is counted as a bug/);
    expect(tableNamed(all, 'open_by_age').rows).toHaveLength(2);
  });

  it('draws the opened/closed bars and the open bugs by age', () => {
    expect(report.charts.map((chart) => chart.id)).toEqual(['issues-per-week', 'open-bugs-by-age']);
  });
});
