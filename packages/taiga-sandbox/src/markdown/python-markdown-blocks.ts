import type MarkdownIt from 'markdown-it';
import type { RuleBlock } from 'markdown-it/lib/parser_block.mjs';
import type StateBlock from 'markdown-it/lib/rules_block/state_block.mjs';
import { ruleNamed } from './markdown-it-rules.js';

/**
 * Block rules that make markdown-it (CommonMark) split a text into blocks as Python-Markdown 3.10 does, for what
 * people and Tundra write in Taiga comments. Python-Markdown only starts a list or a table after a blank line, takes
 * `#title` as a heading without a space, knows no `1)` list marker, and leaves raw HTML alone only for block-level
 * elements.
 */

/** Python-Markdown's `BLOCK_LEVEL_ELEMENTS`: a line that opens one of these is raw HTML, not a paragraph. */
const blockLevelElements = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'details',
  'div',
  'dl',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hgroup',
  'hr',
  'main',
  'menu',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'table',
  'ul',
  'canvas',
  'colgroup',
  'dd',
  'body',
  'dt',
  'group',
  'html',
  'iframe',
  'li',
  'legend',
  'math',
  'map',
  'noscript',
  'output',
  'object',
  'option',
  'progress',
  'script',
  'style',
  'summary',
  'tbody',
  'td',
  'textarea',
  'tfoot',
  'th',
  'thead',
  'tr',
  'video',
  'center',
]);

function lineText(state: StateBlock, line: number): string {
  return state.src.slice(state.bMarks[line]! + state.tShift[line]!, state.eMarks[line]);
}

/** Replaces a block rule by a wrapper that may refuse a line before the original sees it, with new `alt`s. */
function restrict(
  md: MarkdownIt,
  name: string,
  alt: string[],
  refuse: (state: StateBlock, line: number, silent: boolean) => boolean,
): void {
  const original = ruleNamed(md.block.ruler, name);
  md.block.ruler.at(
    name,
    (state, startLine, endLine, silent) =>
      !refuse(state, startLine, silent) && original(state, startLine, endLine, silent),
    { alt },
  );
}

/** ATX headings as Python-Markdown's `HashHeaderProcessor` reads them: `#Title`, `## Title ##`, no space needed. */
const hashHeading: RuleBlock = (state, startLine, _endLine, silent) => {
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const match = /^(#{1,6})(.*?)#*\s*$/.exec(lineText(state, startLine));
  if (!match) return false;
  if (silent) return true;
  const level = (match[1] as string).length;
  state.line = startLine + 1;
  const open = state.push('heading_open', `h${level}`, 1);
  open.markup = match[1] as string;
  open.map = [startLine, state.line];
  const inline = state.push('inline', '', 0);
  inline.content = (match[2] as string).trim();
  inline.map = [startLine, state.line];
  inline.children = [];
  state.push('heading_close', `h${level}`, -1).markup = match[1] as string;
  return true;
};

export function pythonMarkdownBlocks(md: MarkdownIt): void {
  // Lists and tables start only after a blank line (inside a list item, the next item or a nested list may follow the
  // item's text directly, as Python-Markdown's list processors allow); `1)` is text.
  restrict(
    md,
    'list',
    ['paragraph', 'reference', 'blockquote'],
    (state, line, silent) =>
      /^\d+\)/.test(lineText(state, line)) ||
      (silent && state.parentType === 'paragraph' && state.blkIndent === 0),
  );
  restrict(md, 'table', ['reference'], () => false);
  // Raw HTML blocks: comments, `<script>`-like and block-level elements; any other tag starts a paragraph.
  restrict(md, 'html_block', ['paragraph', 'reference', 'blockquote'], (state, line) => {
    const text = lineText(state, line);
    if (/^<(!--|\?|![A-Za-z]|!\[CDATA\[)/.test(text)) return false;
    const tag = /^<\/?([A-Za-z][A-Za-z0-9-]*)/.exec(text)?.[1]?.toLowerCase();
    return tag === undefined || !blockLevelElements.has(tag);
  });
  // Python-Markdown finds fences in the whole text before it splits it into blocks: a fence starts at the beginning
  // of a line and needs the identical fence to close it (an unclosed or indented one is text).
  restrict(md, 'fence', ['paragraph', 'reference', 'blockquote', 'list'], (state, line) => {
    if (
      state.bMarks[line] !== state.src.lastIndexOf('\n', state.bMarks[line]! - 1) + 1 ||
      state.tShift[line] !== 0
    )
      return true;
    const fence = /^(`{3,}|~{3,})/.exec(lineText(state, line))?.[1];
    if (fence === undefined) return false;
    const closing = new RegExp(`^${fence} *$`);
    for (let next = line + 1; next < state.lineMax; next += 1) {
      if (closing.test(state.src.slice(state.bMarks[next], state.eMarks[next]))) return false;
    }
    return true;
  });
  md.block.ruler.at('heading', hashHeading, { alt: ['paragraph', 'reference', 'blockquote'] });
}
