function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/**
 * The little of Taiga's markdown rendering (`mdrender`) the sandbox needs for `*_html` fields: paragraphs and line
 * breaks, HTML escaped. `"task body"` → `"<p>task body</p>"`, as in the captures.
 */
export function renderMarkdown(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  return trimmed
    .split(/\n\s*\n/)
    .map((paragraph) => `<p>${escapeHtml(paragraph.trim()).replaceAll('\n', '<br>\n')}</p>`)
    .join('\n');
}

function prettyHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\n', '&para;<br>');
}

/**
 * A diff of two texts in the markup of diff-match-patch's `diff_prettyHtml` (what Taiga's `get_diff_of_htmls`
 * returns), computed as one changed span between a common prefix and suffix.
 */
export function htmlDiff(before: string, after: string): string {
  let prefix = 0;
  while (prefix < before.length && prefix < after.length && before[prefix] === after[prefix]) prefix += 1;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    suffix < after.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  ) {
    suffix += 1;
  }
  const parts: string[] = [];
  const equalStart = before.slice(0, prefix);
  const removed = before.slice(prefix, before.length - suffix);
  const added = after.slice(prefix, after.length - suffix);
  const equalEnd = before.slice(before.length - suffix);
  if (equalStart) parts.push(`<span>${prettyHtml(equalStart)}</span>`);
  if (removed) parts.push(`<del style="background:#ffe6e6;">${prettyHtml(removed)}</del>`);
  if (added) parts.push(`<ins style="background:#e6ffe6;">${prettyHtml(added)}</ins>`);
  if (equalEnd) parts.push(`<span>${prettyHtml(equalEnd)}</span>`);
  return parts.join('');
}
