import type { ProtocolRun, StepRun } from '@tundra/core';
import { describe, expect, it } from 'vitest';
import { renderStepContext } from './step-context.js';

describe('the step context file', () => {
  it('carries what people said on Taiga for the agent, masked like the rest', async () => {
    const step = {
      id: 's1',
      order: 0,
      title: 'Add the endpoint',
      instructions: 'Do it',
      status: 'running',
      commitSha: null,
      resultSummary: null,
    } as unknown as StepRun;
    const file = await renderStepContext({
      run: {
        taigaItem: { type: 'userstory', ref: 7 },
        title: 'Export',
        description: null,
      } as unknown as ProtocolRun,
      step,
      steps: [step],
      events: [],
      remarks: [
        {
          at: '2026-12-04T10:00:00.000Z',
          author: 'ana',
          where: 'the story',
          kind: 'comment',
          text: 'Use the v2 client, key s3cr3t',
        },
        {
          at: '2026-12-04T10:05:00.000Z',
          author: 'bo',
          where: 'task TG-8',
          kind: 'retry',
          text: 'Keep the old route',
        },
      ],
      attempt: 2,
      worktree: '/nonexistent',
      conventionsFiles: [],
      maxBytes: 64 * 1024,
      mask: (text) => text.replaceAll('s3cr3t', '***'),
    });
    expect(file.markdown).toContain('Use the v2 client, key ***');
    expect(file.markdown).toContain('Keep the old route');
    expect(file.markdown).not.toContain('s3cr3t');
  });
});
