import { describe, expect, it } from 'vitest';
import { handMadeOptions, handMadeProject } from '../../test/hand-made-project.js';
import { tableNamed } from '../format/cells.js';
import { storyFlowReport } from './story-flow.js';

describe('flow of stories on the hand-made project', () => {
  const report = storyFlowReport(handMadeProject(), handMadeOptions());

  it('computes cycle and lead time percentiles of the stories done in the period', () => {
    // Cycle: US #1 2.0 and US #2 6.0 days; lead: 13.4 and 7.0 days.
    expect(tableNamed(report, 'times').rows).toEqual([
      { measure: 'cycle time', stories: 2, p50: 4, p85: 5.4, p95: 5.8 },
      { measure: 'lead time', stories: 2, p50: 10.2, p85: 12.4, p95: 13.1 },
    ]);
  });

  it('counts throughput per week', () => {
    expect(tableNamed(report, 'throughput').rows).toEqual([
      { week: '2026-03-02', done: 1 },
      { week: '2026-03-09', done: 1 },
    ]);
  });

  it('shows work in progress per open status with its limit', () => {
    expect(tableNamed(report, 'wip').rows).toEqual([
      { status: 'New', stories: 1, limit: null },
      { status: 'Ready', stories: 0, limit: null },
      { status: 'In progress', stories: 3, limit: 2 },
      { status: 'Ready for test', stories: 0, limit: null },
    ]);
    expect(report.summary).toContain('3 stories in progress at the end of the period.');
  });

  it('builds the cumulative flow from each day-end status', () => {
    const day = (d: string) =>
      Object.fromEntries(
        tableNamed(report, 'cumulative_flow')
          .rows.filter((row) => row.day === d)
          .map((row) => [row.status, row.count]),
      );
    expect(day('2026-03-02')).toEqual({ New: 2, Ready: 0, 'In progress': 0, 'Ready for test': 0, Done: 0 });
    expect(day('2026-03-05')).toEqual({ New: 1, Ready: 0, 'In progress': 1, 'Ready for test': 0, Done: 1 });
    expect(day('2026-03-15')).toEqual({ New: 1, Ready: 0, 'In progress': 3, 'Ready for test': 0, Done: 2 });
  });

  it('plots one point per finished story and a line per percentile', () => {
    const scatter = report.charts.find((chart) => chart.id === 'cycle-time');
    const layers = scatter?.spec.layer as { data: { values: unknown[] } }[];
    expect(layers[0]?.data.values).toHaveLength(2);
    expect(layers[1]?.data.values).toEqual([
      { label: 'p50 4 d', days: 4 },
      { label: 'p85 5.4 d', days: 5.4 },
      { label: 'p95 5.8 d', days: 5.8 },
    ]);
  });

  it('starts the cycle at the configured status', () => {
    const fromReadyForTest = storyFlowReport(
      handMadeProject(),
      handMadeOptions({ startStatus: 'ready-for-test' }),
    );
    // Only US #2 went through Ready for test (03-08 → 03-10).
    expect(tableNamed(fromReadyForTest, 'times').rows[0]).toMatchObject({ stories: 1, p50: 2 });
  });

  it('counts weeks in the project time zone', () => {
    // 2026-03-08T23:30Z is already Monday 03-09 in Paris.
    const project = handMadeProject();
    const us2 = project.items.find((item) => item.kind === 'userstory' && item.ref === 2);
    if (us2?.changes[3]) us2.changes[3].at = '2026-03-08T23:30:00.000Z';
    const utc = storyFlowReport(project, handMadeOptions());
    // The same two weeks, ending at midnight in Paris (UTC+1 in March).
    const paris = storyFlowReport(
      project,
      handMadeOptions({
        period: {
          since: '2026-03-01T23:00:00.000Z',
          until: '2026-03-15T22:59:59.999Z',
          timeZone: 'Europe/Paris',
        },
      }),
    );
    expect(tableNamed(utc, 'throughput').rows).toEqual([
      { week: '2026-03-02', done: 2 },
      { week: '2026-03-09', done: 0 },
    ]);
    expect(tableNamed(paris, 'throughput').rows).toEqual([
      { week: '2026-03-02', done: 1 },
      { week: '2026-03-09', done: 1 },
    ]);
  });
});
