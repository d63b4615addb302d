import { randomBytes } from 'node:crypto';
import { branchHead, commitsBetween, deleteBranch, listBranches, mergeIntoBase } from '../git/bare-repo.js';
import type { ForgeEvent } from './events.js';
import type { ForgeStore } from './store.js';
import {
  type CiJobRecord,
  type CiRunRecord,
  type CommentRecord,
  type PullRecord,
  PullState,
  type RepoRecord,
  type ReviewRecord,
  type ReviewState,
  type UserRecord,
} from './types.js';

/** What operations work on: the forge's records, and where the events they cause go. */
export interface OpsContext {
  store: ForgeStore;
  emit(event: ForgeEvent): void;
}

/** Why an operation was refused, in the forge's terms; each forge's routes answer it with its own status and body. */
export type Refusal =
  | { reason: 'duplicate'; existing: PullRecord }
  | {
      reason:
        | 'head_missing'
        | 'base_missing'
        | 'no_commits'
        | 'not_open'
        | 'conflict'
        | 'sha_mismatch'
        | 'moved';
    }
  | { reason: 'unknown_user'; login: string }
  | { reason: 'unknown_thread' };

export type Result<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };
const done = <T>(value: T): Result<T> => ({ ok: true, value });
const refuse = (refusal: Refusal): Result<never> => ({ ok: false, refusal });

export interface OpenPullInput {
  title: string;
  body: string;
  head: string;
  base: string;
  draft?: boolean;
}

export async function openPull(
  ctx: OpsContext,
  repo: RepoRecord,
  actor: UserRecord,
  input: OpenPullInput,
): Promise<Result<PullRecord>> {
  const existing = ctx.store
    .pulls(repo.id)
    .find((pull) => pull.state === PullState.Open && pull.head === input.head && pull.base === input.base);
  if (existing) return refuse({ reason: 'duplicate', existing });
  const headSha = await branchHead(repo.dir, input.head);
  if (headSha === null) return refuse({ reason: 'head_missing' });
  const baseSha = await branchHead(repo.dir, input.base);
  if (baseSha === null) return refuse({ reason: 'base_missing' });
  if ((await commitsBetween(repo.dir, baseSha, headSha)).length === 0)
    return refuse({ reason: 'no_commits' });
  const now = ctx.store.now();
  const pull: PullRecord = {
    repoId: repo.id,
    id: ctx.store.id(),
    number: ctx.store.nextNumber(repo.id),
    title: input.title,
    body: input.body,
    head: input.head,
    base: input.base,
    headSha,
    baseSha,
    state: PullState.Open,
    draft: input.draft ?? false,
    authorId: actor.id,
    labels: [],
    requestedReviewerIds: [],
    createdAt: now,
    updatedAt: now,
    closedAt: null,
    mergedAt: null,
    mergeCommitSha: null,
    mergedById: null,
  };
  ctx.store.state.pulls.push(pull);
  ctx.emit({ type: 'pull.opened', repo, pull, actor });
  return done(pull);
}

export interface EditPullInput {
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
}

export function editPull(
  ctx: OpsContext,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  input: EditPullInput,
): Result<PullRecord> {
  const changes: { title?: string; body?: string } = {};
  if (input.title !== undefined && input.title !== pull.title) {
    changes.title = pull.title;
    pull.title = input.title;
  }
  if (input.body !== undefined && input.body !== pull.body) {
    changes.body = pull.body;
    pull.body = input.body;
  }
  const now = ctx.store.now();
  if (Object.keys(changes).length > 0) {
    pull.updatedAt = now;
    ctx.emit({ type: 'pull.edited', repo, pull, actor, changes });
  }
  if (input.state === 'closed' && pull.state === PullState.Open) {
    Object.assign(pull, { state: PullState.Closed, closedAt: now, updatedAt: now });
    ctx.emit({ type: 'pull.closed', repo, pull, actor });
  } else if (input.state === 'open' && pull.state === PullState.Closed) {
    Object.assign(pull, { state: PullState.Open, closedAt: null, updatedAt: now });
    ctx.emit({ type: 'pull.reopened', repo, pull, actor });
  } else if (input.state === 'open' && pull.state === PullState.Merged) {
    return refuse({ reason: 'not_open' });
  }
  return done(pull);
}

export interface MergePullInput {
  sha?: string;
  method?: 'merge' | 'squash';
  message?: string;
}

