/** What Taiga's pagination headers say about one page of a list. */
export interface PageInfo {
  readonly paginated: boolean;
  /** Items across all pages; null when the response was not paginated. */
  readonly count: number | null;
  readonly pageSize: number | null;
  readonly current: number | null;
  /** Absolute URL of the next page, as Taiga built it; null on the last page. */
  readonly next: string | null;
  readonly prev: string | null;
}

/** Reads `x-paginated`, `x-pagination-count`, `x-paginated-by`, `x-pagination-current`, `-next`, `-prev`. */
export function parsePageInfo(headers: Headers): PageInfo {
  const int = (name: string): number | null => {
    const value = headers.get(name);
    return value !== null && /^\d+$/.test(value.trim()) ? Number(value) : null;
  };
  const url = (name: string): string | null => {
    const value = headers.get(name)?.trim();
    return value ? value : null;
  };
  return {
    paginated: headers.get('x-paginated')?.trim().toLowerCase() === 'true',
    count: int('x-pagination-count'),
    pageSize: int('x-paginated-by'),
    current: int('x-pagination-current'),
    next: url('x-pagination-next'),
    prev: url('x-pagination-prev'),
  };
}

/**
 * The query of a page link. The client asks its own base URL for it rather than fetching the link: Taiga builds
 * the link from its configured domain, which behind a proxy or in a container is often not the address Tundra uses.
 */
export function pageLinkQuery(link: string): Record<string, string> {
  return Object.fromEntries(new URL(link).searchParams);
}
