import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { Logger } from 'pino';
import { errorOfResponse, type ForgeCallSite, ForgeUnavailableError } from './errors.js';
import { type ForgeMetrics, instrumentedFetch } from './metrics.js';
import { defaultRetryPolicy, type ForgeRetryPolicy, withinBudget } from './policy.js';
import type {
  CiJob,
  CiStatus,
  ForgeClient,
  PullRequest,
  RepoPermission,
  Review,
  ReviewComment,
} from './types.js';

export interface GithubClientOptions {
  /** `owner/name`. */
  repo: string;
  token: string;
  /** `https://api.github.com` (the default), or a GitHub Enterprise Server's `https://HOST/api/v3`. */
  apiUrl?: string;
  metrics: ForgeMetrics;
  logger: Logger;
  retry?: ForgeRetryPolicy;
  /**
   * Least time between two writes, and between two writes that notify people (GitHub's advice against its
   * secondary limits: one write a second, more for notifications). Defaults 1000 and 3000 ms; tests lower them.
   */
  writePacingMs?: { writes: number; notifications: number };
}

const RetryingOctokit = Octokit.plugin(retry, throttling);

/** The fields of GitHub's `pull-request` and `pull-request-simple` that Tundra reads. */
interface PullData {
  number: number;
  html_url: string;
  state: string;
  title: string;
  body?: string | null;
  head: { ref: string; sha: string };
  base: { ref: string };
  merged_at?: string | null;
  merge_commit_sha?: string | null;
  draft?: boolean;
  user?: { login: string } | null;
  created_at: string;
  updated_at: string;
}

function pullOf(data: PullData): PullRequest {
  return {
    number: data.number,
    url: data.html_url,
    state: data.merged_at ? 'merged' : data.state === 'open' ? 'open' : 'closed',
    title: data.title,
    body: data.body ?? '',
    head: data.head.ref,
    base: data.base.ref,
    headSha: data.head.sha,
    mergeCommitSha: data.merged_at ? (data.merge_commit_sha ?? null) : null,
    draft: data.draft ?? false,
    author: data.user?.login ?? '',
    createdAt: data.created_at,
    updatedAt: data.updated_at,
    mergedAt: data.merged_at ?? null,
  };
}

const reviewStates: Record<string, Review['state'] | undefined> = {
  APPROVED: 'approved',
  CHANGES_REQUESTED: 'changes_requested',
  COMMENTED: 'commented',
};

const after = (since: string | undefined, at: string | null | undefined) =>
  since === undefined || (at != null && Date.parse(at) >= Date.parse(since));

function jobState(run: { status: string; conclusion?: string | null }): CiJob['state'] {
  if (run.status !== 'completed') return run.status === 'in_progress' ? 'running' : 'pending';
  if (run.conclusion === 'success' || run.conclusion === 'neutral') return 'success';
  if (run.conclusion === 'skipped') return 'skipped';
  return 'failure';
}

