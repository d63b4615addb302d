import { taigaSlugify } from '@tundra/core';
import type MarkdownIt from 'markdown-it';
import type StateCore from 'markdown-it/lib/rules_core/state_core.mjs';
import type Token from 'markdown-it/lib/token.mjs';

/** What taiga-back's Markdown extensions look up: the front's address, the project, its members and items. */
export interface MarkdownContext {
  /** The Taiga front's home URL with its trailing slash (taiga's `resolve("home")`), e.g. `http://taiga.local/`. */
  homeUrl: string;
  /** The project whose texts are rendered; without one, wiki links, mentions and references stay text. */
  projectSlug?: string;
  /** A project member by username: mentions of others stay text. */
  member?(username: string): { fullName: string } | null;
  /** The project's item with this ref (a story, task or issue): references to others stay text. */
  item?(ref: number): { kind: 'userstory' | 'task' | 'issue' | 'epic'; subject: string } | null;
}

type Piece = string | { href: string; text: string; title?: string; className?: string };
type Splitter = (text: string, ctx: MarkdownContext) => Piece[];

/** Splits text at each match of `pattern` (global) into text and the links `link` makes (null: leave as text). */
function splitter(
  pattern: RegExp,
  link: (match: RegExpExecArray, ctx: MarkdownContext) => Piece | null,
): Splitter {
  return (text, ctx) => {
    const pieces: Piece[] = [];
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      const piece = link(match, ctx);
      if (piece === null) continue;
      pieces.push(text.slice(last, match.index), piece);
      last = match.index + match[0].length;
    }
    pieces.push(text.slice(last));
    return pieces.filter((piece) => piece !== '');
  };
}

const itemPaths = { userstory: 'us', task: 'task', issue: 'issue', epic: 'epic' } as const;
const referenceClasses = {
  userstory: 'reference user-story',
  task: 'reference task',
  issue: 'reference issue',
  epic: 'reference epic',
} as const;

/**
 * taiga-back's inline extensions, in its order (mentions 80, autolink and automail 70, references 65, wiki links 20):
 * each sees only the text the ones before left as text.
 */
const splitters: Splitter[] = [
  // MentionsExtension: `@username` of a project member.
  splitter(/\B@([\w.-]+)\b/g, (match, ctx) => {
    const username = match[1] as string;
    const member = ctx.projectSlug === undefined ? null : (ctx.member?.(username) ?? null);
    return member
      ? {
          href: `${ctx.homeUrl}profile/${username}`,
          text: `@${username}`,
          title: member.fullName,
          className: 'mention',
        }
      : null;
  }),
  // AutolinkExtension: bare URLs (`www.` gets `http://`), not ending in `.` or `,`.
  splitter(
    /\b(?:[Ff][Tt][Pp]|[Hh][Tt][Tt][Pp][Ss]?):\/\/[^)<>\s]+[^.,)<>\s]|\bwww\.[^)<>\s]+[^.,)<>\s]/g,
    (match) => ({
      href: /^(?:ftp|https?):\/\//i.test(match[0]) ? match[0] : `http://${match[0]}`,
      text: match[0],
    }),
  ),
  // AutomailExtension.
  splitter(/\b[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]+\b/g, (match) => ({
    href: `mailto:${match[0]}`,
    text: match[0],
  })),
  // TaigaReferencesExtension: `#12` of an item of the project.
  splitter(/(?<=^|[^a-zA-Z0-9\-[])#(\d+)/g, (match, ctx) => {
    const ref = Number(match[1]);
    const item = ctx.projectSlug === undefined ? null : (ctx.item?.(ref) ?? null);
    return item
      ? {
          href: `${ctx.homeUrl}project/${ctx.projectSlug}/${itemPaths[item.kind]}/${ref}`,
          text: `&num;${ref}`,
          title: `#${ref} ${item.subject}`,
          className: referenceClasses[item.kind],
        }
      : null;
  }),
  // WikiLinkExtension: `[[Page name]]` and `[[slug|Label]]`.
  splitter(/\[\[([\p{L}\p{N}_ -]+)(\|[^\]]+)?\]\]/gu, (match, ctx) => {
    if (ctx.projectSlug === undefined) return null;
    const label = (match[1] as string).trim();
    const title = match[2] === undefined ? label : match[2].trim().slice(1);
    return {
      href: `${ctx.homeUrl}project/${ctx.projectSlug}/wiki/${taigaSlugify(label)}`,
      text: title,
      title,
      className: 'reference wiki',
    };
  }),
];

