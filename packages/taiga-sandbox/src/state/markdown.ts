import { renderTaigaMarkdown } from '../markdown/taiga-markdown.js';
import type { SandboxStore } from './store.js';

/**
 * A text of a project as taiga-back renders it (`mdrender.render(project, text)`): its members for `@mentions`, its
 * items for `#refs`, its slug for wiki links, the front's address for which links open a new tab.
 */
export function renderProjectMarkdown(
  store: SandboxStore,
  frontUrl: string,
  projectId: number,
  text: string,
): string {
  const project = store.projects.get(projectId);
  return renderTaigaMarkdown(text, {
    homeUrl: `${frontUrl.replace(/\/+$/, '')}/`,
    ...(project && {
      projectSlug: project.slug,
      member: (username: string) => {
        const user = store.userByUsername(username);
        const member = user && project.members.some((membership) => membership.userId === user.id);
        return member ? { fullName: user.fullName || user.username } : null;
      },
      item: (ref: number) => {
        for (const kind of ['userstory', 'task', 'issue'] as const) {
          for (const item of store.itemsOf(kind).values()) {
            if (item.projectId === projectId && item.ref === ref) return { kind, subject: item.subject };
          }
        }
        return null;
      },
    }),
  });
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
