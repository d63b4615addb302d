import { renderProjectMarkdown } from '../state/markdown.js';
import type { SandboxStore } from '../state/store.js';

/** What serializers read besides the record: the store, the front-end base URL for permalinks, and the viewer. */
export interface SerializeContext {
  store: SandboxStore;
  /** Base URL of the (imaginary) Taiga front end that permalinks point at. */
  frontUrl: string;
  /** The authenticated user, for `is_watcher`, `i_am_member` …; null for anonymous requests and webhooks. */
  viewerId: number | null;
}

/** A date the way Taiga's JSON encoder writes it: ISO 8601, milliseconds, `Z`. */
export function isoDate(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** A Markdown field of a project's record as Taiga serves its `*_html`. */
export function markdownHtml(ctx: SerializeContext, projectId: number, text: string): string {
  return renderProjectMarkdown(ctx.store, ctx.frontUrl, projectId, text);
}
