import { describe, expect, it } from 'vitest';
import { handMadeOptions, handMadeProject } from '../../test/hand-made-project.js';
import { tableNamed } from '../format/cells.js';
import { agingReport } from './aging.js';

describe('aging and stuck work on the hand-made project', () => {
  const report = agingReport(handMadeProject(), handMadeOptions());

  it('lists open items in one status longer than the threshold, oldest first', () => {
    expect(tableNamed(report, 'aging').rows.map((row) => [row.item, row.days_in_status])).toEqual([
      ['Issue #13', 43],
      ['Task #20', 14],
    ]);
  });

  it('lists blocked items with how long and why', () => {
    expect(tableNamed(report, 'blocked').rows).toEqual([
      expect.objectContaining({ item: 'US #3', blocked_days: 4, blocked_note: 'waiting for the API keys' }),
    ]);
  });

  it('lists unassigned items in active statuses only', () => {
    // US #5 is assigned through assigned_users; task #21 is unassigned but still New.
    expect(tableNamed(report, 'unassigned').rows.map((row) => row.item)).toEqual(['Task #20', 'US #3']);
  });

  it('uses the threshold given', () => {
    const strict = agingReport(handMadeProject(), handMadeOptions({ agingDays: 5 }));
    expect(tableNamed(strict, 'aging').rows.map((row) => row.item)).toEqual([
      'Issue #13',
      'Task #20',
      'US #3',
      'Issue #12',
    ]);
  });

  it('looks at the items as they were at the end of a past period', () => {
    const earlier = agingReport(
      handMadeProject(),
      handMadeOptions({
        period: { since: '2026-03-01T00:00:00.000Z', until: '2026-03-09T12:00:00.000Z', timeZone: 'UTC' },
      }),
    );
    // On 03-09 at noon US #3 was in progress but not blocked yet, and US #4 did not exist.
    expect(tableNamed(earlier, 'blocked').rows).toEqual([]);
    expect(tableNamed(earlier, 'open_items').rows.map((row) => row.item)).not.toContain('US #4');
  });
});
