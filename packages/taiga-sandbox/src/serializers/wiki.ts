import type { WikiLinkRecord, WikiPageRecord } from '../state/types.js';
import { isoDate, markdownHtml, type SerializeContext } from './context.js';

/** `WikiPageSerializer`: the watchers and project mixins, the page, its rendered HTML and its edition count. */
export function serializeWikiPage(ctx: SerializeContext, page: WikiPageRecord): Record<string, unknown> {
  const project = ctx.store.projects.get(page.projectId);
  const changes =
    ctx.store.history.get(`wiki.wikipage:${page.id}`)?.filter((entry) => entry.type === 1) ?? [];
  return {
    is_watcher: false,
    total_watchers: 0,
    project_extra_info: project
      ? { name: project.name, slug: project.slug, logo_small_url: null, id: project.id }
      : null,
    id: page.id,
    project: page.projectId,
    slug: page.slug,
    content: page.content,
    owner: page.ownerId,
    last_modifier: page.lastModifierId,
    created_date: isoDate(page.createdDate),
    modified_date: isoDate(page.modifiedDate),
    html: markdownHtml(ctx, page.projectId, page.content),
    editions: changes.length + 1,
    version: page.version,
  };
}

/** `WikiLinkSerializer`. */
export function serializeWikiLink(link: WikiLinkRecord): Record<string, unknown> {
  return { id: link.id, project: link.projectId, title: link.title, href: link.href, order: link.order };
}