/** The GitHub side of `ForgeClient`, on `@octokit/rest` with the retry and throttling plugins. */
export function createGithubClient(options: GithubClientOptions): ForgeClient {
  const policy = options.retry ?? defaultRetryPolicy;
  const apiUrl = (options.apiUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const [owner, name] = options.repo.split('/') as [string, string];
  if (!owner || !name) throw new Error(`a GitHub repository is owner/name, not ${options.repo}`);
  const base = { owner, repo: name };
  const pacing = options.writePacingMs ?? { writes: 1000, notifications: 3000 };
  const started = new WeakMap<object, number>();
  const startOf = (request: object) => {
    if (!started.has(request)) started.set(request, Date.now());
    return started.get(request)!;
  };
  const decide =
    (kind: string) =>
    (retryAfter: number, request: { url?: string }, _octokit: unknown, retryCount: number) => {
      const wait = retryAfter * 1000;
      const go = withinBudget(policy, retryCount + 1, startOf(request), wait);
      options.logger.warn(
        { forge: 'github', url: request.url, retryAfterMs: wait, retryCount, retrying: go },
        `GitHub ${kind} rate limit`,
      );
      return go;
    };
  const octokit = new RetryingOctokit({
    auth: options.token,
    baseUrl: apiUrl,
    userAgent: 'tundra',
    request: {
      fetch: instrumentedFetch({
        forge: 'github',
        apiPrefix: new URL(apiUrl).pathname.replace(/\/$/, ''),
        metrics: options.metrics,
        timeoutMs: policy.timeoutMs,
      }),
    },
    // 5xx only: rate limits are the throttling plugin's, and a 4xx fails the same way again.
    retry: {
      retries: policy.maxAttempts - 1,
      doNotRetry: [400, 401, 403, 404, 405, 409, 410, 422, 429, 451],
    },
    throttle: {
      onRateLimit: decide('primary'),
      onSecondaryRateLimit: decide('secondary'),
      write: new Bottleneck.Group({ maxConcurrent: 1, minTime: pacing.writes }),
      notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: pacing.notifications }),
    },
    log: {
      debug: () => {},
      info: () => {},
      warn: (message: string) => options.logger.warn({ forge: 'github' }, message),
      error: (message: string) => options.logger.error({ forge: 'github' }, message),
    },
  });

  /** Runs one operation and turns Octokit's failures into `ForgeError`s. */
  async function call<T>(operation: string, run: () => Promise<T>, head?: string): Promise<T> {
    const site: ForgeCallSite = { forge: 'github', operation, repo: options.repo };
    try {
      return await run();
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      const response = (error as { response?: { headers?: Record<string, string>; data?: unknown } })
        .response;
      if (typeof status === 'number' && status >= 400 && response) {
        throw errorOfResponse(site, { status, headers: response.headers ?? {}, body: response.data }, head);
      }
      throw new ForgeUnavailableError(site, error instanceof Error ? error.message : String(error), {
        cause: error,
      });
    }
  }

  const findByHead = async (branch: string) => {
    const { data } = await octokit.rest.pulls.list({
      ...base,
      head: `${owner}:${branch}`,
      state: 'all',
      per_page: 100,
    });
    const open = data.find((pull) => pull.state === 'open');
    return open ?? data.sort((a, b) => b.number - a.number)[0] ?? null;
  };

  const permissionOf = (
    data: { admin?: boolean; maintain?: boolean; push?: boolean; pull?: boolean } | undefined,
  ): RepoPermission =>
    data?.admin || data?.maintain ? 'admin' : data?.push ? 'write' : data?.pull ? 'read' : 'none';

  return {
    forge: 'github',
    repo: options.repo,
    findPullRequestByHead: (branch) =>
      call('findPullRequestByHead', async () => {
        const found = await findByHead(branch);
        return found ? pullOf(found) : null;
      }),
    openPullRequest: (input) =>
      call(
        'openPullRequest',
        async () => {
          const existing = await findByHead(input.head);
          if (existing && existing.state === 'open') return { pullRequest: pullOf(existing), created: false };
          try {
            const { data } = await octokit.rest.pulls.create({
              ...base,
              head: input.head,
              base: input.base,
              title: input.title,
              body: input.body,
              draft: input.draft ?? false,
            });
            return { pullRequest: pullOf(data), created: true };
          } catch (error) {
            // Someone (a retry, a concurrent worker) opened it between the look-up and the create: 422 "already exists".
            const message = JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? '');
            if ((error as { status?: number }).status !== 422 || !/already exists/i.test(message))
              throw error;
            const found = await findByHead(input.head);
            if (!found) throw error;
            return { pullRequest: pullOf(found), created: false };
          }
        },
        input.head,
      ),
    updatePullRequest: (number, changes) =>
      call('updatePullRequest', async () =>
        pullOf((await octokit.rest.pulls.update({ ...base, pull_number: number, ...changes })).data),
      ),
    getPullRequest: (number) =>
      call('getPullRequest', async () =>
        pullOf((await octokit.rest.pulls.get({ ...base, pull_number: number })).data),
      ),
    closePullRequest: (number) =>
      call('closePullRequest', async () =>
        pullOf((await octokit.rest.pulls.update({ ...base, pull_number: number, state: 'closed' })).data),
      ),
    listReviews: (number, since) =>
      call('listReviews', async () => {
        const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
          ...base,
          pull_number: number,
          per_page: 100,
        });
        return reviews
          .filter((review) => reviewStates[review.state] !== undefined && after(since, review.submitted_at))
          .map((review) => ({
            id: String(review.id),
            author: review.user?.login ?? '',
            state: reviewStates[review.state]!,
            body: review.body ?? '',
            submittedAt: review.submitted_at ?? null,
            commitId: review.commit_id ?? null,
          }));
      }),
    listReviewComments: (number, since) =>
      call('listReviewComments', async () => {
        const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
          ...base,
          pull_number: number,
          per_page: 100,
          ...(since ? { since } : {}),
        });
        return comments.map(
          (comment): ReviewComment => ({
            id: String(comment.id),
            threadId: String(comment.in_reply_to_id ?? comment.id),
            author: comment.user?.login ?? '',
            body: comment.body,
            path: comment.path,
            line: comment.line ?? comment.original_line ?? null,
            reviewId: comment.pull_request_review_id === null ? null : String(comment.pull_request_review_id),
            inReplyTo: comment.in_reply_to_id === undefined ? null : String(comment.in_reply_to_id),
            createdAt: comment.created_at,
          }),
        );
      }),
    listComments: (number, since) =>
      call('listComments', async () => {
        const comments = await octokit.paginate(octokit.rest.issues.listComments, {
          ...base,
          issue_number: number,
          per_page: 100,
          ...(since ? { since } : {}),
        });
        return comments.map((comment) => ({
          id: String(comment.id),
          author: comment.user?.login ?? '',
          body: comment.body ?? '',
          createdAt: comment.created_at,
        }));
      }),
    comment: (number, body) =>
      call('comment', async () => {
        const { data } = await octokit.rest.issues.createComment({ ...base, issue_number: number, body });
        return {
          id: String(data.id),
          author: data.user?.login ?? '',
          body: data.body ?? '',
          createdAt: data.created_at,
        };
      }),
    replyToThread: (number, threadId, body) =>
      call('replyToThread', async () => {
        const { data } = await octokit.rest.pulls.createReplyForReviewComment({
          ...base,
          pull_number: number,
          comment_id: Number(threadId),
          body,
        });
        return {
          id: String(data.id),
          threadId,
          author: data.user?.login ?? '',
          body: data.body,
          path: data.path,
          line: data.line ?? null,
          reviewId: data.pull_request_review_id === null ? null : String(data.pull_request_review_id),
          inReplyTo: data.in_reply_to_id === undefined ? null : String(data.in_reply_to_id),
          createdAt: data.created_at,
        };
      }),
    requestReviewers: (number, logins) =>
      call('requestReviewers', async () => {
        await octokit.rest.pulls.requestReviewers({ ...base, pull_number: number, reviewers: [...logins] });
      }),
    addLabels: (number, labels) =>
      call('addLabels', async () => {
        await octokit.rest.issues.addLabels({ ...base, issue_number: number, labels: [...labels] });
      }),
    deleteBranch: (branch) =>
      call('deleteBranch', async () => {
        try {
          await octokit.rest.git.deleteRef({ ...base, ref: `heads/${branch}` });
          return true;
        } catch (error) {
          if ((error as { status?: number }).status === 422) return false;
          throw error;
        }
      }),
    ciStatus: (sha) =>
      call('ciStatus', async (): Promise<CiStatus> => {
        const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
          ...base,
          ref: sha,
          per_page: 100,
        });
        // A re-run adds a check run with the same name: the latest one per name speaks.
        const latest = new Map<string, (typeof runs)[number]>();
        for (const run of runs) {
          const seen = latest.get(run.name);
          if (!seen || (run.started_at ?? '') >= (seen.started_at ?? '')) latest.set(run.name, run);
        }
        const jobs = [...latest.values()].map((run) => ({
          id: String(run.id),
          name: run.name,
          state: jobState(run),
          url: run.html_url ?? null,
        }));
        const state =
          jobs.length === 0
            ? 'none'
            : jobs.some((job) => job.state === 'failure')
              ? 'failure'
              : jobs.every((job) => job.state === 'success' || job.state === 'skipped')
                ? 'success'
                : 'pending';
        return { state, jobs };
      }),
    jobLogTail: (jobId, maxBytes = 8192) =>
      call('jobLogTail', async () => {
        const { data } = await octokit.rest.actions.downloadJobLogsForWorkflowRun({
          ...base,
          job_id: Number(jobId),
        });
        return tail(typeof data === 'string' ? data : String(data), maxBytes);
      }),
    tokenPermission: () =>
      call('tokenPermission', async () =>
        permissionOf((await octokit.rest.repos.get(base)).data.permissions),
      ),
    userPermission: (login) =>
      call('userPermission', async () => {
        try {
          const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
            ...base,
            username: login,
          });
          return (
            (['admin', 'write', 'read'] as const).find((level) => level === data.permission) ??
            (data.permission === 'maintain' ? 'admin' : 'none')
          );
        } catch (error) {
          if ((error as { status?: number }).status === 404) return 'none';
          throw error;
        }
      }),
  };
}

/** The last `maxBytes` of a log, cut at a line start. */
export function tail(log: string, maxBytes: number): string {
  const bytes = Buffer.from(log, 'utf8');
  if (bytes.length <= maxBytes) return log;
  const cut = bytes.subarray(bytes.length - maxBytes).toString('utf8');
  const newline = cut.indexOf('\n');
  return newline === -1 ? cut : cut.slice(newline + 1);
}
