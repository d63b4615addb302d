/**
 * The sandbox's model of one forge: the records GitHub and GitLab share under different names. A pull request
 * here is a GitLab merge request too (`number` is its `iid`); a comment is a GitHub issue or review comment, or a
 * GitLab note; a CI run is a GitHub workflow run with its check suite, or a GitLab pipeline.
 */

export const ForgeKind = { GitHub: 'github', GitLab: 'gitlab' } as const satisfies Record<string, string>;
export type ForgeKind = (typeof ForgeKind)[keyof typeof ForgeKind];

/** What a token or a member may do on a repository, weakest first. */
export const accessLevels = ['none', 'read', 'write', 'admin'] as const;
export type AccessLevel = (typeof accessLevels)[number];

export function atLeast(level: AccessLevel, wanted: AccessLevel): boolean {
  return accessLevels.indexOf(level) >= accessLevels.indexOf(wanted);
}

export interface UserRecord {
  id: number;
  login: string;
  name: string;
  email: string;
}

export interface TokenRecord {
  value: string;
  userId: number;
  /** The most the token may do on any repository (a fine-grained token's permission, a GitLab token's scope). */
  access: Exclude<AccessLevel, 'none'>;
  revoked: boolean;
}

export interface RepoRecord {
  id: number;
  /** GitHub `owner/name`; GitLab `path_with_namespace`. */
  fullName: string;
  owner: string;
  name: string;
  defaultBranch: string;
  /** The bare repository on disk. */
  dir: string;
  /** Users' roles on the repository; the owner of every token created for it is one. */
  members: Record<number, Exclude<AccessLevel, 'none'>>;
  createdAt: string;
}

export const PullState = { Open: 'open', Closed: 'closed', Merged: 'merged' } as const satisfies Record<
  string,
  string
>;
export type PullState = (typeof PullState)[keyof typeof PullState];

export interface PullRecord {
  repoId: number;
  /** Global id (GitHub `id`, GitLab `id`). */
  id: number;
  /** Per repository (GitHub `number`, GitLab `iid`). */
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  headSha: string;
  /** The base branch's commit when the pull request was opened (GitLab's `diff_refs.base_sha`). */
  baseSha: string;
  state: PullState;
  draft: boolean;
  authorId: number;
  labels: string[];
  requestedReviewerIds: number[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  mergedById: number | null;
}

export const ReviewState = {
  Approved: 'APPROVED',
  ChangesRequested: 'CHANGES_REQUESTED',
  Commented: 'COMMENTED',
} as const satisfies Record<string, string>;
export type ReviewState = (typeof ReviewState)[keyof typeof ReviewState];

export interface ReviewRecord {
  repoId: number;
  id: number;
  number: number;
  userId: number;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: string;
}

/**
 * A comment on a pull request. `kind: 'issue'` is a conversation comment (GitHub issue comment, GitLab note of its
 * own); `'review'` is on a line of a file (GitHub review comment, GitLab DiffNote) and belongs to a thread.
 */
export interface CommentRecord {
  repoId: number;
  id: number;
  number: number;
  kind: 'issue' | 'review';
  authorId: number;
  body: string;
  /** The first comment's id on GitHub; GitLab's discussion id (40 hex). */
  threadId: string;
  inReplyToId: number | null;
  reviewId: number | null;
  path: string | null;
  line: number | null;
  commitId: string | null;
  /** A note GitLab writes itself ("added 1 commit"). */
  system: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface CiJobRecord {
  id: number;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | null;
  log: string;
  startedAt: string | null;
  completedAt: string | null;
}

/** A CI run on one commit: a GitHub workflow run (and its check suite and check runs), or a GitLab pipeline. */
export interface CiRunRecord {
  repoId: number;
  id: number;
  /** The check suite's id on GitHub. */
  suiteId: number;
  /** Per repository (GitHub `run_number`, GitLab pipeline `iid`). */
  number: number;
  name: string;
  branch: string;
  sha: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion: 'success' | 'failure' | null;
  jobs: CiJobRecord[];
  createdAt: string;
  updatedAt: string;
}

export interface WebhookRecord {
  id: number;
  repoId: number;
  url: string;
  /** GitHub's HMAC secret, or GitLab's secret token. */
  secret: string;
  /** GitHub event names or GitLab hook names; empty means every event. */
  events: string[];
  active: boolean;
}

export interface ForgeState {
  nextId: number;
  users: UserRecord[];
  tokens: TokenRecord[];
  repos: RepoRecord[];
  pulls: PullRecord[];
  reviews: ReviewRecord[];
  comments: CommentRecord[];
  ciRuns: CiRunRecord[];
  webhooks: WebhookRecord[];
  /** Reviewer states on GitLab merge requests, by `repoId:iid:userId`. */
  reviewerStates: Record<string, string>;
}

export function emptyState(): ForgeState {
  return {
    nextId: 1000,
    users: [],
    tokens: [],
    repos: [],
    pulls: [],
    reviews: [],
    comments: [],
    ciRuns: [],
    webhooks: [],
    reviewerStates: {},
  };
}
