import { createRequesterFn, type RequestHandlerFn, type RequestOptions } from '@gitbeaker/requester-utils';
import { Gitlab } from '@gitbeaker/rest';
import type { Logger } from 'pino';
import {
  errorOfResponse,
  type FailedResponse,
  type ForgeCallSite,
  ForgeRateLimitedError,
  ForgeUnavailableError,
  isRateLimited,
  retryAfterMs,
} from './errors.js';
import { tail } from './github-client.js';
import { type ForgeMetrics, instrumentedFetch } from './metrics.js';
import { defaultRetryPolicy, type ForgeRetryPolicy, withinBudget } from './policy.js';
import type {
  CiJob,
  Comment,
  ForgeClient,
  PullRequest,
  RepoPermission,
  Review,
  ReviewComment,
} from './types.js';

export interface GitlabClientOptions {
  /** The project's path (`group/project`) or numeric id. */
  repo: string;
  token: string;
  /** The instance, e.g. `https://gitlab.com` (the default). */
  url?: string;
  metrics: ForgeMetrics;
  logger: Logger;
  retry?: ForgeRetryPolicy;
}

// The fields of GitLab's answers the client reads (gitbeaker's own schema types are far wider than needed).
interface MergeRequestData {
  iid: number;
  web_url: string;
  state: string;
  title: string;
  description?: string | null;
  source_branch: string;
  target_branch: string;
  sha: string;
  merge_commit_sha?: string | null;
  squash_commit_sha?: string | null;
  draft?: boolean;
  author?: { username: string } | null;
  created_at: string;
  updated_at: string;
  merged_at?: string | null;
  reviewers?: { id: number }[];
}
interface NoteData {
  id: number;
  type?: string | null;
  body: string;
  system?: boolean;
  author?: { username: string } | null;
  created_at: string;
  position?: { new_path?: string | null; new_line?: number | null } | null;
}
interface DiscussionData {
  id: string;
  notes?: NoteData[];
}
interface ReviewerData {
  user: { id: number; username: string };
  state: string;
}
interface AccessData {
  access_level?: number;
}
const as = <T>(value: unknown) => value as T;

