import type { ForgeStore } from '../model/store.js';
import type { CommentRecord, PullRecord, RepoRecord, ReviewRecord } from '../model/types.js';
import { githubRepo, githubUser } from './serialize-repo.js';
import { type GithubUrls, nodeId } from './urls.js';

/** What serializers read: the URLs and the records. */
export interface GithubView {
  urls: GithubUrls;
  store: ForgeStore;
}

/** How the author relates to the repository, as GitHub says it. */
function association(repo: RepoRecord, userId: number): string {
  const role = repo.members[userId];
  if (role === 'admin') return 'OWNER';
  return role === 'write' ? 'COLLABORATOR' : 'NONE';
}

/** A label's id and color are made from its name: the sandbox creates labels when they are first used. */
export function githubLabel(view: GithubView, repo: RepoRecord, name: string) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return {
    id: hash,
    node_id: nodeId('Label', hash),
    url: `${view.urls.api}/repos/${repo.fullName}/labels/${encodeURIComponent(name)}`,
    name,
    color: (hash & 0xffffff).toString(16).padStart(6, '0'),
    default: false,
    description: null,
  };
}

function branchRef(view: GithubView, repo: RepoRecord, ref: string, sha: string) {
  const owner = view.store.ensureUser(repo.owner);
  return {
    label: `${repo.owner}:${ref}`,
    ref,
    sha,
    user: githubUser(view.urls, owner),
    repo: githubRepo(view.urls, repo, owner),
  };
}

/** A `pull-request-simple` (lists), or with `full` the `pull-request` of `GET /pulls/{n}`. */
export function githubPull(view: GithubView, repo: RepoRecord, pull: PullRecord, full: boolean) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  const url = `${api}/pulls/${pull.number}`;
  const html = `${view.urls.web}/${repo.fullName}/pull/${pull.number}`;
  const link = (href: string) => ({ href });
  const reviewers = pull.requestedReviewerIds.map((id) => githubUser(view.urls, view.store.user(id)));
  const simple = {
    url,
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${api}/issues/${pull.number}`,
    number: pull.number,
    state: pull.state === 'open' ? 'open' : 'closed',
    locked: false,
    title: pull.title,
    user: githubUser(view.urls, view.store.user(pull.authorId)),
    body: pull.body === '' ? null : pull.body,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: reviewers,
    requested_teams: [],
    labels: pull.labels.map((name) => githubLabel(view, repo, name)),
    milestone: null,
    draft: pull.draft,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pull.number}/comments`,
    statuses_url: `${api}/statuses/${pull.headSha}`,
    head: branchRef(view, repo, pull.head, pull.headSha),
    base: branchRef(view, repo, pull.base, pull.baseSha),
    _links: {
      self: link(url),
      html: link(html),
      issue: link(`${api}/issues/${pull.number}`),
      comments: link(`${api}/issues/${pull.number}/comments`),
      review_comments: link(`${url}/comments`),
      review_comment: link(`${api}/pulls/comments{/number}`),
      commits: link(`${url}/commits`),
      statuses: link(`${api}/statuses/${pull.headSha}`),
    },
    author_association: association(repo, pull.authorId),
    auto_merge: null,
    active_lock_reason: null,
  };
  if (!full) return simple;
  const comments = view.store.comments(repo.id, pull.number);
  return {
    ...simple,
    merged: pull.state === 'merged',
    mergeable: pull.state === 'open' ? true : null,
    rebaseable: pull.state === 'open' ? true : null,
    mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
    merged_by: pull.mergedById === null ? null : githubUser(view.urls, view.store.user(pull.mergedById)),
    comments: comments.filter((comment) => comment.kind === 'issue').length,
    review_comments: comments.filter((comment) => comment.kind === 'review').length,
    maintainer_can_modify: false,
    commits: 1,
    additions: 1,
    deletions: 0,
    changed_files: 1,
  };
}

export function githubReview(view: GithubView, repo: RepoRecord, review: ReviewRecord) {
  const pullUrl = `${view.urls.api}/repos/${repo.fullName}/pulls/${review.number}`;
  const html = `${view.urls.web}/${repo.fullName}/pull/${review.number}#pullrequestreview-${review.id}`;
  return {
    id: review.id,
    node_id: nodeId('PullRequestReview', review.id),
    user: githubUser(view.urls, view.store.user(review.userId)),
    body: review.body,
    state: review.state,
    html_url: html,
    pull_request_url: pullUrl,
    author_association: association(repo, review.userId),
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: review.submittedAt,
    commit_id: review.commitId,
  };
}

/** A `pull-request-review-comment`: a comment on a line. */
export function githubReviewComment(view: GithubView, repo: RepoRecord, comment: CommentRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  const url = `${api}/pulls/comments/${comment.id}`;
  const html = `${view.urls.web}/${repo.fullName}/pull/${comment.number}#discussion_r${comment.id}`;
  const pullUrl = `${api}/pulls/${comment.number}`;
  const line = comment.line ?? 1;
  return {
    url,
    pull_request_review_id: comment.reviewId,
    id: comment.id,
    node_id: nodeId('PullRequestReviewComment', comment.id),
    diff_hunk: `@@ -${line},1 +${line},1 @@`,
    path: comment.path ?? '',
    commit_id: comment.commitId ?? '',
    original_commit_id: comment.commitId ?? '',
    user: githubUser(view.urls, view.store.user(comment.authorId)),
    body: comment.body,
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    html_url: html,
    pull_request_url: pullUrl,
    author_association: association(repo, comment.authorId),
    _links: { self: { href: url }, html: { href: html }, pull_request: { href: pullUrl } },
    reactions: reactions(url),
    start_line: null,
    original_start_line: null,
    start_side: null,
    line,
    original_line: line,
    side: 'RIGHT',
    original_position: 1,
    position: 1,
    subject_type: 'line',
    ...(comment.inReplyToId === null ? {} : { in_reply_to_id: comment.inReplyToId }),
  };
}

function reactions(url: string) {
  return {
    url: `${url}/reactions`,
    total_count: 0,
    '+1': 0,
    '-1': 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  };
}

/** An `issue-comment`: a comment in the pull request's conversation. */
export function githubIssueComment(view: GithubView, repo: RepoRecord, comment: CommentRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  const url = `${api}/issues/comments/${comment.id}`;
  return {
    url,
    html_url: `${view.urls.web}/${repo.fullName}/pull/${comment.number}#issuecomment-${comment.id}`,
    issue_url: `${api}/issues/${comment.number}`,
    id: comment.id,
    node_id: nodeId('IssueComment', comment.id),
    user: githubUser(view.urls, view.store.user(comment.authorId)),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: association(repo, comment.authorId),
    body: comment.body,
    reactions: reactions(url),
    performed_via_github_app: null,
  };
}
