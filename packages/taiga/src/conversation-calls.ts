import type { CallHelpers } from './call-helpers.js';
import type { TaigaHistoryEntry, TaigaHistoryObjectType, TaigaMembership, TaigaRole } from './types.js';

/** The item kinds whose history the conversation reads: stories and tasks (and issues, for reports). */
export type TaigaConversationItem = 'userstory' | 'task' | 'issue';

/** What happened on an item after a history entry already seen, oldest first. */
export interface TaigaHistorySince {
  readonly entries: TaigaHistoryEntry[];
  /**
   * Whether the known entry was found. When it was not (none given, or an id of another item), `entries` holds the
   * item's whole visible history.
   */
  readonly knownEntryFound: boolean;
}

/** Who may do what in a project, and what people said on items: memberships, roles, history, comments. */
export interface TaigaConversationCalls {
  /** The project's members with their role and admin flag (`GET /memberships?project=`). */
  listMemberships(taigaProjectId: number): Promise<TaigaMembership[]>;
  /** The project's roles with their permission names (`GET /roles?project=`). */
  listRoles(taigaProjectId: number): Promise<TaigaRole[]>;
  taskHistory(id: number): Promise<TaigaHistoryEntry[]>;
  userStoryHistory(id: number): Promise<TaigaHistoryEntry[]>;
  /**
   * The item's history entries after `knownEntryId` (changes and comments, with their ids, author, `comment`,
   * `comment_html`, `delete_comment_date`), oldest first. Reads Taiga's newest-first pages only until the known
   * entry shows up.
   */
  historySince(
    type: TaigaConversationItem,
    id: number,
    knownEntryId: string | null,
    options?: { pageSize?: number },
  ): Promise<TaigaHistorySince>;
  editComment(
    type: TaigaHistoryObjectType,
    objectId: number,
    historyEntryId: string,
    comment: string,
  ): Promise<void>;
  /** Marks a comment deleted (Taiga keeps it, with `delete_comment_date`). The author or a project admin may. */
  deleteComment(type: TaigaHistoryObjectType, objectId: number, historyEntryId: string): Promise<void>;
}

const historyPaths = {
  userstory: '/history/userstory/{id}',
  task: '/history/task/{id}',
  issue: '/history/issue/{id}',
} as const;

// Taiga's history pages are capped at 1000 entries; a history longer than this many pages is not an item's.
const maxHistoryPages = 100;

export function conversationCalls(helpers: CallHelpers): TaigaConversationCalls {
  const { api, call, listAll, getPage } = helpers;
  const historyPage = (type: TaigaConversationItem, id: number, page: number, pageSize: number) => {
    const path = historyPaths[type];
    return getPage<TaigaHistoryEntry>(path, (init) =>
      api.GET(path, { params: { path: { id }, query: { page, page_size: pageSize } }, ...init }),
    );
  };
  const commentAction =
    (action: 'edit_comment' | 'delete_comment') =>
    async (
      type: TaigaHistoryObjectType,
      objectId: number,
      historyEntryId: string,
      body?: { comment: string },
    ) => {
      const path = `/history/{type}/{id}/${action}` as const;
      await call(path, 'POST', 'idempotent', (init) =>
        api.POST(path, {
          params: { path: { type, id: objectId }, query: { id: historyEntryId } },
          ...(body ? { body } : {}),
          parseAs: 'text',
          ...init,
        }),
      );
    };
  const edit = commentAction('edit_comment');
  const remove = commentAction('delete_comment');

  return {
    listMemberships: (project) =>
      listAll('/memberships', 'disable', (_, init) =>
        api.GET('/memberships', { params: { query: { project } }, ...init }),
      ),
    listRoles: (project) =>
      listAll('/roles', 'disable', (_, init) =>
        api.GET('/roles', { params: { query: { project } }, ...init }),
      ),
    taskHistory: (id) =>
      listAll('/history/task/{id}', 'disable', (_, init) =>
        api.GET('/history/task/{id}', { params: { path: { id } }, ...init }),
      ),
    userStoryHistory: (id) =>
      listAll('/history/userstory/{id}', 'disable', (_, init) =>
        api.GET('/history/userstory/{id}', { params: { path: { id } }, ...init }),
      ),
    async historySince(type, id, knownEntryId, options = {}) {
      const pageSize = options.pageSize ?? 50;
      const newestFirst: TaigaHistoryEntry[] = [];
      const seen = new Set<string>();
      for (let page = 1; page <= maxHistoryPages; page += 1) {
        const { items, page: info } = await historyPage(type, id, page, pageSize);
        for (const entry of items) {
          if (entry.id === knownEntryId) return { entries: newestFirst.reverse(), knownEntryFound: true };
          // An entry written while the pages are read shifts them: the same entry can come twice.
          if (!seen.has(entry.id)) newestFirst.push(entry);
          seen.add(entry.id);
        }
        if (info.next === null) break;
      }
      return { entries: newestFirst.reverse(), knownEntryFound: false };
    },
    editComment: (type, objectId, historyEntryId, comment) =>
      edit(type, objectId, historyEntryId, { comment }),
    deleteComment: (type, objectId, historyEntryId) => remove(type, objectId, historyEntryId),
  };
}
