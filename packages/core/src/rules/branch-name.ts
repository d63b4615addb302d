/**
 * The git branch of a run: `tundra/<projectId>/<ref>-<slug>`, the slug from the item's subject (ASCII lowercase,
 * dashes, at most 40 characters), so people recognise the branch from the Taiga card. The project is in the name
 * because refs are per Taiga project: two projects on the same repository would otherwise name their items' branches
 * alike, and the second one's run would carry on from, and push onto, the first one's branch. Later runs of the same
 * item (one at a time) carry on from its branch.
 */
export function runBranchName(projectId: string, ref: number, subject: string): string {
  const slug = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return `tundra/${projectId}/${ref}${slug ? `-${slug}` : ''}`;
}
