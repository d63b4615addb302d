import type { Request, Response } from 'express';

export interface PageRequest {
  page: number;
  perPage: number;
}

/** `page` and `per_page` as both forges read them: bad values fall back to the defaults, `per_page` caps at 100. */
export function pageRequest(req: Request, defaultPerPage: number): PageRequest {
  const int = (value: unknown) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : 0);
  const perPage = int(req.query.per_page);
  return {
    page: Math.max(int(req.query.page), 1),
    perPage: perPage >= 1 ? Math.min(perPage, 100) : defaultPerPage,
  };
}

function pageUrl(publicBase: string, req: Request, page: number, perPage: number): string {
  const url = new URL(req.originalUrl, publicBase);
  url.searchParams.set('page', String(page));
  url.searchParams.set('per_page', String(perPage));
  return url.toString();
}

/**
 * One page of `items`, with the forge's pagination headers: GitHub's `Link` (next, last, prev, first), and for
 * GitLab the same `Link` plus `x-page`, `x-per-page`, `x-next-page`, `x-prev-page`, `x-total`, `x-total-pages`.
 */
export function paginate<T>(
  req: Request,
  res: Response,
  items: readonly T[],
  options: { forge: 'github' | 'gitlab'; publicBase: string; defaultPerPage: number },
): T[] {
  const { page, perPage } = pageRequest(req, options.defaultPerPage);
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const link = (target: number, rel: string) =>
    `<${pageUrl(options.publicBase, req, target, perPage)}>; rel="${rel}"`;
  const links: string[] = [];
  if (options.forge === 'github') {
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < pages) links.push(link(page + 1, 'next'), link(pages, 'last'));
    if (page > 1) links.push(link(1, 'first'));
  } else {
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < pages) links.push(link(page + 1, 'next'));
    links.push(link(1, 'first'), link(pages, 'last'));
    res.setHeader('x-page', String(page));
    res.setHeader('x-per-page', String(perPage));
    res.setHeader('x-next-page', page < pages ? String(page + 1) : '');
    res.setHeader('x-prev-page', page > 1 ? String(page - 1) : '');
    res.setHeader('x-total', String(items.length));
    res.setHeader('x-total-pages', String(pages));
  }
  if (links.length > 0) res.setHeader('Link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

/** Items changed at or after `since` (an ISO time), as GitHub's `since` filter reads it; all when absent. */
export function since<T extends { updatedAt: string }>(req: Request, items: readonly T[]): T[] {
  const value = typeof req.query.since === 'string' ? Date.parse(req.query.since) : NaN;
  return Number.isNaN(value) ? [...items] : items.filter((item) => Date.parse(item.updatedAt) >= value);
}