/** A failed answer, carried from the request handler to `call`, which types it. */
class GitlabHttpFailure extends Error {
  constructor(readonly failure: FailedResponse) {
    super(`HTTP ${failure.status}`);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * gitbeaker's request handler, replaced: its own retries 429 ten times within a second and ignores `Retry-After`.
 * This one retries 429 (after `Retry-After`), 502/503/504 and network errors within the policy's time budget,
 * through the instrumented fetch.
 */
function requestHandler(policy: ForgeRetryPolicy, fetcher: typeof fetch, logger: Logger) {
  return async (endpoint: string, options?: Record<string, unknown>) => {
    const { prefixUrl, searchParams, method, body, headers, signal } = (options ?? {}) as RequestOptions & {
      prefixUrl?: string;
      searchParams?: string;
    };
    const url = new URL(endpoint, prefixUrl?.endsWith('/') ? prefixUrl : `${prefixUrl}/`);
    url.search = searchParams ?? '';
    const startedAt = Date.now();
    for (let attempt = 1; ; attempt += 1) {
      let failure: FailedResponse | null = null;
      let wait = Math.min(8000, 250 * 2 ** (attempt - 1));
      try {
        const response = await fetcher(url, {
          method,
          body: body as RequestInit['body'],
          headers: headers as RequestInit['headers'],
          signal: signal as AbortSignal | undefined,
        });
        const responseHeaders = Object.fromEntries(response.headers.entries());
        const type = response.headers.get('content-type') ?? '';
        const parsed =
          response.status === 204
            ? null
            : type.includes('application/json')
              ? await response.json()
              : await response.text();
        if (response.ok) return { body: parsed, headers: responseHeaders, status: response.status };
        failure = { status: response.status, headers: responseHeaders, body: parsed };
        const retryable = isRateLimited(failure) || [502, 503, 504].includes(response.status);
        if (!retryable) throw new GitlabHttpFailure(failure);
        wait = Math.max(wait, retryAfterMs(responseHeaders) ?? 0);
      } catch (error) {
        if (error instanceof GitlabHttpFailure) throw error;
        if (!(error instanceof TypeError) && !(error instanceof Error && error.name === 'TimeoutError'))
          throw error;
        if (!withinBudget(policy, attempt, startedAt, wait)) throw error;
      }
      if (failure && !withinBudget(policy, attempt, startedAt, wait)) throw new GitlabHttpFailure(failure);
      logger.warn(
        { forge: 'gitlab', endpoint, attempt, waitMs: wait, status: failure?.status },
        'GitLab request failed; retrying',
      );
      await sleep(wait);
    }
  };
}

function mergeRequestOf(data: MergeRequestData): PullRequest {
  return {
    number: data.iid,
    url: data.web_url,
    state: data.state === 'merged' ? 'merged' : data.state === 'opened' ? 'open' : 'closed',
    title: String(data.title).replace(/^(draft:|\[draft\]|\(draft\))\s*/i, ''),
    body: data.description ?? '',
    head: data.source_branch,
    base: data.target_branch,
    headSha: data.sha,
    mergeCommitSha: data.merge_commit_sha ?? data.squash_commit_sha ?? null,
    draft: data.draft ?? false,
    author: data.author?.username ?? '',
    createdAt: data.created_at,
    updatedAt: data.updated_at,
    mergedAt: data.merged_at ?? null,
  };
}

const levelOf = (accessLevel: number | undefined): RepoPermission =>
  accessLevel === undefined || accessLevel < 20
    ? 'none'
    : accessLevel < 30
      ? 'read'
      : accessLevel < 40
        ? 'write'
        : 'admin';

const after = (since: string | undefined, at: string | null | undefined) =>
  since === undefined || (at != null && Date.parse(at) >= Date.parse(since));

function jobState(status: string): CiJob['state'] {
  if (status === 'success') return 'success';
  if (status === 'failed') return 'failure';
  if (status === 'running') return 'running';
  if (status === 'skipped' || status === 'canceled' || status === 'manual') return 'skipped';
  return 'pending';
}

/** The GitLab side of `ForgeClient`, on `@gitbeaker/rest` with a bounded retry that honours `Retry-After`. */
export function createGitlabClient(options: GitlabClientOptions): ForgeClient {
  const policy = options.retry ?? defaultRetryPolicy;
  const host = (options.url ?? 'https://gitlab.com').replace(/\/$/, '');
  const fetcher = instrumentedFetch({
    forge: 'gitlab',
    apiPrefix: `${new URL(host).pathname.replace(/\/$/, '')}/api/v4`,
    metrics: options.metrics,
    timeoutMs: policy.timeoutMs,
  });
  const api = new Gitlab({
    host,
    token: options.token,
    // createRequesterFn applies gitbeaker's default options itself; the second pass is the identity, as in @gitbeaker/rest.
    requesterFn: createRequesterFn(
      (_resource, options) => Promise.resolve(options),
      requestHandler(policy, fetcher, options.logger) as RequestHandlerFn,
    ),
  });
  const project = options.repo;

  async function call<T>(operation: string, run: () => Promise<T>, head?: string): Promise<T> {
    const site: ForgeCallSite = { forge: 'gitlab', operation, repo: options.repo };
    try {
      return await run();
    } catch (error) {
      if (error instanceof GitlabHttpFailure) {
        const typed = errorOfResponse(site, error.failure, head);
        throw typed instanceof ForgeRateLimitedError
          ? new ForgeRateLimitedError(site, retryAfterMs(error.failure.headers) ?? 60_000)
          : typed;
      }
      throw new ForgeUnavailableError(site, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  const findByHead = async (branch: string): Promise<MergeRequestData | null> => {
    const list = as<MergeRequestData[]>(
      await api.MergeRequests.all({
        projectId: project,
        sourceBranch: branch,
        perPage: 100,
        maxPages: 1,
      }),
    );
    return list.find((mr) => mr.state === 'opened') ?? list.sort((a, b) => b.iid - a.iid)[0] ?? null;
  };

  const discussions = async (number: number) =>
    as<DiscussionData[]>(await api.MergeRequestDiscussions.all(project, number, { perPage: 100 }));

  const reviewCommentOf = (discussionId: string, note: NoteData, first: NoteData): ReviewComment => ({
    id: String(note.id),
    threadId: discussionId,
    author: note.author?.username ?? '',
    body: note.body,
    path: note.position?.new_path ?? first.position?.new_path ?? '',
    line: note.position?.new_line ?? first.position?.new_line ?? null,
    reviewId: null,
    inReplyTo: note.id === first.id ? null : String(first.id),
    createdAt: note.created_at,
  });

  const userId = async (login: string): Promise<number | null> => {
    const users = as<{ id: number }[]>(await api.Users.all({ username: login, maxPages: 1 }));
    return users[0]?.id ?? null;
  };

  return {
    forge: 'gitlab',
    repo: options.repo,
    findPullRequestByHead: (branch) =>
      call('findPullRequestByHead', async () => {
        const found = await findByHead(branch);
        return found ? mergeRequestOf(found) : null;
      }),
    openPullRequest: (input) =>
      call(
        'openPullRequest',
        async () => {
          const existing = await findByHead(input.head);
          if (existing && existing.state === 'opened')
            return { pullRequest: mergeRequestOf(existing), created: false };
          try {
            const title = input.draft ? `Draft: ${input.title}` : input.title;
            const created = (await api.MergeRequests.create(project, input.head, input.base, title, {
              description: input.body,
            })) as unknown as MergeRequestData;
            return { pullRequest: mergeRequestOf(created), created: true };
          } catch (error) {
            // Opened meanwhile by a retry or another worker: GitLab's 409 "Another open merge request already exists".
            if (!(error instanceof GitlabHttpFailure) || error.failure.status !== 409) throw error;
            const found = await findByHead(input.head);
            if (!found) throw error;
            return { pullRequest: mergeRequestOf(found), created: false };
          }
        },
        input.head,
      ),
    updatePullRequest: (number, changes) =>
      call('updatePullRequest', async () =>
        mergeRequestOf(
          (await api.MergeRequests.edit(project, number, {
            ...(changes.title === undefined ? {} : { title: changes.title }),
            ...(changes.body === undefined ? {} : { description: changes.body }),
          })) as unknown as MergeRequestData,
        ),
      ),
    getPullRequest: (number) =>
      call('getPullRequest', async () =>
        mergeRequestOf(as<MergeRequestData>(await api.MergeRequests.show(project, number))),
      ),
    closePullRequest: (number) =>
      call('closePullRequest', async () =>
        mergeRequestOf(
          as<MergeRequestData>(await api.MergeRequests.edit(project, number, { stateEvent: 'close' })),
        ),
      ),
    listReviews: (number) =>
      call('listReviews', async () => {
        // GitLab keeps one current verdict per reviewer, with no history and no time: `since` cannot apply.
        const reviewers = (await api.requester.get(
          `projects/${encodeURIComponent(project)}/merge_requests/${number}/reviewers`,
        )) as unknown as { body: ReviewerData[] } | ReviewerData[];
        const list = Array.isArray(reviewers) ? reviewers : reviewers.body;
        const states: Record<string, Review['state']> = {
          requested_changes: 'changes_requested',
          approved: 'approved',
          reviewed: 'commented',
        };
        return list
          .filter((entry) => states[entry.state] !== undefined)
          .map((entry) => ({
            id: `${entry.user.id}:${entry.state}`,
            author: entry.user.username,
            state: states[entry.state]!,
            body: '',
            submittedAt: null,
            commitId: null,
          }));
      }),
    listReviewComments: (number, since) =>
      call('listReviewComments', async () =>
        (await discussions(number)).flatMap((discussion) => {
          const notes = discussion.notes ?? [];
          const first = notes[0];
          if (first?.type !== 'DiffNote') return [];
          return notes
            .filter((note) => !note.system && after(since, note.created_at))
            .map((note) => reviewCommentOf(discussion.id, note, first));
        }),
      ),
    listComments: (number, since) =>
      call('listComments', async () =>
        (await discussions(number)).flatMap((discussion) =>
          (discussion.notes ?? [])
            .filter((note) => note.type !== 'DiffNote' && !note.system && after(since, note.created_at))
            .map(
              (note): Comment => ({
                id: String(note.id),
                author: note.author?.username ?? '',
                body: note.body,
                createdAt: note.created_at,
              }),
            ),
        ),
      ),
    comment: (number, body) =>
      call('comment', async () => {
        const note = as<NoteData>(await api.MergeRequestNotes.create(project, number, body));
        return {
          id: String(note.id),
          author: note.author?.username ?? '',
          body: note.body,
          createdAt: note.created_at,
        };
      }),
    replyToThread: (number, threadId, body) =>
      call('replyToThread', async () => {
        const note = as<NoteData>(await api.MergeRequestDiscussions.addNote(project, number, threadId, body));
        const thread = (await discussions(number)).find((discussion) => discussion.id === threadId);
        return reviewCommentOf(threadId, note, thread?.notes?.[0] ?? note);
      }),
    requestReviewers: (number, logins) =>
      call('requestReviewers', async () => {
        const current = as<MergeRequestData>(await api.MergeRequests.show(project, number)).reviewers ?? [];
        const ids = new Set(current.map((user) => user.id as number));
        for (const login of logins) {
          const id = await userId(login);
          if (id !== null) ids.add(id);
        }
        await api.MergeRequests.edit(project, number, { reviewerIds: [...ids] });
      }),
    addLabels: (number, labels) =>
      call('addLabels', async () => {
        await api.MergeRequests.edit(project, number, { addLabels: labels.join(',') });
      }),
    deleteBranch: (branch) =>
      call('deleteBranch', async () => {
        try {
          await api.Branches.remove(project, branch);
          return true;
        } catch (error) {
          if (error instanceof GitlabHttpFailure && error.failure.status === 404) return false;
          throw error;
        }
      }),
    ciStatus: (sha) =>
      call('ciStatus', async () => {
        const pipelines = as<{ id: number; status: string }[]>(
          await api.Pipelines.all(project, { sha, perPage: 20, maxPages: 1 }),
        );
        const latest = pipelines.sort((a, b) => b.id - a.id)[0];
        if (!latest) return { state: 'none' as const, jobs: [] };
        const jobs = as<{ id: number; name: string; status: string; web_url?: string }[]>(
          await api.Jobs.all(project, { pipelineId: latest.id, perPage: 100 }),
        ).map((job) => ({
          id: String(job.id),
          name: job.name,
          state: jobState(job.status),
          url: job.web_url ?? null,
        }));
        const state =
          latest.status === 'success' ? 'success' : latest.status === 'failed' ? 'failure' : 'pending';
        return { state, jobs };
      }),
    jobLogTail: (jobId, maxBytes = 8192) =>
      call('jobLogTail', async () => {
        const log = (await api.Jobs.showLog(project, Number(jobId))) as unknown;
        return tail(typeof log === 'string' ? log : String(log), maxBytes);
      }),
    tokenPermission: () =>
      call('tokenPermission', async () => {
        const data = as<{
          permissions?: { project_access?: AccessData | null; group_access?: AccessData | null };
        }>(await api.Projects.show(project));
        const access = Math.max(
          data.permissions?.project_access?.access_level ?? 0,
          data.permissions?.group_access?.access_level ?? 0,
        );
        return levelOf(access);
      }),
    userPermission: (login) =>
      call('userPermission', async () => {
        const id = await userId(login);
        if (id === null) return 'none';
        try {
          const member = as<AccessData>(
            await api.ProjectMembers.show(project, id, { includeInherited: true }),
          );
          return levelOf(member.access_level);
        } catch (error) {
          if (error instanceof GitlabHttpFailure && error.failure.status === 404) return 'none';
          throw error;
        }
      }),
  };
}
