import type { TaigaItemKey, TaigaItemPort, TaigaItemSnapshot } from '@tundra/core';
import createClient, { type Middleware } from 'openapi-fetch';
import { type Logger, pino } from 'pino';
import { Registry } from 'prom-client';
import { createTaigaSession } from './auth-session.js';
import type { RetryPolicy } from './backoff.js';
import type { CallHelpers, TaigaPage } from './call-helpers.js';
import { type CallSpec, createCallRunner, type RetryMode, type SendInit, type Sent } from './call-runner.js';
import { conversationCalls, type TaigaConversationCalls } from './conversation-calls.js';
import { TaigaAuthError, TaigaCredentialsError, TaigaNotFoundError, TaigaValidationError } from './errors.js';
import type { paths } from './generated/schema.js';
import { createTaigaMetrics, metricsMiddleware } from './metrics.js';
import { type PatchOutcome, patchWithVersion } from './optimistic-patch.js';
import { pageLinkQuery, parsePageInfo } from './pagination.js';
import { reportCalls, type TaigaReportCalls } from './report-calls.js';
import { StaleVersionError } from './stale-version-error.js';
import type {
  IssueChange,
  PaginationMode,
  TaigaIssue,
  TaigaProject,
  TaigaTask,
  TaigaTaskStatus,
  TaigaTaskSummary,
  TaigaUser,
  TaigaUserStory,
  TaigaUserStoryStatus,
  TaigaUserStorySummary,
  TaskChange,
  TaskCreateBody,
  TaskFilters,
  UserStoryChange,
  UserStoryCreateBody,
  UserStoryFilters,
} from './types.js';
import { type TaigaWebhookCalls, webhookCalls } from './webhook-calls.js';

