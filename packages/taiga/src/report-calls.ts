import type { CallHelpers } from './call-helpers.js';
import type { PatchOutcome } from './optimistic-patch.js';
import type {
  IssueFilters,
  PaginationMode,
  TaigaHistoryEntry,
  TaigaIssueStatus,
  TaigaIssueSummary,
  TaigaIssueValue,
  TaigaWikiLink,
  TaigaWikiPage,
  WikiLinkCreateBody,
  WikiPageCreateBody,
} from './types.js';

/** What reports read from Taiga (issues, their values and history) and write to it (wiki pages and links). */
export interface TaigaReportCalls {
  listIssues(filters: IssueFilters, mode?: PaginationMode): Promise<TaigaIssueSummary[]>;
  listIssueStatuses(taigaProjectId: number): Promise<TaigaIssueStatus[]>;
  listIssueTypes(taigaProjectId: number): Promise<TaigaIssueValue[]>;
  listSeverities(taigaProjectId: number): Promise<TaigaIssueValue[]>;
  listPriorities(taigaProjectId: number): Promise<TaigaIssueValue[]>;
  issueHistory(id: number): Promise<TaigaHistoryEntry[]>;
  /** The page with that slug in the project, or null when there is none (Taiga's 404). */
  findWikiPage(taigaProjectId: number, slug: string): Promise<TaigaWikiPage | null>;
  createWikiPage(body: WikiPageCreateBody): Promise<TaigaWikiPage>;
  /** Read-compute-write with the page's `version`; see `patchWithVersion`. */
  patchWikiPage(
    id: number,
    change: (current: TaigaWikiPage) => { content: string } | null,
  ): Promise<PatchOutcome<TaigaWikiPage>>;
  listWikiLinks(taigaProjectId: number): Promise<TaigaWikiLink[]>;
  createWikiLink(body: WikiLinkCreateBody): Promise<TaigaWikiLink>;
}

export function reportCalls(helpers: CallHelpers): TaigaReportCalls {
  const { api, call, get, listAll, getOrNull, patchVia } = helpers;
  const valuesOf =
    (path: '/issue-types' | '/severities' | '/priorities') =>
    (project: number): Promise<TaigaIssueValue[]> =>
      listAll(path, 'disable', (_, init) => api.GET(path, { params: { query: { project } }, ...init }));
  const calls: TaigaReportCalls = {
    listIssues: (filters, mode = 'follow') =>
      listAll('/issues', mode, (query, init) =>
        api.GET('/issues', { params: { query: (query ?? filters) as IssueFilters }, ...init }),
      ),
    listIssueStatuses: (project) =>
      listAll('/issue-statuses', 'disable', (_, init) =>
        api.GET('/issue-statuses', { params: { query: { project } }, ...init }),
      ),
    listIssueTypes: valuesOf('/issue-types'),
    listSeverities: valuesOf('/severities'),
    listPriorities: valuesOf('/priorities'),
    issueHistory: (id) =>
      listAll('/history/issue/{id}', 'disable', (_, init) =>
        api.GET('/history/issue/{id}', { params: { path: { id } }, ...init }),
      ),
    findWikiPage: (project, slug) =>
      getOrNull('/wiki/by_slug', (init) =>
        api.GET('/wiki/by_slug', { params: { query: { project, slug } }, ...init }),
      ),
    createWikiPage: (body) => call('/wiki', 'POST', 'unsafe', (init) => api.POST('/wiki', { body, ...init })),
    patchWikiPage: (id, change) =>
      patchVia(
        'wiki',
        '/wiki/{id}',
        () => get('/wiki/{id}', (init) => api.GET('/wiki/{id}', { params: { path: { id } }, ...init })),
        (body, init) => api.PATCH('/wiki/{id}', { params: { path: { id } }, body, ...init }),
        change,
      ),
    listWikiLinks: (project) =>
      listAll('/wiki-links', 'disable', (_, init) =>
        api.GET('/wiki-links', { params: { query: { project } }, ...init }),
      ),
    createWikiLink: (body) =>
      call('/wiki-links', 'POST', 'unsafe', (init) => api.POST('/wiki-links', { body, ...init })),
  };
  return calls;
}
