/**
 * The git branch of a run: `tundra/<ref>-<slug>`, the slug from the item's subject (ASCII lowercase, dashes, at most
 * 40 characters), so people recognise the branch from the Taiga card.
 */
export function runBranchName(ref: number, subject: string): string {
  const slug = subject
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
  return `tundra/${ref}${slug ? `-${slug}` : ''}`;
}
