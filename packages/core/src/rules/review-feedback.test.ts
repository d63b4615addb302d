import { describe, expect, it } from 'vitest';
import { tundraReplyMarker } from './pull-request.js';
import {
  actionableFeedback,
  decideFixup,
  type FeedbackInput,
  feedbackKey,
  fixupInstructions,
  fixupStepId,
  isFixupStepId,
} from './review-feedback.js';

const input: FeedbackInput = {
  reviews: [
    { id: '1', author: 'alice', state: 'changes_requested', body: 'Please polish' },
    { id: '2', author: 'bob', state: 'approved', body: 'LGTM' },
  ],
  reviewComments: [
    {
      id: '10',
      threadId: '10',
      author: 'alice',
      body: 'Say "hello, world"',
      path: 'src/a.ts',
      line: 3,
      inReplyTo: null,
    },
    {
      id: '11',
      threadId: '10',
      author: 'tundra-bot',
      body: `Addressed in \`abc\`.\n\n${tundraReplyMarker('run_1')}`,
      path: 'src/a.ts',
      line: 3,
      inReplyTo: '10',
    },
  ],
  comments: [
    { id: '1', author: 'carol', body: '/tundra fix rename the button\nand its label' },
    { id: '2', author: 'carol', body: 'nice work, please /tundra fix nothing' },
    { id: '3', author: 'dave', body: '/tundra retry' },
  ],
};

describe('actionableFeedback', () => {
  it('takes change requests, review comments and /tundra fix comments, never approvals, remarks or its own', () => {
    const items = actionableFeedback(input, { handled: new Set() });
    expect(items.map((item) => [item.kind, item.id, item.author])).toEqual([
      ['review', '1', 'alice'],
      ['review_comment', '10', 'alice'],
      ['command', '1', 'carol'],
    ]);
    expect(items[2]!.body).toBe('/tundra fix rename the button\nand its label');
  });

  it('leaves out what an earlier round took, by id and kind (ids repeat across kinds)', () => {
    const handled = new Set([feedbackKey({ kind: 'review', id: '1' }), 'review_comment:10']);
    expect(actionableFeedback(input, { handled }).map(feedbackKey)).toEqual(['command:1']);
  });
});

describe('decideFixup', () => {
  const items = actionableFeedback(input, { handled: new Set() });
  it.each([
    [[], 0, 3, { kind: 'none' }],
    [items, 0, 3, { kind: 'fixup', round: 1, items }],
    [items, 2, 3, { kind: 'fixup', round: 3, items }],
    [items, 3, 3, { kind: 'limit_reached', rounds: 3 }],
    [items, 0, 0, { kind: 'limit_reached', rounds: 0 }],
  ] as const)('%#: %j items after %i rounds of %i', (given, used, limit, expected) => {
    expect(decideFixup(given, used, limit)).toEqual(expected);
  });
});

describe('fix-up steps', () => {
  it('derives a step id per run and round that the contracts accept and the loop recognises', () => {
    const id = fixupStepId('run_0a91452c64014231a56f9c8a3ad57b0e', 2);
    // The run's slot tag first (its first 8 characters), so the step's keys share the run's slot.
    expect(id).toBe('step_0a91452cfixup2x64014231a56f9c8a3ad57b0e');
    expect(isFixupStepId(id)).toBe(true);
    expect(isFixupStepId(id, 'review')).toBe(true);
    expect(isFixupStepId(id, 'ci')).toBe(false);
    expect(isFixupStepId(fixupStepId('run_0a91452c64014231a56f9c8a3ad57b0e', 1, 'ci'), 'ci')).toBe(true);
    expect(isFixupStepId('step_0a91452c64014231')).toBe(false);
  });

  it('carries every item with its file, line, author and text into the instructions', () => {
    const text = fixupInstructions('http://forge/pr/1', actionableFeedback(input, { handled: new Set() }));
    expect(text).toContain('http://forge/pr/1');
    expect(text).toContain('2. review comment by @alice on `src/a.ts:3`:\n\n   > Say "hello, world"');
    expect(text).toContain('3. /tundra fix by @carol on the pull request as a whole:');
  });
});
