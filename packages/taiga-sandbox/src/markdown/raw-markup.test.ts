import { describe, expect, it } from 'vitest';
import { loadCapture } from '../../../taiga/test/fixtures/index.js';
import { RawMarkupKind, rawMarkupProblems } from './raw-markup.js';

const real = loadCapture<{ samples: { comment: string }[] }>('comment_render_real').samples;

describe('rawMarkupProblems', () => {
  it("finds what real Taiga showed raw in Tundra's first comments: the <sub> footer and the swallowed list", () => {
    const problems = rawMarkupProblems(real[0]!.comment);
    expect(problems.map(({ kind, excerpt }) => [kind, excerpt])).toEqual([
      [RawMarkupKind.EscapedTag, '<sub>'],
      [RawMarkupKind.EscapedTag, '</sub>'],
      [RawMarkupKind.ListInParagraph, '1. First step'],
      [RawMarkupKind.ListInParagraph, '2. Second step'],
    ]);
    expect(problems[0]!.message).toContain('escapes this HTML tag');
  });

  it.each([
    real[1]!.comment,
    real[3]!.comment,
    real[4]!.comment,
    real[6]!.comment,
    '✅ Step 2 done: **Add the API**\n\n- changed `a.ts`\n\n```text\n<sub>kept in code</sub>\n1. not a list\n```',
    'Inline `<b>code</b>` and <b>bold</b>, <em>allowed</em>.',
  ])('finds nothing in a comment that renders cleanly: %j', (comment) => {
    expect(rawMarkupProblems(comment)).toEqual([]);
  });

  it.each([
    ['Results:\n| a | b |\n|---|---|\n| 1 | 2 |', RawMarkupKind.TableInParagraph, '| a | b |'],
    ['Output:\n```text\nnever closed', RawMarkupKind.LiteralFence, '```text'],
    ['Steps:\n- one\n- two', RawMarkupKind.ListInParagraph, '- one'],
    ['<details><summary>log</summary>…</details>', RawMarkupKind.EscapedTag, '<details>'],
  ])('finds raw markup in %j', (comment, kind, excerpt) => {
    expect(rawMarkupProblems(comment)).toContainEqual(expect.objectContaining({ kind, excerpt }));
  });
});