export interface TaigaClientOptions {
  /** Taiga's address without `/api/v1`, e.g. `https://taiga.example.com` (TUNDRA_TAIGA_URL). */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  readonly registry?: Registry;
  readonly logger?: Logger;
  /**
   * The context of the job a call is made for (e.g. `currentJobContext` of @tundra/core/server): its correlation
   * id goes to Taiga as `X-Correlation-Id` and its logger, which carries the run's ids, logs the call's retries.
   */
  readonly context?: () => { correlationId?: string; logger?: Logger } | undefined;
  /** Per HTTP request. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Re-reads allowed after a version conflict before TaigaConflictError. */
  readonly conflictRetries: number;
  readonly fetch?: (request: Request) => Promise<Response>;
  /** For tests: how retries wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Tundra's typed client for the part of Taiga's REST API described in `openapi/taiga.yaml`. As a `TaigaItemPort`
 * it reads and writes stories and tasks alike for the write-back: one PATCH with status, blocked flag and comment.
 */
export interface TaigaClient
  extends TaigaReportCalls,
    TaigaConversationCalls,
    TaigaWebhookCalls,
    TaigaItemPort {
  me(): Promise<TaigaUser>;
  getProject(id: number): Promise<TaigaProject>;
  getProjectBySlug(slug: string): Promise<TaigaProject>;
  listTaskStatuses(taigaProjectId: number): Promise<TaigaTaskStatus[]>;
  listUserStoryStatuses(taigaProjectId: number): Promise<TaigaUserStoryStatus[]>;

  listTasks(filters: TaskFilters, mode?: PaginationMode): Promise<TaigaTaskSummary[]>;
  listTasksPage(filters: TaskFilters, page: number, pageSize?: number): Promise<TaigaPage<TaigaTaskSummary>>;
  getTask(id: number): Promise<TaigaTask>;
  getTaskByRef(taigaProjectId: number, ref: number): Promise<TaigaTask>;
  createTask(body: TaskCreateBody): Promise<TaigaTask>;
  /** Read-compute-write with Taiga's `version`; see `patchWithVersion`. */
  patchTask(id: number, change: (current: TaigaTask) => TaskChange | null): Promise<PatchOutcome<TaigaTask>>;
  commentOnTask(id: number, comment: string): Promise<TaigaTask>;

  listUserStories(filters: UserStoryFilters, mode?: PaginationMode): Promise<TaigaUserStorySummary[]>;
  getUserStory(id: number): Promise<TaigaUserStory>;
  getUserStoryByRef(taigaProjectId: number, ref: number): Promise<TaigaUserStory>;
  createUserStory(body: UserStoryCreateBody): Promise<TaigaUserStory>;
  patchUserStory(
    id: number,
    change: (current: TaigaUserStory) => UserStoryChange | null,
  ): Promise<PatchOutcome<TaigaUserStory>>;
  commentOnUserStory(id: number, comment: string): Promise<TaigaUserStory>;

  getIssue(id: number): Promise<TaigaIssue>;
  patchIssue(
    id: number,
    change: (current: TaigaIssue) => IssueChange | null,
  ): Promise<PatchOutcome<TaigaIssue>>;
  commentOnIssue(id: number, comment: string): Promise<TaigaIssue>;
}

const snapshotOf = (item: TaigaItemSnapshot): TaigaItemSnapshot => ({
  version: item.version,
  status: item.status,
  is_blocked: item.is_blocked,
  blocked_note: item.blocked_note,
});

// A runaway `next` chain (a proxy rewriting links in a loop) must end.
const maxPages = 1000;
const disablePagination = { 'x-disable-pagination': 'True' } as const;

/** Sends the calling job's correlation id with every request, so one run can be followed into Taiga's logs too. */
function correlationMiddleware(context: NonNullable<TaigaClientOptions['context']>): Middleware {
  return {
    onRequest({ request }) {
      const correlationId = context()?.correlationId;
      if (correlationId) request.headers.set('X-Correlation-Id', correlationId);
      return request;
    },
  };
}

/** A client logged in as the bot user on first use. Every request goes through openapi-fetch. */
export function createTaigaClient(options: TaigaClientOptions): TaigaClient {
  const baseLogger = options.logger ?? pino({ level: 'silent' });
  // Log through the calling job's logger when there is one, so a retry line names the run it was for.
  const logger = new Proxy(baseLogger, {
    get(target, property) {
      const active = options.context?.()?.logger ?? target;
      const value = Reflect.get(active, property, active);
      return typeof value === 'function' ? value.bind(active) : value;
    },
  });
  const metrics = createTaigaMetrics(options.registry ?? new Registry());
  const api = createClient<paths>({
    baseUrl: `${options.baseUrl.replace(/\/+$/, '')}/api/v1`,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  api.use(metricsMiddleware(metrics));
  if (options.context) api.use(correlationMiddleware(options.context));
  const run = createCallRunner({
    policy: options.retry,
    timeoutMs: options.timeoutMs,
    logger,
    ...(options.sleep ? { sleep: options.sleep } : {}),
  });

  const session = createTaigaSession({
    logger,
    async login() {
      const { data } = await run(
        { endpoint: '/auth', method: 'POST', retry: 'idempotent', auth: null },
        (init) =>
          api.POST('/auth', {
            body: { type: 'normal', username: options.username, password: options.password },
            ...init,
          }),
      ).catch((error: unknown) => {
        // taiga-back 6 answers bad credentials with 401 `invalid_credentials`, older Taigas with 400: the same here.
        if (error instanceof TaigaAuthError) {
          throw new TaigaCredentialsError(error.site, options.username, error.taigaMessage);
        }
        if (error instanceof TaigaValidationError) {
          const { _error_message: message, _error_type: _, ...fields } = error.fieldErrors;
          const detail =
            message?.join(' ') ??
            (Object.entries(fields)
              .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
              .join('; ') ||
              'no detail');
          throw new TaigaCredentialsError(error.site, options.username, detail);
        }
        throw error;
      });
      logger.info({ username: data.username }, 'Logged in to Taiga');
      return { accessToken: data.auth_token, refreshToken: data.refresh };
    },
    async refresh(refreshToken) {
      const { data } = await run(
        { endpoint: '/auth/refresh', method: 'POST', retry: 'idempotent', auth: null },
        (init) => api.POST('/auth/refresh', { body: { refresh: refreshToken }, ...init }),
      );
      return { accessToken: data.auth_token, refreshToken: data.refresh };
    },
  });

  const call = <D>(
    endpoint: string,
    method: CallSpec['method'],
    retry: RetryMode,
    send: (init: SendInit) => Promise<Sent<D>>,
  ): Promise<D> => run<D>({ endpoint, method, retry, auth: session }, send).then((result) => result.data);

  const get = <D>(endpoint: string, send: (init: SendInit) => Promise<Sent<D>>) =>
    call(endpoint, 'GET', 'idempotent', send);

  /** Every item of a list, by following `x-pagination-next` or by disabling pagination. */
  const listAll = async <T>(
    endpoint: string,
    mode: PaginationMode,
    fetchPage: (query: Record<string, unknown> | null, init: SendInit) => Promise<Sent<T[]>>,
  ): Promise<T[]> => {
    if (mode === 'disable') {
      return get(endpoint, (init) =>
        fetchPage(null, { ...init, headers: { ...init.headers, ...disablePagination } }),
      );
    }
    const items: T[] = [];
    let query: Record<string, unknown> | null = null;
    for (let pages = 0; pages < maxPages; pages += 1) {
      const current = query;
      const { data, response } = await run<T[]>(
        { endpoint, method: 'GET', retry: 'idempotent', auth: session },
        (init) => fetchPage(current, init),
      );
      items.push(...data);
      const next = parsePageInfo(response.headers).next;
      if (next === null) return items;
      query = pageLinkQuery(next);
    }
    throw new Error(`Taiga GET ${endpoint}: more than ${maxPages} pages; refusing to follow further`);
  };

  const getOrNull = <D>(endpoint: string, send: (init: SendInit) => Promise<Sent<D>>): Promise<D | null> =>
    get(endpoint, send).catch((error: unknown) => {
      if (error instanceof TaigaNotFoundError) return null;
      throw error;
    });

  const patchVia = <T extends { version: number }, B extends object>(
    resource: 'task' | 'userstory' | 'issue' | 'wiki',
    endpoint: string,
    read: () => Promise<T>,
    write: (body: B & { version: number }, init: SendInit) => Promise<Sent<T>>,
    change: (current: T) => B | null,
  ) =>
    patchWithVersion<T, B>(
      {
        resource,
        site: { endpoint, method: 'PATCH' },
        conflictRetries: options.conflictRetries,
        metrics,
        logger,
        read,
        // A comment must not be posted twice, so a PATCH carrying one is retried only when surely unsent.
        write: (body) =>
          call(endpoint, 'PATCH', 'comment' in body ? 'unsafe' : 'idempotent', (init) => write(body, init)),
      },
      change,
    );

  const comment =
    <T>(patch: (id: number, change: () => { comment: string }) => Promise<PatchOutcome<T>>) =>
    async (id: number, text: string) =>
      (await patch(id, () => ({ comment: text }))).item;

  const getPage = async <T>(endpoint: string, send: (init: SendInit) => Promise<Sent<T[]>>) => {
    const { data, response } = await run<T[]>(
      { endpoint, method: 'GET', retry: 'idempotent', auth: session },
      send,
    );
    return { items: data, page: parsePageInfo(response.headers) };
  };
  const helpers: CallHelpers = { api, call, get, listAll, getPage, getOrNull, patchVia };
  const helpersFor = <C>(calls: (helpers: CallHelpers) => C): C => calls(helpers);

  const client: TaigaClient = {
    ...helpersFor(reportCalls),
    ...helpersFor(conversationCalls),
    ...helpersFor(webhookCalls),
    me: () => get('/users/me', (init) => api.GET('/users/me', { ...init })),
    getProject: (id) =>
      get('/projects/{id}', (init) => api.GET('/projects/{id}', { params: { path: { id } }, ...init })),
    getProjectBySlug: (slug) =>
      get('/projects/by_slug', (init) =>
        api.GET('/projects/by_slug', { params: { query: { slug } }, ...init }),
      ),
    listTaskStatuses: (project) =>
      listAll('/task-statuses', 'disable', (_, init) =>
        api.GET('/task-statuses', { params: { query: { project } }, ...init }),
      ),
    listUserStoryStatuses: (project) =>
      listAll('/userstory-statuses', 'disable', (_, init) =>
        api.GET('/userstory-statuses', { params: { query: { project } }, ...init }),
      ),

    listTasks: (filters, mode = 'follow') =>
      listAll('/tasks', mode, (query, init) =>
        api.GET('/tasks', { params: { query: (query ?? filters) as TaskFilters }, ...init }),
      ),
    listTasksPage: (filters, page, pageSize) =>
      getPage('/tasks', (init) =>
        api.GET('/tasks', {
          params: { query: { ...filters, page, ...(pageSize === undefined ? {} : { page_size: pageSize }) } },
          ...init,
        }),
      ),
    getTask: (id) =>
      get('/tasks/{id}', (init) => api.GET('/tasks/{id}', { params: { path: { id } }, ...init })),
    getTaskByRef: (project, ref) =>
      get('/tasks/by_ref', (init) =>
        api.GET('/tasks/by_ref', { params: { query: { project, ref } }, ...init }),
      ),
    createTask: (body) => call('/tasks', 'POST', 'unsafe', (init) => api.POST('/tasks', { body, ...init })),
    patchTask: (id, change) =>
      patchVia(
        'task',
        '/tasks/{id}',
        () => client.getTask(id),
        (body, init) => api.PATCH('/tasks/{id}', { params: { path: { id } }, body, ...init }),
        change,
      ),
    commentOnTask: comment((id, change) => client.patchTask(id, change)),

    listUserStories: (filters, mode = 'follow') =>
      listAll('/userstories', mode, (query, init) =>
        api.GET('/userstories', { params: { query: (query ?? filters) as UserStoryFilters }, ...init }),
      ),
    getUserStory: (id) =>
      get('/userstories/{id}', (init) => api.GET('/userstories/{id}', { params: { path: { id } }, ...init })),
    getUserStoryByRef: (project, ref) =>
      get('/userstories/by_ref', (init) =>
        api.GET('/userstories/by_ref', { params: { query: { project, ref } }, ...init }),
      ),
    createUserStory: (body) =>
      call('/userstories', 'POST', 'unsafe', (init) => api.POST('/userstories', { body, ...init })),
    patchUserStory: (id, change) =>
      patchVia(
        'userstory',
        '/userstories/{id}',
        () => client.getUserStory(id),
        (body, init) => api.PATCH('/userstories/{id}', { params: { path: { id } }, body, ...init }),
        change,
      ),
    commentOnUserStory: comment((id, change) => client.patchUserStory(id, change)),

    getIssue: (id) =>
      get('/issues/{id}', (init) => api.GET('/issues/{id}', { params: { path: { id } }, ...init })),
    patchIssue: (id, change) =>
      patchVia(
        'issue',
        '/issues/{id}',
        () => client.getIssue(id),
        (body, init) => api.PATCH('/issues/{id}', { params: { path: { id } }, body, ...init }),
        change,
      ),
    commentOnIssue: comment((id, change) => client.patchIssue(id, change)),

    readItem: async (item) => snapshotOf(await items[item.type].read(item.id)),
    async writeItem(item, body) {
      const { endpoint } = items[item.type];
      try {
        const answer = await call<TaigaItemSnapshot>(
          endpoint,
          'PATCH',
          // A comment must not be posted twice, so a PATCH carrying one is retried only when surely unsent.
          body.comment === undefined ? 'idempotent' : 'unsafe',
          (init) =>
            api.PATCH(endpoint as '/tasks/{id}', {
              params: { path: { id: item.id } },
              body,
              ...init,
            }) as Promise<Sent<TaigaItemSnapshot>>,
        );
        return snapshotOf(answer);
      } catch (error) {
        if (!(error instanceof StaleVersionError)) throw error;
        metrics.versionConflicts.inc({ resource: item.type });
        return 'stale_version';
      }
    },
    itemComments: async (item) =>
      (await items[item.type].history(item.id)).flatMap((entry) =>
        typeof entry.comment === 'string' && entry.comment !== '' ? [entry.comment] : [],
      ),
  };
  // The one place that tells stories and tasks apart for the write-back.
  const items: Record<
    TaigaItemKey['type'],
    { endpoint: string; read(id: number): Promise<TaigaItemSnapshot>; history: TaigaClient['taskHistory'] }
  > = {
    task: { endpoint: '/tasks/{id}', read: client.getTask, history: client.taskHistory },
    userstory: { endpoint: '/userstories/{id}', read: client.getUserStory, history: client.userStoryHistory },
  };
  return client;
}