function linkTokens(state: StateCore, piece: Exclude<Piece, string>, level: number): Token[] {
  const open = new state.Token('link_open', 'a', 1);
  open.attrs = [['href', piece.href]];
  if (piece.title !== undefined) open.attrs.push(['title', piece.title]);
  if (piece.className !== undefined) open.attrs.push(['class', piece.className]);
  open.level = level;
  open.info = 'taiga';
  const text = new state.Token('text', '', 0);
  text.content = piece.text;
  text.level = level + 1;
  // The link's text is final (Python-Markdown's AtomicString): no later splitter looks at it.
  text.meta = { atomic: true };
  const close = new state.Token('link_close', 'a', -1);
  close.level = level;
  return [open, text, close];
}

/** Applies the splitters to the text outside links, the way Python-Markdown runs its inline patterns over text nodes. */
function taigaInlineLinks(state: StateCore, ctx: MarkdownContext): void {
  for (const block of state.tokens) {
    if (block.type !== 'inline' || !block.children) continue;
    const out: Token[] = [];
    let linkDepth = 0;
    for (const token of block.children) {
      if (token.type === 'link_open') linkDepth += 1;
      if (token.type === 'link_close') linkDepth -= 1;
      if (token.type !== 'text' || linkDepth > 0 || token.meta?.atomic) {
        out.push(token);
        continue;
      }
      let pieces: Piece[] = [token.content];
      for (const split of splitters) {
        pieces = pieces.flatMap((piece) => (typeof piece === 'string' ? split(piece, ctx) : [piece]));
      }
      for (const piece of pieces) {
        if (typeof piece !== 'string') {
          out.push(...linkTokens(state, piece, token.level));
          continue;
        }
        const text = new state.Token('text', '', 0);
        text.content = piece;
        text.level = token.level;
        out.push(text);
      }
    }
    block.children = out;
  }
}

/**
 * WikiLinkExtension's relative links (a page slug goes to the project's wiki, `/path` to the front) and then
 * TargetBlankLinkExtension: every link not into Taiga's front opens in a new tab.
 */
function taigaLinkTargets(state: StateCore, ctx: MarkdownContext): void {
  for (const block of state.tokens) {
    for (const token of block.children ?? []) {
      if (token.type !== 'link_open') continue;
      let href = token.attrGet('href') ?? '';
      if (/^[-a-zA-Z0-9_]+$/.test(href) && ctx.projectSlug !== undefined) {
        href = `${ctx.homeUrl}project/${ctx.projectSlug}/wiki/${href}`;
        token.attrSet('class', 'reference wiki');
      } else if (href.startsWith('/')) {
        href = `${ctx.homeUrl}${href.slice(1)}`;
      }
      token.attrSet('href', href);
      const compared = href.endsWith('/') ? href.slice(0, -1) : href;
      if (!compared.startsWith(ctx.homeUrl)) token.attrSet('target', '_blank');
    }
  }
}

/** Python-Markdown writes `***x***` as strong around em; markdown-it the other way round. */
function strongOutside(state: StateCore): void {
  for (const block of state.tokens) {
    const tokens = block.children ?? [];
    for (let i = 0; i + 1 < tokens.length; i += 1) {
      const [em, strong] = [tokens[i] as Token, tokens[i + 1] as Token];
      if (em.type !== 'em_open' || strong.type !== 'strong_open') continue;
      const strongClose = tokens.findIndex(
        (t, j) => j > i + 1 && t.type === 'strong_close' && t.level === strong.level,
      );
      const emClose = tokens[strongClose + 1];
      if (strongClose === -1 || emClose?.type !== 'em_close') continue;
      tokens[i] = strong;
      tokens[i + 1] = em;
      tokens[strongClose + 1] = tokens[strongClose] as Token;
      tokens[strongClose] = emClose;
    }
  }
}

/** The extensions read the context from markdown-it's `env`, given to each `render`. */
export function taigaInline(md: MarkdownIt): void {
  md.core.ruler.push('taiga_inline_links', (state) => taigaInlineLinks(state, state.env as MarkdownContext));
  md.core.ruler.push('taiga_link_targets', (state) => taigaLinkTargets(state, state.env as MarkdownContext));
  md.core.ruler.push('taiga_strong_outside', strongOutside);
}
