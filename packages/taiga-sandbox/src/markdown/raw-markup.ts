import { type MarkdownContext, renderTaigaMarkdown } from './taiga-markdown.js';

/** Markup that real Taiga would show to a person as written instead of rendering it. */
export const RawMarkupKind = {
  /** Raw HTML outside Taiga's allow-list (`<sub>`, `<details>`): escaped, so the tags show as text. */
  EscapedTag: 'escaped_tag',
  /** A list right after a line of text: one paragraph with line breaks, the markers shown. */
  ListInParagraph: 'list_in_paragraph',
  /** A table right after a line of text: its pipes shown. */
  TableInParagraph: 'table_in_paragraph',
  /** A code fence Markdown did not take as one (e.g. indented in a list item): its backticks shown. */
  LiteralFence: 'literal_fence',
} as const;
export type RawMarkupKind = (typeof RawMarkupKind)[keyof typeof RawMarkupKind];

export interface RawMarkupProblem {
  kind: RawMarkupKind;
  /** What a person sees, as rendered text. */
  excerpt: string;
  message: string;
}

const defaultContext: MarkdownContext = { homeUrl: 'http://taiga.invalid/' };

function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

const checks: { kind: RawMarkupKind; pattern: RegExp; message: string }[] = [
  {
    kind: RawMarkupKind.EscapedTag,
    pattern: /&lt;\/?[a-zA-Z!][^&]*?&gt;/g,
    message: 'Taiga escapes this HTML tag and shows it as text: write Markdown instead',
  },
  {
    kind: RawMarkupKind.ListInParagraph,
    pattern: /(?<=<br>\n)(?:\d+\.|[-*+])[ \t][^\n<]*/g,
    message:
      'this list follows a line of text, so Taiga shows it inside the paragraph: put a blank line before it',
  },
  {
    kind: RawMarkupKind.TableInParagraph,
    pattern: /(?<=<br>\n)\|[^\n<]*/g,
    message: 'this table follows a line of text, so Taiga shows its pipes: put a blank line before it',
  },
  {
    kind: RawMarkupKind.LiteralFence,
    pattern: /(?:```|~~~)[^\n<]*/g,
    message:
      'Taiga shows this code fence as text: start the fence at the beginning of a line, after a blank line',
  },
];

/**
 * Whether a comment would show raw markup to a person in real Taiga: it is rendered as taiga-back 6.10.0 renders it
 * (`renderTaigaMarkdown`), and the visible text outside code blocks is searched for escaped tags, swallowed lists
 * and tables, and stray code fences. An empty list means the comment reads cleanly.
 */
export function rawMarkupProblems(
  comment: string,
  context: MarkdownContext = defaultContext,
): RawMarkupProblem[] {
  // Code is meant to show as written.
  const html = renderTaigaMarkdown(comment, context)
    .replace(/<pre>[\s\S]*?<\/pre>/g, '')
    .replace(/<code>[\s\S]*?<\/code>/g, '');
  return checks.flatMap(({ kind, pattern, message }) =>
    [...html.matchAll(pattern)].map((match) => ({ kind, excerpt: visibleText(match[0]).trim(), message })),
  );
}
