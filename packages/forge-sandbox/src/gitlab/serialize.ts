import type { ForgeStore } from '../model/store.js';
import type {
  AccessLevel,
  CiJobRecord,
  CiRunRecord,
  CommentRecord,
  PullRecord,
  RepoRecord,
  UserRecord,
} from '../model/types.js';

/** What GitLab serializers read: the instance's base URL (web, git, and `/api/v4`) and the records. */
export interface GitlabView {
  web: string;
  store: ForgeStore;
}

/** GitLab's access levels for the sandbox's roles: Reporter, Developer, Maintainer. */
export const gitlabAccessLevel: Record<AccessLevel, number> = { none: 0, read: 20, write: 30, admin: 40 };

/** REST times: ISO with milliseconds. */
export const restTime = (iso: string | null) => (iso === null ? null : new Date(iso).toISOString());

export function gitlabUser(view: GitlabView, user: UserRecord) {
  return {
    id: user.id,
    username: user.login,
    name: user.name,
    state: 'active',
    locked: false,
    avatar_url: `${view.web}/uploads/-/system/user/avatar/${user.id}/avatar.png`,
    web_url: `${view.web}/${user.login}`,
  };
}

export function gitlabProject(view: GitlabView, repo: RepoRecord, access: AccessLevel | null) {
  const namespacePath = repo.fullName.slice(0, repo.fullName.lastIndexOf('/'));
  const host = new URL(view.web).host;
  return {
    id: repo.id,
    description: null,
    name: repo.name,
    name_with_namespace: repo.fullName.split('/').join(' / '),
    path: repo.name,
    path_with_namespace: repo.fullName,
    created_at: restTime(repo.createdAt),
    default_branch: repo.defaultBranch,
    tag_list: [],
    topics: [],
    ssh_url_to_repo: `git@${host}:${repo.fullName}.git`,
    http_url_to_repo: `${view.web}/${repo.fullName}.git`,
    web_url: `${view.web}/${repo.fullName}`,
    readme_url: null,
    forks_count: 0,
    avatar_url: null,
    star_count: 0,
    last_activity_at: restTime(repo.createdAt),
    visibility: 'private',
    namespace: {
      id: repo.id + 1_000_000,
      name: namespacePath,
      path: namespacePath.split('/').at(-1),
      kind: 'group',
      full_path: namespacePath,
      parent_id: null,
      avatar_url: null,
      web_url: `${view.web}/groups/${namespacePath}`,
    },
    archived: false,
    empty_repo: false,
    merge_requests_enabled: true,
    issues_enabled: true,
    jobs_enabled: true,
    merge_method: 'merge',
    squash_option: 'default_off',
    only_allow_merge_if_pipeline_succeeds: false,
    remove_source_branch_after_merge: false,
    ...(access === null
      ? {}
      : {
          permissions: {
            project_access: { access_level: gitlabAccessLevel[access], notification_level: 3 },
            group_access: null,
          },
        }),
  };
}

const mrStates = { open: 'opened', closed: 'closed', merged: 'merged' } as const;

export function gitlabMergeRequest(view: GitlabView, repo: RepoRecord, pull: PullRecord, single: boolean) {
  const author = gitlabUser(view, view.store.user(pull.authorId));
  const merger = pull.mergedById === null ? null : gitlabUser(view, view.store.user(pull.mergedById));
  const notes = view.store.comments(repo.id, pull.number).filter((comment) => !comment.system).length;
  const list = {
    id: pull.id,
    iid: pull.number,
    project_id: repo.id,
    title: pull.draft ? `Draft: ${pull.title}` : pull.title,
    description: pull.body,
    state: mrStates[pull.state],
    created_at: restTime(pull.createdAt),
    updated_at: restTime(pull.updatedAt),
    merged_by: merger,
    merge_user: merger,
    merged_at: restTime(pull.mergedAt),
    closed_by: pull.state === 'closed' ? author : null,
    closed_at: pull.state === 'closed' ? restTime(pull.closedAt) : null,
    target_branch: pull.base,
    source_branch: pull.head,
    user_notes_count: notes,
    upvotes: 0,
    downvotes: 0,
    author,
    assignees: [],
    assignee: null,
    reviewers: pull.requestedReviewerIds.map((id) => gitlabUser(view, view.store.user(id))),
    source_project_id: repo.id,
    target_project_id: repo.id,
    labels: [...pull.labels],
    draft: pull.draft,
    work_in_progress: pull.draft,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: pull.state === 'open' ? 'can_be_merged' : 'unchecked',
    detailed_merge_status: pull.state === 'open' ? 'mergeable' : 'not_open',
    sha: pull.headSha,
    merge_commit_sha: pull.mergeCommitSha,
    squash_commit_sha: null,
    discussion_locked: null,
    should_remove_source_branch: null,
    force_remove_source_branch: false,
    prepared_at: restTime(pull.createdAt),
    reference: `!${pull.number}`,
    references: {
      short: `!${pull.number}`,
      relative: `!${pull.number}`,
      full: `${repo.fullName}!${pull.number}`,
    },
    web_url: `${view.web}/${repo.fullName}/-/merge_requests/${pull.number}`,
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: false,
    squash_on_merge: false,
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: false,
    blocking_discussions_resolved: true,
  };
  if (!single) return list;
  const pipeline = view.store
    .ciRuns(repo.id)
    .filter((run) => run.sha === pull.headSha)
    .at(-1);
  return {
    ...list,
    subscribed: true,
    changes_count: '1',
    latest_build_started_at: null,
    latest_build_finished_at: null,
    first_deployed_to_production_at: null,
    pipeline: pipeline ? gitlabPipeline(view, repo, pipeline) : null,
    head_pipeline: pipeline ? gitlabPipeline(view, repo, pipeline) : null,
    diff_refs: { base_sha: pull.baseSha, head_sha: pull.headSha, start_sha: pull.baseSha },
    merge_error: null,
    first_contribution: false,
    user: { can_merge: true },
  };
}

