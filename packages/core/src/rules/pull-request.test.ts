import { describe, expect, it } from 'vitest';
import type { StepRun } from '../contracts/step-run.js';
import { formatDuration, pullRequestBody, pullRequestTitle } from './pull-request.js';

const at = '2026-12-01T10:00:00.000Z';
const step = (order: number, fields: Partial<StepRun>): StepRun => ({
  id: `step-${order}`,
  protocolRunId: 'run-1',
  projectId: 'acme',
  order,
  title: `Step ${order}`,
  instructions: '',
  status: 'completed',
  version: 3,
  attempts: 1,
  taigaTaskId: null,
  resultSummary: null,
  commitSha: null,
  createdAt: at,
  updatedAt: at,
  ...fields,
});

describe('pull request title and body', () => {
  it('titles the PR TG-<ref>: <subject> on one line', () => {
    expect(pullRequestTitle(42, '  Add the\nexport  button ')).toBe('TG-42: Add the export button');
    expect(pullRequestTitle(1, 'x'.repeat(400))).toHaveLength(250);
  });

  it('says durations as people read them', () => {
    expect(formatDuration(65 * 60_000)).toBe('1 h 05 min');
    expect(formatDuration(12 * 60_000)).toBe('12 min');
    expect(formatDuration(40_000)).toBe('40 s');
  });

  it('holds the story, the plan with status, commit and summary, the spend and how to steer', () => {
    const body = pullRequestBody({
      run: { id: 'run-1', taigaItem: { type: 'userstory', id: 7, ref: 42 }, title: 'Add export' },
      steps: [
        step(1, { status: 'needs_qa', title: 'Wire | the button' }),
        step(0, {
          commitSha: 'abcdef0123456789',
          resultSummary: 'Added the CSV writer',
          spend: { costUsd: 0.12, tokensIn: 10, tokensOut: 5 },
        }),
      ],
      storyUrl: 'http://taiga.local/project/acme/us/42',
      description: 'Users want CSV.',
      elapsedMs: 120_000,
    });
    expect(body).toContain('[TG-42](http://taiga.local/project/acme/us/42): **Add export**');
    expect(body).toContain('Users want CSV.');
    expect(body).toContain('| 1 | Step 0 | completed | `abcdef012345` | Added the CSV writer |');
    expect(body).toContain('| 2 | Wire \\| the button | needs_qa | — | — |');
    expect(body).toContain('**Time:** 2 min. Spent $0.12 (10 tokens in, 5 out).');
    expect(body).toContain('`/tundra fix <what to change>`');
  });
});
