import { describe, expect, it } from 'vitest';
import { pageLinkQuery, parsePageInfo } from './pagination.js';

describe('parsePageInfo', () => {
  it('reads every header, whatever its case', () => {
    const headers = new Headers({
      'x-pagination-count': '2',
      'x-paginated': 'true',
      'x-paginated-by': '1',
      'x-pagination-current': '2',
      'X-Pagination-Prev': 'http://taiga.local/api/v1/tasks?project=1&page_size=1&page=1',
    });
    expect(parsePageInfo(headers)).toEqual({
      paginated: true,
      count: 2,
      pageSize: 1,
      current: 2,
      next: null,
      prev: 'http://taiga.local/api/v1/tasks?project=1&page_size=1&page=1',
    });
  });

  it('reports an unpaginated response', () => {
    expect(parsePageInfo(new Headers())).toEqual({
      paginated: false,
      count: null,
      pageSize: null,
      current: null,
      next: null,
      prev: null,
    });
  });

  it('ignores junk numbers and empty links', () => {
    const info = parsePageInfo(new Headers({ 'x-pagination-count': 'many', 'x-pagination-next': ' ' }));
    expect(info.count).toBeNull();
    expect(info.next).toBeNull();
  });
});

describe('pageLinkQuery', () => {
  it("keeps the link's query and drops its host", () => {
    expect(pageLinkQuery('http://127.0.0.1:8800/api/v1/tasks?project=1&page_size=1&page=2')).toEqual({
      project: '1',
      page_size: '1',
      page: '2',
    });
  });
});
