import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type RunEvent, renderRunContext, type StepRun } from '@tundra/core';
import { repoRoot } from '@tundra/testkit';
import { describe, expect, it } from 'vitest';

const step = (order: number, fields: Partial<StepRun>) =>
  ({
    id: `step_${order}`,
    order,
    instructions: '',
    commitSha: null,
    resultSummary: null,
    ...fields,
  }) as StepRun;

const steps = [
  step(0, {
    title: 'Add the CSV export endpoint',
    status: 'completed',
    commitSha: '3f2a9c81d0e4b7a65c1e',
    resultSummary: 'Added GET /reports/export.csv with a streaming writer and its tests.',
  }),
  step(1, {
    title: 'Add the export button',
    status: 'running',
    instructions: 'Add an "Export CSV" button to the reports page that downloads /reports/export.csv.',
  }),
];

const failed: RunEvent = {
  id: '1796437430708-0',
  type: 'step_run.qa_failed',
  entityId: 'step_1',
  at: '2026-12-04T10:20:00.000Z',
  actor: { kind: 'taiga_user', name: 'alice' },
  correlationId: 'corr',
  from: 'needs_qa',
  to: 'failed',
  version: 4,
  payload: { attempt: 1, reason: 'rejected: the button is hidden on mobile', model: 'claude-sonnet-4-5' },
};

/** The context file of attempt 2 of step 2, as docs/taiga.md shows it. */
function example(): string {
  return renderRunContext({
    item: {
      type: 'userstory',
      ref: 42,
      subject: 'Export reports as CSV',
      description: 'Managers want to open the monthly report in a spreadsheet.',
    },
    steps,
    attempt: { step: steps[1]!, number: 2, events: [failed] },
    remarks: [
      {
        at: '2026-12-04T10:05:00.000Z',
        author: 'bob',
        where: 'the user story',
        kind: 'comment',
        text: 'Use semicolons as separators: our Excel is set to German.',
      },
      {
        at: '2026-12-04T10:20:00.000Z',
        author: 'alice',
        where: 'the task of step 2 "Add the export button"',
        kind: 'reject',
        text: 'the button is hidden on mobile',
      },
    ],
    conventions: null,
    maxBytes: 65_536,
    mask: (text) => text,
  }).markdown;
}

describe('docs/taiga.md', () => {
  it("shows a context file as Tundra's renderer writes it", () => {
    const doc = readFileSync(resolve(repoRoot, 'docs/taiga.md'), 'utf8');
    const shown = /<!-- context-file-example -->\n````markdown\n([\s\S]*?)````/.exec(doc)?.[1];
    expect(shown, 'docs/taiga.md has no context file example').toBeDefined();
    expect(shown).toBe(example());
  });
});
