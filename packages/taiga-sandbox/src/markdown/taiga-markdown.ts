import MarkdownIt from 'markdown-it';
import type { RuleInline } from 'markdown-it/lib/parser_inline.mjs';
import type StateCore from 'markdown-it/lib/rules_core/state_core.mjs';
import type Token from 'markdown-it/lib/token.mjs';
import { cleanHtml } from './allow-list.js';
import { ruleNamed } from './markdown-it-rules.js';
import { pythonMarkdownBlocks } from './python-markdown-blocks.js';
import { pythonMarkdownOutput } from './python-markdown-output.js';
import { type MarkdownContext, taigaInline } from './taiga-inline.js';

export type { MarkdownContext } from './taiga-inline.js';

/**
 * Python-Markdown's inline HTML pattern, which takes more than CommonMark's (`<https://x>` is a tag to it, and bleach
 * then shows it escaped).
 */
const pythonHtmlInline: RuleInline = (state, silent) => {
  if (state.src.charCodeAt(state.pos) !== 0x3c /* < */) return false;
  const match = /^<(?:\/?[a-zA-Z][^<>@ ]*(?: [^<>]*)?|!--(?:(?!<!--|-->).)*--)>/.exec(
    state.src.slice(state.pos),
  );
  if (!match) return false;
  if (!silent) state.push('html_inline', '', 0).content = match[0];
  state.pos += match[0].length;
  return true;
};

/** Python-Markdown's code spans keep line breaks and strip the spaces around the code. */
const pythonBackticks: RuleInline = (state, silent) => {
  if (state.src.charCodeAt(state.pos) !== 0x60 /* ` */) return false;
  const match = /^(`+)([\s\S]+?)(?<!`)\1(?!`)/.exec(state.src.slice(state.pos, state.posMax));
  if (!match) return false;
  if (!silent) state.push('code_inline', 'code', 0).content = (match[2] as string).trim();
  state.pos += match[0].length;
  return true;
};

/**
 * A line break ends the text before it without its trailing spaces, and keeps the next line's indentation (nl2br
 * makes every one a `<br>`).
 */
const pythonNewline: RuleInline = (state, silent) => {
  if (state.src.charCodeAt(state.pos) !== 0x0a) return false;
  if (!silent) {
    state.pending = state.pending.replace(/ +$/, '');
    state.push('softbreak', 'br', 0);
  }
  state.pos += 1;
  return true;
};

/** Python-Markdown keeps a backslash before a line break as text (it is no hard break there). */
function backslashBreakIsText(md: MarkdownIt): void {
  const escapeRule = ruleNamed(md.inline.ruler, 'escape');
  md.inline.ruler.at('escape', (state, silent) =>
    state.src.charCodeAt(state.pos + 1) === 0x0a ? false : escapeRule(state, silent),
  );
}

/** Where the raw element a block opens with ends: after its comment, or after the end tag matching its first tag. */
function rawElementEnd(html: string): number {
  if (html.startsWith('<!--')) {
    const close = html.indexOf('-->');
    return close === -1 ? -1 : close + 3;
  }
  const name = /^<([A-Za-z][A-Za-z0-9-]*)/.exec(html)?.[1];
  if (name === undefined) return -1;
  const tags = new RegExp(`<(/?)${name}(?=[\\s/>])[^>]*>`, 'gi');
  let depth = 0;
  for (const tag of html.matchAll(tags)) {
    depth += tag[1] === '/' ? -1 : 1;
    if (depth === 0) return tag.index + tag[0].length;
  }
  return -1;
}

/**
 * Python-Markdown's raw block ends where its first element does: what follows, on the same line or the next ones, is
 * Markdown again (`<!-- marker --> text` is a comment and a paragraph). markdown-it runs a raw block to a blank line.
 */
function splitRawBlocks(state: StateCore): void {
  const tokens: Token[] = [];
  for (const token of state.tokens) {
    tokens.push(token);
    const end = token.type === 'html_block' ? rawElementEnd(token.content) : -1;
    const rest = end === -1 ? '' : token.content.slice(end);
    if (rest.trim() === '') continue;
    const restLine = (token.map?.[0] ?? 0) + token.content.slice(0, end).split('\n').length - 1;
    token.content = `${token.content.slice(0, end)}\n`;
    const parsed: Token[] = [];
    state.md.block.parse(rest.replace(/^[ \t]*\n?/, ''), state.md, state.env, parsed);
    const offset = rest.match(/^[ \t]*\n/) ? restLine + 1 : restLine;
    for (const block of parsed) {
      if (block.map) block.map = [offset + block.map[0], offset + block.map[1]];
      block.level += token.level;
      tokens.push(block);
    }
  }
  state.tokens = tokens;
}

/** Python-Markdown's `NormalizeWhitespace`: line ends, tabs to 4-column stops, space-only lines emptied. */
function normalize(text: string): string {
  return text
    .replaceAll('\r\n', '\n')
    .replaceAll('\r', '\n')
    .split('\n')
    .map((line) => {
      let expanded = '';
      for (const char of line) expanded += char === '\t' ? ' '.repeat(4 - (expanded.length % 4)) : char;
      return expanded.trim() === '' ? '' : expanded;
    })
    .join('\n');
}

function createRenderer(): MarkdownIt {
  const md = new MarkdownIt({ html: true, breaks: true, linkify: false, typographer: false });
  // Taiga's own rules replace markdown-it's `<url>` autolinks, entities (kept as written) and inline HTML.
  md.disable(['autolink', 'entity']);
  md.inline.ruler.at('html_inline', pythonHtmlInline);
  md.inline.ruler.at('backticks', pythonBackticks);
  md.inline.ruler.at('newline', pythonNewline);
  backslashBreakIsText(md);
  pythonMarkdownBlocks(md);
  md.core.ruler.after('block', 'split_raw_blocks', splitRawBlocks);
  taigaInline(md);
  pythonMarkdownOutput(md);
  return md;
}

const renderer = createRenderer();

/**
 * What taiga-back 6.10.0's `mdrender.render` makes of a text: Python-Markdown with taiga's extensions, then bleach's
 * allow-list. This is the `comment_html`, `description_html` and `blocked_note_html` Taiga serves.
 */
export function renderTaigaMarkdown(text: string, context: MarkdownContext): string {
  const source = normalize(text);
  if (source.trim() === '') return '';
  // Python-Markdown strips its output before bleach runs: a comment bleach then drops can leave a line break.
  return cleanHtml(renderer.render(source, { ...context }).trim());
}