export async function mergePull(
  ctx: OpsContext,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  input: MergePullInput,
): Promise<Result<PullRecord>> {
  if (pull.state !== PullState.Open) return refuse({ reason: 'not_open' });
  if (input.sha !== undefined && input.sha !== pull.headSha) return refuse({ reason: 'sha_mismatch' });
  const method = input.method ?? 'merge';
  const message =
    input.message ??
    (method === 'merge'
      ? `Merge pull request #${pull.number} from ${repo.owner}/${pull.head}\n\n${pull.title}`
      : `${pull.title} (#${pull.number})`);
  const before = (await branchHead(repo.dir, pull.base)) ?? '';
  const merged = await mergeIntoBase(repo.dir, {
    base: pull.base,
    headSha: pull.headSha,
    method,
    message,
    identity: { name: actor.name, email: actor.email },
  });
  if (merged.kind !== 'merged') return refuse({ reason: merged.kind });
  const now = ctx.store.now();
  Object.assign(pull, {
    state: PullState.Merged,
    mergedAt: now,
    closedAt: now,
    updatedAt: now,
    mergeCommitSha: merged.sha,
    mergedById: actor.id,
  });
  ctx.emit({
    type: 'push',
    repo,
    actor,
    branch: pull.base,
    before,
    after: merged.sha,
    commits: [merged.sha],
  });
  ctx.emit({ type: 'pull.merged', repo, pull, actor });
  return done(pull);
}

export function addLabels(
  ctx: OpsContext,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  labels: string[],
) {
  for (const label of labels) {
    if (pull.labels.includes(label)) continue;
    pull.labels.push(label);
    pull.updatedAt = ctx.store.now();
    ctx.emit({ type: 'pull.labeled', repo, pull, actor, label });
  }
}

export function requestReviewers(
  ctx: OpsContext,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  logins: string[],
): Result<PullRecord> {
  const reviewers: UserRecord[] = [];
  for (const login of logins) {
    const user = ctx.store.userByLogin(login);
    if (!user || repo.members[user.id] === undefined) return refuse({ reason: 'unknown_user', login });
    reviewers.push(user);
  }
  for (const reviewer of reviewers) {
    if (pull.requestedReviewerIds.includes(reviewer.id)) continue;
    pull.requestedReviewerIds.push(reviewer.id);
    pull.updatedAt = ctx.store.now();
    ctx.emit({ type: 'pull.review_requested', repo, pull, actor, reviewer });
  }
  return done(pull);
}

/** GitLab's discussion ids are 40 hex characters; GitHub threads are named by their first comment. */
function newThreadId(ctx: OpsContext, firstCommentId: number): string {
  return ctx.store.kind === 'gitlab' ? randomBytes(20).toString('hex') : String(firstCommentId);
}

export interface LineComment {
  path: string;
  line: number;
  body: string;
}

