import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

function split(chunks: (string | Uint8Array)[], maxLineLength?: number): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line), maxLineLength);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it.each([
    { name: 'newlines', chunks: ['a\nb\n'], lines: ['a', 'b'] },
    { name: 'a last line without newline', chunks: ['a\nb'], lines: ['a', 'b'] },
    { name: 'a line across chunks', chunks: ['he', 'llo\nwor', 'ld\n'], lines: ['hello', 'world'] },
    { name: 'CRLF', chunks: ['a\r\nb\r\n'], lines: ['a', 'b'] },
    { name: 'CRLF split between chunks', chunks: ['a\r', '\nb\n'], lines: ['a', 'b'] },
    { name: 'lone CR (progress bars)', chunks: ['10%\r20%\rdone\n'], lines: ['10%', '20%', 'done'] },
    { name: 'empty lines', chunks: ['a\n\nb\n'], lines: ['a', '', 'b'] },
    { name: 'nothing', chunks: [], lines: [] },
  ])('splits $name', ({ chunks, lines }) => {
    expect(split(chunks)).toEqual(lines);
  });

  it('decodes UTF-8 characters split across chunks', () => {
    const bytes = new TextEncoder().encode('héllo\n');
    expect(split([bytes.slice(0, 2), bytes.slice(2)])).toEqual(['héllo']);
  });

  it('cuts a line longer than the maximum into pieces', () => {
    expect(split(['abcdefgh\n'], 3)).toEqual(['abc', 'def', 'gh']);
  });
});
