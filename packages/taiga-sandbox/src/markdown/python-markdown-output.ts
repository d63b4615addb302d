import { decodeHTML } from 'entities';
import type MarkdownIt from 'markdown-it';
import type StateCore from 'markdown-it/lib/rules_core/state_core.mjs';
import type Token from 'markdown-it/lib/token.mjs';

/**
 * How Python-Markdown (with taiga-back's extensions: codehilite, toc, pymdownx.tasklist, nl2br) writes what markdown-it
 * parsed: its text escaping, its code blocks, heading ids, task lists, per-item loose lists and the spacing around
 * raw blocks.
 */

/** Python-Markdown's `_escape_cdata`: an `&` that starts something entity-shaped is left for bleach to judge. */
function escapeText(text: string): string {
  return text
    .replace(/&(?!(?:#[0-9]+|#x[0-9a-f]+|[0-9a-z]+);)/gi, '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

/** `util.code_escape` of inline code: every `&`, `<`, `>`. */
function escapeCode(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Pygments' `escape_html`, which codehilite's formatter applies to a block. */
function escapePygments(text: string): string {
  return escapeCode(text).replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/**
 * A code block as codehilite writes it with Pygments' plain-text lexer, which strips blank lines around the code and
 * ends it with one newline. (A named language is highlighted by Pygments in real Taiga, with `<span class>`s the
 * sandbox does not produce; the text shown is the same.)
 */
function codehilite(code: string): string {
  const body = code.replace(/^\n+|\n+$/g, '');
  return `<div class="codehilite"><pre><span></span><code>${escapePygments(body)}\n</code></pre></div>\n`;
}

/** Whether a blank line separates a block from the next one (Python-Markdown keeps it after raw HTML). */
function blankLineAfter(tokens: Token[], index: number): boolean {
  const current = tokens[index]?.map;
  const next = tokens.slice(index + 1).find((token) => token.map)?.map;
  return current != null && next != null && next[0] > current[1];
}

/** markdown-it's `toc` slug: ASCII folding, word characters, `-` between words (Python-Markdown's `slugify`). */
function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[^\p{ASCII}]/gu, '')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '-');
}

/** toc's `unique`: `id`, `id_1`, `id_2`… */
function unique(id: string, used: Set<string>): string {
  let candidate = id;
  while (used.has(candidate) || candidate === '') {
    const numbered = /^(.*)_([0-9]+)$/.exec(candidate);
    candidate = numbered ? `${numbered[1]}_${Number(numbered[2]) + 1}` : `${candidate}_1`;
  }
  used.add(candidate);
  return candidate;
}

function plainText(inline: Token): string {
  return (inline.children ?? [])
    .filter((token) => token.type === 'text' || token.type === 'code_inline')
    .map((token) => token.content)
    .join('');
}

/** The toc extension gives every heading an id from its text. */
function headingIds(state: StateCore): void {
  const used = new Set<string>();
  state.tokens.forEach((token, index) => {
    if (token.type !== 'heading_open') return;
    const inline = state.tokens[index + 1];
    if (inline) token.attrSet('id', unique(slugify(decodeHTML(plainText(inline))), used));
  });
}

/** pymdownx.tasklist with `custom_checkbox`: `- [ ] x` and `- [x] x` become checkboxes. */
function taskLists(state: StateCore): void {
  const { tokens } = state;
  tokens.forEach((token, index) => {
    if (token.type !== 'list_item_open') return;
    const inline = tokens.slice(index + 1).find((t) => t.type === 'inline');
    const first = inline?.children?.[0];
    const match = first?.type === 'text' ? /^\[([ xX])\]\s+/.exec(first.content) : null;
    if (!inline || !first || !match) return;
    first.content = first.content.slice(match[0].length - 1);
    const box = new state.Token('html_inline', '', 0);
    box.content = `<label class="task-list-control"><input type="checkbox"${match[1] === ' ' ? '' : ' checked'}><span class="task-list-indicator"></span></label>`;
    inline.children?.unshift(box);
    token.attrSet('class', 'task-list-item');
    for (let i = index - 1; i >= 0; i -= 1) {
      const list = tokens[i] as Token;
      if (
        (list.type === 'bullet_list_open' || list.type === 'ordered_list_open') &&
        list.level === token.level - 1
      ) {
        list.attrSet('class', 'task-list');
        break;
      }
    }
  });
}

/**
 * Python-Markdown makes an item loose (its text in `<p>`) when a blank line comes right before or after it within the
 * list, or inside it; markdown-it decides for a whole list at once.
 */
function looseItems(state: StateCore): void {
  const { tokens } = state;
  const lines = state.src.split('\n');
  const blank = (line: number) => (lines[line] ?? '').trim() === '';
  tokens.forEach((token, index) => {
    if (token.type !== 'list_item_open' || !token.map) return;
    const close = tokens.findIndex(
      (t, j) => j > index && t.type === 'list_item_close' && t.level === token.level,
    );
    const previous = tokens[index - 1];
    const next = tokens[close + 1];
    const [start, end] = token.map;
    let last = end - 1;
    while (last > start && blank(last)) last -= 1;
    const gapBefore = previous?.type === 'list_item_close' && start > 0 && blank(start - 1);
    const gapAfter = next?.type === 'list_item_open' && last + 1 < end;
    let blankInside = false;
    for (let line = start + 1; line < last; line += 1) blankInside ||= blank(line);
    const loose = gapBefore || gapAfter || blankInside;
    for (const t of tokens.slice(index + 1, close)) {
      if (t.level === token.level + 1 && (t.type === 'paragraph_open' || t.type === 'paragraph_close'))
        t.hidden = !loose;
    }
  });
}

export function pythonMarkdownOutput(md: MarkdownIt): void {
  const rules = md.renderer.rules;
  rules.text = (tokens, idx) => escapeText((tokens[idx] as Token).content);
  rules.code_inline = (tokens, idx) => `<code>${escapeCode((tokens[idx] as Token).content)}</code>`;
  // codehilite's output is a stashed raw block: Python-Markdown puts a blank line after it.
  const codeBlock = (tokens: Token[], idx: number) =>
    codehilite((tokens[idx] as Token).content) + (idx + 1 < tokens.length ? '\n' : '');
  rules.fence = codeBlock;
  rules.code_block = codeBlock;
  rules.html_block = (tokens, idx) =>
    (tokens[idx] as Token).content + (blankLineAfter(tokens, idx) ? '\n' : '');
  rules.softbreak = () => '<br>\n';
  rules.s_open = () => '<del>';
  rules.s_close = () => '</del>';
  // A nested list follows its item's text directly (`<li>a<ul>`), where markdown-it puts a line break.
  for (const name of ['bullet_list_open', 'ordered_list_open'] as const) {
    rules[name] = (tokens, idx, options, _env, self) => {
      const html = self.renderToken(tokens, idx, options);
      const previous = tokens[idx - 1];
      return previous?.type === 'paragraph_close' && previous.hidden ? html.replace(/^\n/, '') : html;
    };
  }
  md.core.ruler.push('python_loose_items', looseItems);
  md.core.ruler.push('python_task_lists', taskLists);
  md.core.ruler.push('python_heading_ids', headingIds);
}
