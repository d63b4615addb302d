import { describe, expect, it } from 'vitest';
import { handMadeOptions, handMadeProject } from '../../test/hand-made-project.js';
import { exceptionsReport } from './exceptions.js';

describe('exception rules on the hand-made project', () => {
  it('fires each rule that finds something, saying which and why', () => {
    const report = exceptionsReport(
      handMadeProject(),
      handMadeOptions({
        rules: [
          { kind: 'blocked-longer-than', days: 2 },
          { kind: 'wip-over-limit' },
          { kind: 'issue-open-longer-than', severity: 'critical', days: 1 },
        ],
      }),
    );
    expect(report.firings.map((firing) => [firing.rule, firing.reason])).toEqual([
      [
        'blocked-longer-than',
        '1 item blocked for more than 2 days: US #3 (blocked 4 days: waiting for the API keys).',
      ],
      ['wip-over-limit', 'In progress holds 3 stories, over its limit of 2.'],
      ['issue-open-longer-than', '1 critical issue open for more than 1 day: Issue #12 (open 6 days).'],
    ]);
    expect(report.firings[0]?.description).toBe('an item blocked for more than 2 days');
  });

  it('fires nothing when no rule finds anything', () => {
    const report = exceptionsReport(
      handMadeProject(),
      handMadeOptions({
        rules: [
          { kind: 'blocked-longer-than', days: 5 },
          { kind: 'wip-over-limit', limits: { 'in-progress': 3 } },
          { kind: 'issue-open-longer-than', severity: 'Critical', days: 7 },
        ],
      }),
    );
    expect(report.firings).toEqual([]);
    expect(report.summary).toEqual(['No rule fired (3 rules checked).']);
  });

  it('takes a configured WIP limit over the one set in Taiga', () => {
    const report = exceptionsReport(
      handMadeProject(),
      handMadeOptions({ rules: [{ kind: 'wip-over-limit', limits: { new: 0 } }] }),
    );
    expect(report.firings[0]?.reason).toBe(
      'New holds 1 story, over its limit of 0. In progress holds 3 stories, over its limit of 2.',
    );
  });
});
