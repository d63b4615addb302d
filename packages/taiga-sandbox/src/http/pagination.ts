import type { Request, Response } from 'express';
import { fail, failures, type Outcome, ok } from '../operations/failures.js';

/** taiga-back's MAX_PAGINATE_BY. */
const maxPageSize = 1000;

export interface PaginationOptions {
  defaultPageSize: number;
  /** Base URL of absolute next/prev links; defaults to the request's own scheme and Host, as Django builds them. */
  publicUrl?: string;
}

function pageUrl(req: Request, options: PaginationOptions, page: number): string {
  const base = (options.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`).replace(
    /\/$/,
    '',
  );
  const url = new URL(`${base}${req.originalUrl}`);
  // Django's QueryDict keeps the position of an existing `page` and appends it otherwise; so does `set`.
  url.searchParams.set('page', String(page));
  return url.toString();
}

/**
 * taiga-back's PaginationMixin: `page` and `page_size` (capped at 1000), `x-pagination-*` headers, absolute next/prev
 * links only when that page exists, 404 past the end, and no pagination at all when the request carries an
 * `x-disable-pagination` header (whatever its value).
 */
export function paginate<T>(
  req: Request,
  res: Response,
  items: readonly T[],
  options: PaginationOptions,
): Outcome<T[]> {
  if (req.get('x-disable-pagination') !== undefined) return ok([...items]);
  const requestedSize = typeof req.query.page_size === 'string' ? Number(req.query.page_size) : Number.NaN;
  const pageSize =
    Number.isInteger(requestedSize) && requestedSize > 0
      ? Math.min(requestedSize, maxPageSize)
      : options.defaultPageSize;
  const pageCount = Math.max(1, Math.ceil(items.length / pageSize));
  const rawPage = typeof req.query.page === 'string' && req.query.page !== '' ? req.query.page : '1';
  // Django's `validate_number` refuses a page that is no integer, below 1 or past the last one alike, and taiga-back
  // answers all three with the same message (only `last` is read as a name).
  const asked = /^[+-]?\d+$/.test(rawPage.trim()) ? Number(rawPage) : Number.NaN;
  const page = rawPage === 'last' ? pageCount : asked;
  if (!(page >= 1 && page <= pageCount))
    return fail(failures.http404("Page is not 'last', nor can it be converted to an int."));

  res.setHeader('x-pagination-count', String(items.length));
  res.setHeader('x-paginated', 'true');
  res.setHeader('x-paginated-by', String(pageSize));
  res.setHeader('x-pagination-current', String(page));
  if (page < pageCount) res.setHeader('X-Pagination-Next', pageUrl(req, options, page + 1));
  if (page > 1) res.setHeader('X-Pagination-Prev', pageUrl(req, options, page - 1));
  return ok(items.slice((page - 1) * pageSize, page * pageSize));
}