function newComment(
  ctx: OpsContext,
  pull: PullRecord,
  actor: UserRecord,
  fields: Pick<CommentRecord, 'kind' | 'body'> & Partial<CommentRecord>,
): CommentRecord {
  const id = ctx.store.id();
  const now = ctx.store.now();
  const comment: CommentRecord = {
    repoId: pull.repoId,
    id,
    number: pull.number,
    authorId: actor.id,
    threadId: newThreadId(ctx, id),
    inReplyToId: null,
    reviewId: null,
    path: null,
    line: null,
    commitId: null,
    system: false,
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
  ctx.store.state.comments.push(comment);
  return comment;
}

/** A conversation comment (GitHub issue comment, GitLab note). */
export function addComment(
  ctx: OpsContext,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  body: string,
): CommentRecord {
  const comment = newComment(ctx, pull, actor, { kind: 'issue', body });
  ctx.emit({ type: 'comment.created', repo, pull, actor, comment });
  return comment;
}

/** A comment on a line that opens a thread of its own. */
export function addLineComment(
  ctx: OpsContext,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  line: LineComment,
  reviewId: number | null = null,
  announce = true,
): CommentRecord {
  const comment = newComment(ctx, pull, actor, {
    kind: 'review',
    body: line.body,
    path: line.path,
    line: line.line,
    commitId: pull.headSha,
    reviewId,
  });
  if (announce) ctx.emit({ type: 'comment.created', repo, pull, actor, comment });
  return comment;
}

/** A reply in the thread `threadId` (GitHub: the id of any comment in it; GitLab: the discussion id). */
export function replyInThread(
  ctx: OpsContext,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  threadId: string,
  body: string,
): Result<CommentRecord> {
  const thread = ctx.store
    .comments(repo.id, pull.number)
    .filter((comment) => comment.threadId === threadId || String(comment.id) === threadId);
  const first = thread[0];
  if (!first) return refuse({ reason: 'unknown_thread' });
  const comment = newComment(ctx, pull, actor, {
    kind: first.kind,
    body,
    threadId: first.threadId,
    inReplyToId: first.kind === 'review' ? Number(first.threadId) || first.id : null,
    path: first.path,
    line: first.line,
    commitId: first.commitId,
  });
  ctx.emit({ type: 'comment.created', repo, pull, actor, comment });
  return done(comment);
}

export interface ReviewInput {
  state: ReviewState;
  body: string;
  comments?: LineComment[];
}

/** A submitted review with its line comments, as one event (GitHub sends one review and one event per comment). */
export function submitReview(
  ctx: OpsContext,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  input: ReviewInput,
): ReviewRecord {
  const review: ReviewRecord = {
    repoId: repo.id,
    id: ctx.store.id(),
    number: pull.number,
    userId: actor.id,
    state: input.state,
    body: input.body,
    commitId: pull.headSha,
    submittedAt: ctx.store.now(),
  };
  ctx.store.state.reviews.push(review);
  const comments = (input.comments ?? []).map((line) =>
    addLineComment(ctx, repo, pull, actor, line, review.id, false),
  );
  // GitHub drops a reviewer from the requested list once they review; GitLab keeps them with a reviewer state.
  const key = `${repo.id}:${pull.number}:${actor.id}`;
  const previousReviewerState = ctx.store.state.reviewerStates[key] ?? 'unreviewed';
  ctx.store.state.reviewerStates[key] =
    input.state === 'APPROVED'
      ? 'approved'
      : input.state === 'CHANGES_REQUESTED'
        ? 'requested_changes'
        : 'reviewed';
  if (ctx.store.kind === 'github') {
    pull.requestedReviewerIds = pull.requestedReviewerIds.filter((id) => id !== actor.id);
  } else if (!pull.requestedReviewerIds.includes(actor.id)) {
    pull.requestedReviewerIds.push(actor.id);
  }
  ctx.emit({ type: 'review.submitted', repo, pull, actor, review, comments, previousReviewerState });
  return review;
}

export interface CiJobInput {
  name: string;
  conclusion: 'success' | 'failure';
  log?: string;
}

/** A finished CI run on `sha` of `branch`: the run is requested, each job completes, then the run does. */
export function reportCi(
  ctx: OpsContext,
  repo: RepoRecord,
  actor: UserRecord,
  input: { sha: string; branch: string; name?: string; jobs: CiJobInput[] },
): CiRunRecord {
  const now = ctx.store.now();
  const jobs: CiJobRecord[] = input.jobs.map((job) => ({
    id: ctx.store.id(),
    name: job.name,
    status: 'completed',
    conclusion: job.conclusion,
    log: job.log ?? `${job.name}: ${job.conclusion}\n`,
    startedAt: now,
    completedAt: now,
  }));
  const run: CiRunRecord = {
    repoId: repo.id,
    id: ctx.store.id(),
    suiteId: ctx.store.id(),
    number: ctx.store.ciRuns(repo.id).length + 1,
    name: input.name ?? 'CI',
    branch: input.branch,
    sha: input.sha,
    status: 'queued',
    conclusion: null,
    jobs: jobs.map((job) => ({ ...job, status: 'queued', conclusion: null, completedAt: null })),
    createdAt: now,
    updatedAt: now,
  };
  ctx.store.state.ciRuns.push(run);
  ctx.emit({ type: 'ci.requested', repo, run: structuredClone(run), actor });
  run.status = 'in_progress';
  for (const [index, job] of jobs.entries()) {
    run.jobs[index] = job;
    ctx.emit({ type: 'ci.job_completed', repo, run: structuredClone(run), job, actor });
  }
  run.status = 'completed';
  run.conclusion = jobs.every((job) => job.conclusion === 'success') ? 'success' : 'failure';
  run.updatedAt = ctx.store.now();
  ctx.emit({ type: 'ci.completed', repo, run, actor });
  return run;
}

/** After a push landed: a push event per changed branch, and open pull requests from it follow their head. */
export async function afterPush(
  ctx: OpsContext,
  repo: RepoRecord,
  actor: UserRecord,
  before: Map<string, string>,
): Promise<void> {
  const after = await listBranches(repo.dir);
  const zero = '0'.repeat(40);
  for (const branch of new Set([...before.keys(), ...after.keys()])) {
    const old = before.get(branch) ?? zero;
    const now = after.get(branch) ?? zero;
    if (old === now) continue;
    const commits =
      now === zero ? [] : await commitsBetween(repo.dir, old === zero ? repo.defaultBranch : old, now);
    ctx.emit({ type: 'push', repo, actor, branch, before: old, after: now, commits });
    if (now === zero) continue;
    for (const pull of ctx.store.pulls(repo.id)) {
      if (pull.state !== PullState.Open || pull.head !== branch) continue;
      const previous = pull.headSha;
      pull.headSha = now;
      pull.updatedAt = ctx.store.now();
      ctx.emit({ type: 'pull.synchronized', repo, pull, actor, before: previous });
    }
  }
}

export async function removeBranch(repo: RepoRecord, branch: string): Promise<boolean> {
  return deleteBranch(repo.dir, branch);
}