export function gitlabNote(view: GitlabView, repo: RepoRecord, pull: PullRecord, comment: CommentRecord) {
  const thread = view.store
    .comments(repo.id, pull.number)
    .filter((other) => other.threadId === comment.threadId);
  const base = {
    id: comment.id,
    type: comment.kind === 'review' ? 'DiffNote' : thread.length > 1 ? 'DiscussionNote' : null,
    body: comment.body,
    attachment: null,
    author: gitlabUser(view, view.store.user(comment.authorId)),
    created_at: restTime(comment.createdAt),
    updated_at: restTime(comment.updatedAt),
    system: comment.system,
    noteable_id: pull.id,
    noteable_type: 'MergeRequest',
    project_id: repo.id,
    resolvable: comment.kind === 'review',
    confidential: false,
    internal: false,
    imported: false,
    imported_from: 'none',
    noteable_iid: pull.number,
    commands_changes: {},
  };
  if (comment.kind !== 'review') return base;
  return {
    ...base,
    resolved: false,
    resolved_by: null,
    resolved_at: null,
    position: {
      base_sha: pull.baseSha,
      start_sha: pull.baseSha,
      head_sha: comment.commitId ?? pull.headSha,
      old_path: comment.path,
      new_path: comment.path,
      position_type: 'text',
      old_line: null,
      new_line: comment.line,
      line_range: null,
    },
  };
}

/** Notes grouped as GitLab's discussions: a thread per `threadId`, oldest first. */
export function gitlabDiscussions(view: GitlabView, repo: RepoRecord, pull: PullRecord) {
  const threads = new Map<string, CommentRecord[]>();
  for (const comment of view.store.comments(repo.id, pull.number)) {
    threads.set(comment.threadId, [...(threads.get(comment.threadId) ?? []), comment]);
  }
  return [...threads.entries()].map(([id, notes]) => ({
    id,
    individual_note: notes.length === 1 && notes[0]!.kind === 'issue',
    notes: notes.map((note) => gitlabNote(view, repo, pull, note)),
  }));
}

const pipelineStatus = (run: CiRunRecord) =>
  run.status === 'completed'
    ? run.conclusion === 'success'
      ? 'success'
      : 'failed'
    : run.status === 'queued'
      ? 'pending'
      : 'running';
const jobStatus = (job: CiJobRecord) =>
  job.status === 'completed'
    ? job.conclusion === 'success'
      ? 'success'
      : 'failed'
    : job.status === 'queued'
      ? 'pending'
      : 'running';

export { jobStatus, pipelineStatus };

export function gitlabPipeline(view: GitlabView, repo: RepoRecord, run: CiRunRecord) {
  return {
    id: run.id,
    iid: run.number,
    project_id: repo.id,
    sha: run.sha,
    ref: run.branch,
    status: pipelineStatus(run),
    source: 'push',
    created_at: restTime(run.createdAt),
    updated_at: restTime(run.updatedAt),
    web_url: `${view.web}/${repo.fullName}/-/pipelines/${run.id}`,
    name: run.name,
  };
}

export function gitlabJob(view: GitlabView, repo: RepoRecord, run: CiRunRecord, job: CiJobRecord) {
  const owner = view.store.ensureUser(repo.owner);
  // A job names its pipeline as GitLab's job API does: the pipeline's fields but its name.
  const { name: _name, ...pipeline } = gitlabPipeline(view, repo, run);
  const duration =
    job.startedAt && job.completedAt
      ? (Date.parse(job.completedAt) - Date.parse(job.startedAt)) / 1000
      : null;
  return {
    id: job.id,
    status: jobStatus(job),
    stage: 'test',
    name: job.name,
    ref: run.branch,
    tag: false,
    coverage: null,
    allow_failure: false,
    created_at: restTime(run.createdAt),
    started_at: restTime(job.startedAt),
    finished_at: restTime(job.completedAt),
    erased_at: null,
    duration,
    queued_duration: 0,
    user: gitlabUser(view, owner),
    commit: {
      id: run.sha,
      short_id: run.sha.slice(0, 8),
      title: `Commit ${run.sha.slice(0, 8)}`,
      created_at: restTime(run.createdAt),
      parent_ids: [],
      message: `Commit ${run.sha.slice(0, 8)}`,
      author_name: owner.name,
      author_email: owner.email,
      authored_date: restTime(run.createdAt),
      committer_name: owner.name,
      committer_email: owner.email,
      committed_date: restTime(run.createdAt),
      web_url: `${view.web}/${repo.fullName}/-/commit/${run.sha}`,
    },
    pipeline,
    web_url: `${view.web}/${repo.fullName}/-/jobs/${job.id}`,
    project: { ci_job_token_scope_enabled: false },
    artifacts: [],
    runner: null,
    artifacts_expire_at: null,
    archived: false,
    tag_list: [],
    failure_reason: job.conclusion === 'failure' ? 'script_failure' : undefined,
  };
}
