/** The forges Tundra delivers to. */
export const Forge = { GitHub: 'github', GitLab: 'gitlab' } as const satisfies Record<string, string>;
export type Forge = (typeof Forge)[keyof typeof Forge];

/** A GitHub pull request or a GitLab merge request (`number` is the MR's `iid`). */
export interface PullRequest {
  number: number;
  /** The page a person opens. */
  url: string;
  state: 'open' | 'closed' | 'merged';
  title: string;
  body: string;
  head: string;
  base: string;
  headSha: string;
  mergeCommitSha: string | null;
  draft: boolean;
  author: string;
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
}

export interface Review {
  id: string;
  author: string;
  state: 'approved' | 'changes_requested' | 'commented';
  body: string;
  /** When it was submitted; null where the forge does not say (GitLab's reviewer states). */
  submittedAt: string | null;
  commitId: string | null;
}

/** A comment on a line of a file, in a thread. */
export interface ReviewComment {
  id: string;
  /** Pass to `replyToThread` (GitHub: the first comment's id; GitLab: the discussion id). */
  threadId: string;
  author: string;
  body: string;
  path: string;
  line: number | null;
  /** The review it was submitted with (GitHub), or null. */
  reviewId: string | null;
  inReplyTo: string | null;
  createdAt: string;
}

/** A comment in the conversation (GitHub issue comment, GitLab note outside a diff). */
export interface Comment {
  id: string;
  author: string;
  body: string;
  createdAt: string;
}

export interface CiJob {
  id: string;
  name: string;
  state: 'pending' | 'running' | 'success' | 'failure' | 'skipped';
  url: string | null;
}

/** CI on one commit: the check runs of GitHub (every app's), or the latest GitLab pipeline for it. */
export interface CiStatus {
  state: 'none' | 'pending' | 'success' | 'failure';
  jobs: CiJob[];
}

export type RepoPermission = 'none' | 'read' | 'write' | 'admin';

export interface OpenPullRequestInput {
  head: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
}

/**
 * What Tundra asks of a forge, the same for GitHub and GitLab. Every method throws a `ForgeError`
 * (`./errors.ts`): a bad or revoked token is `ForgeAuthError` (not retryable: the run blocks), a rate limit that
 * outlasts the retry budget is `ForgeRateLimitedError` (a `RetryAfterError`).
 */
export interface ForgeClient {
  readonly forge: Forge;
  /** GitHub `owner/name`; GitLab project path or numeric id. */
  readonly repo: string;
  /** The open PR from `branch`, else the most recent one in any state, else null. */
  findPullRequestByHead(branch: string): Promise<PullRequest | null>;
  /** Opens a PR, or returns the open one from the same head: never two (GitHub's 422 and GitLab's 409 included). */
  openPullRequest(input: OpenPullRequestInput): Promise<{ pullRequest: PullRequest; created: boolean }>;
  updatePullRequest(number: number, changes: { title?: string; body?: string }): Promise<PullRequest>;
  getPullRequest(number: number): Promise<PullRequest>;
  closePullRequest(number: number): Promise<PullRequest>;
  /**
   * Reviews submitted at or after `since` when given. GitLab keeps only each reviewer's current verdict, without a
   * time: its verdicts are all returned, whatever `since`, with a stable id per reviewer and verdict.
   */
  listReviews(number: number, since?: string): Promise<Review[]>;
  listReviewComments(number: number, since?: string): Promise<ReviewComment[]>;
  listComments(number: number, since?: string): Promise<Comment[]>;
  comment(number: number, body: string): Promise<Comment>;
  replyToThread(number: number, threadId: string, body: string): Promise<ReviewComment>;
  requestReviewers(number: number, logins: readonly string[]): Promise<void>;
  addLabels(number: number, labels: readonly string[]): Promise<void>;
  /** False when the branch was already gone. */
  deleteBranch(branch: string): Promise<boolean>;
  ciStatus(sha: string): Promise<CiStatus>;
  /** The last `maxBytes` of a job's log (a GitHub Actions job or a GitLab job). */
  jobLogTail(jobId: string, maxBytes?: number): Promise<string>;
  /** What the client's own token may do on the repository. */
  tokenPermission(): Promise<RepoPermission>;
  /** What a user may do on the repository ('none' for a stranger). */
  userPermission(login: string): Promise<RepoPermission>;
}
