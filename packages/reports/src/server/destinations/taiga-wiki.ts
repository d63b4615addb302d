import { taigaSlugify } from '@tundra/core';
import type { TaigaClient } from '@tundra/taiga';

/** The wiki page a report kind is kept on, and the title of its sidebar link (whose slug is the page's). */
export function wikiPageFor(
  kindTitle: string,
  titlePrefix = 'Tundra report',
): { title: string; slug: string } {
  const title = `${titlePrefix}: ${kindTitle}`;
  return { title, slug: taigaSlugify(title) };
}

/**
 * Puts `content` on the project's wiki page `slug`, creating it the first time, and makes sure the wiki's sidebar
 * links to it. Taiga makes a link's slug from its title, so the page slug is the slugified title.
 */
export async function keepWikiPage(
  taiga: TaigaClient,
  taigaProjectId: number,
  page: { title: string; slug: string },
  content: string,
): Promise<void> {
  const existing = await taiga.findWikiPage(taigaProjectId, page.slug);
  if (existing) {
    await taiga.patchWikiPage(existing.id, (current) => (current.content === content ? null : { content }));
  } else {
    await taiga.createWikiPage({ project: taigaProjectId, slug: page.slug, content });
  }
  const links = await taiga.listWikiLinks(taigaProjectId);
  if (!links.some((link) => link.href === page.slug)) {
    await taiga.createWikiLink({ project: taigaProjectId, title: page.title });
  }
}
