import { randomUUID } from 'node:crypto';
import type { ForgeEvent } from '../model/events.js';
import type {
  CiJobRecord,
  CiRunRecord,
  CommentRecord,
  PullRecord,
  RepoRecord,
  UserRecord,
  WebhookRecord,
} from '../model/types.js';
import type { OutgoingDelivery } from '../webhooks/dispatcher.js';
import { type GitlabView, jobStatus, pipelineStatus } from './serialize.js';

type Payload = Record<string, unknown>;

/** Webhook times: GitLab writes `2015-05-17 18:08:09 UTC` in note, pipeline and change payloads. */
const hookTime = (iso: string | null) =>
  iso === null ? null : `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
/** ISO without milliseconds, as in merge request attributes and `*_iso` fields. */
const isoTime = (iso: string | null) =>
  iso === null ? null : new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');

function hookUser(view: GitlabView, user: UserRecord) {
  return {
    id: user.id,
    name: user.name,
    username: user.login,
    avatar_url: `${view.web}/uploads/-/system/user/avatar/${user.id}/avatar.png`,
    email: '[REDACTED]',
  };
}

function hookProject(view: GitlabView, repo: RepoRecord) {
  const host = new URL(view.web).host;
  const web = `${view.web}/${repo.fullName}`;
  return {
    id: repo.id,
    name: repo.name,
    description: '',
    web_url: web,
    avatar_url: null,
    git_ssh_url: `git@${host}:${repo.fullName}.git`,
    git_http_url: `${web}.git`,
    namespace: repo.owner,
    visibility_level: 0,
    path_with_namespace: repo.fullName,
    default_branch: repo.defaultBranch,
    ci_config_path: '',
    homepage: web,
    url: `git@${host}:${repo.fullName}.git`,
    ssh_url: `git@${host}:${repo.fullName}.git`,
    http_url: `${web}.git`,
  };
}

function hookRepository(view: GitlabView, repo: RepoRecord) {
  return {
    name: repo.name,
    url: `${view.web}/${repo.fullName}.git`,
    description: '',
    homepage: `${view.web}/${repo.fullName}`,
  };
}

function lastCommit(view: GitlabView, repo: RepoRecord, sha: string, author: UserRecord) {
  return {
    id: sha,
    message: `Commit ${sha.slice(0, 8)}`,
    title: `Commit ${sha.slice(0, 8)}`,
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    url: `${view.web}/${repo.fullName}/-/commit/${sha}`,
    author: { name: author.name, email: author.email },
  };
}

function hookLabel(repo: RepoRecord, title: string) {
  let id = 0;
  for (const char of title) id = (id * 31 + char.charCodeAt(0)) >>> 0;
  return {
    id,
    title,
    color: `#${(id & 0xffffff).toString(16).padStart(6, '0')}`,
    project_id: repo.id,
    created_at: hookTime(repo.createdAt),
    updated_at: hookTime(repo.createdAt),
    template: false,
    description: null,
    type: 'ProjectLabel',
    group_id: null,
  };
}

const mrState = { open: 'opened', closed: 'closed', merged: 'merged' } as const;
const stateId = { open: 1, closed: 2, merged: 3 } as const;

function mergeRequestAttributes(
  view: GitlabView,
  repo: RepoRecord,
  pull: PullRecord,
  action: string,
  oldrev?: string,
) {
  const project = hookProject(view, repo);
  return {
    id: pull.id,
    iid: pull.number,
    target_branch: pull.base,
    source_branch: pull.head,
    source_project_id: repo.id,
    author_id: pull.authorId,
    assignee_ids: [],
    assignee_id: null,
    reviewer_ids: [...pull.requestedReviewerIds],
    title: pull.draft ? `Draft: ${pull.title}` : pull.title,
    created_at: isoTime(pull.createdAt),
    updated_at: isoTime(pull.updatedAt),
    last_edited_at: null,
    last_edited_by_id: null,
    milestone_id: null,
    state_id: stateId[pull.state],
    state: mrState[pull.state],
    blocking_discussions_resolved: true,
    work_in_progress: pull.draft,
    draft: pull.draft,
    first_contribution: false,
    merge_status: pull.state === 'open' ? 'can_be_merged' : 'unchecked',
    target_project_id: repo.id,
    description: pull.body,
    prepared_at: isoTime(pull.createdAt),
    total_time_spent: 0,
    time_change: 0,
    human_total_time_spent: null,
    human_time_change: null,
    human_time_estimate: null,
    url: `${view.web}/${repo.fullName}/-/merge_requests/${pull.number}`,
    source: project,
    target: project,
    last_commit: lastCommit(view, repo, pull.headSha, view.store.user(pull.authorId)),
    labels: pull.labels.map((label) => hookLabel(repo, label)),
    action,
    detailed_merge_status: pull.state === 'open' ? 'mergeable' : 'not_open',
    ...(pull.mergeCommitSha ? { merge_commit_sha: pull.mergeCommitSha } : {}),
    ...(oldrev ? { oldrev } : {}),
  };
}

function reviewerState(view: GitlabView, repo: RepoRecord, pull: PullRecord, userId: number): string {
  return view.store.state.reviewerStates[`${repo.id}:${pull.number}:${userId}`] ?? 'unreviewed';
}

function mergeRequestHook(
  view: GitlabView,
  repo: RepoRecord,
  pull: PullRecord,
  actor: UserRecord,
  action: string,
  extra: { changes?: Payload; oldrev?: string } = {},
): [string, Payload] {
  return [
    'Merge Request Hook',
    {
      object_kind: 'merge_request',
      event_type: 'merge_request',
      user: hookUser(view, actor),
      project: hookProject(view, repo),
      repository: hookRepository(view, repo),
      object_attributes: mergeRequestAttributes(view, repo, pull, action, extra.oldrev),
      labels: pull.labels.map((label) => hookLabel(repo, label)),
      changes: {
        updated_at: { previous: hookTime(pull.createdAt), current: hookTime(pull.updatedAt) },
        ...extra.changes,
      },
      assignees: [],
      reviewers: pull.requestedReviewerIds.map((id) => ({
        ...hookUser(view, view.store.user(id)),
        state: reviewerState(view, repo, pull, id),
      })),
    },
  ];
}

function noteHook(
  view: GitlabView,
  repo: RepoRecord,
  pull: PullRecord,
  comment: CommentRecord,
): [string, Payload] {
  const author = view.store.user(comment.authorId);
  const attributes = mergeRequestAttributes(view, repo, pull, 'update');
  const { action: _action, ...mergeRequest } = attributes;
  return [
    'Note Hook',
    {
      object_kind: 'note',
      event_type: 'note',
      user: hookUser(view, author),
      project_id: repo.id,
      project: hookProject(view, repo),
      repository: hookRepository(view, repo),
      object_attributes: {
        id: comment.id,
        note: comment.body,
        noteable_type: 'MergeRequest',
        author_id: comment.authorId,
        created_at: hookTime(comment.createdAt),
        updated_at: hookTime(comment.updatedAt),
        project_id: repo.id,
        attachment: null,
        line_code:
          comment.kind === 'review'
            ? `${comment.threadId.slice(0, 40)}_${comment.line}_${comment.line}`
            : null,
        commit_id: comment.commitId ?? '',
        noteable_id: pull.id,
        system: comment.system,
        st_diff: null,
        action: 'create',
        url: `${view.web}/${repo.fullName}/-/merge_requests/${pull.number}#note_${comment.id}`,
        discussion_id: comment.threadId,
        type: comment.kind === 'review' ? 'DiffNote' : comment.inReplyToId === null ? null : 'DiscussionNote',
        ...(comment.kind === 'review'
          ? {
              position: {
                base_sha: pull.baseSha,
                start_sha: pull.baseSha,
                head_sha: comment.commitId,
                old_path: comment.path,
                new_path: comment.path,
                position_type: 'text',
                old_line: null,
                new_line: comment.line,
              },
            }
          : {}),
      },
      merge_request: { ...mergeRequest, position: 0, assignee: null },
    },
  ];
}

function pipelineHook(
  view: GitlabView,
  repo: RepoRecord,
  run: CiRunRecord,
  actor: UserRecord,
): [string, Payload] {
  const pull = view.store
    .pulls(repo.id)
    .find((candidate) => candidate.state === 'open' && candidate.head === run.branch);
  const duration =
    run.status === 'completed'
      ? Math.max(0, Math.round((Date.parse(run.updatedAt) - Date.parse(run.createdAt)) / 1000))
      : null;
  return [
    'Pipeline Hook',
    {
      object_kind: 'pipeline',
      object_attributes: {
        id: run.id,
        iid: run.number,
        name: run.name,
        ref: run.branch,
        tag: false,
        sha: run.sha,
        before_sha: '0'.repeat(40),
        source: pull ? 'merge_request_event' : 'push',
        status: pipelineStatus(run),
        detailed_status: pipelineStatus(run),
        stages: ['test'],
        created_at: hookTime(run.createdAt),
        finished_at: run.status === 'completed' ? hookTime(run.updatedAt) : null,
        duration,
        queued_duration: 0,
        variables: [],
        url: `${view.web}/${repo.fullName}/-/pipelines/${run.id}`,
      },
      merge_request: pull
        ? {
            id: pull.id,
            iid: pull.number,
            title: pull.title,
            source_branch: pull.head,
            source_project_id: repo.id,
            target_branch: pull.base,
            target_project_id: repo.id,
            state: mrState[pull.state],
            merge_status: 'can_be_merged',
            detailed_merge_status: 'mergeable',
            url: `${view.web}/${repo.fullName}/-/merge_requests/${pull.number}`,
          }
        : null,
      user: hookUser(view, actor),
      project: hookProject(view, repo),
      commit: {
        id: run.sha,
        message: `Commit ${run.sha.slice(0, 8)}`,
        title: `Commit ${run.sha.slice(0, 8)}`,
        timestamp: run.createdAt,
        url: `${view.web}/${repo.fullName}/-/commit/${run.sha}`,
        author: { name: actor.name, email: actor.email },
      },
      source_pipeline: null,
      builds: run.jobs.map((job) => ({
        id: job.id,
        stage: 'test',
        name: job.name,
        status: jobStatus(job),
        created_at: hookTime(run.createdAt),
        started_at: hookTime(job.startedAt),
        finished_at: hookTime(job.completedAt),
        duration: job.completedAt ? 0 : null,
        queued_duration: 0,
        failure_reason: job.conclusion === 'failure' ? 'script_failure' : null,
        when: 'on_success',
        manual: false,
        allow_failure: false,
        user: hookUser(view, actor),
        runner: null,
        artifacts_file: { filename: null, size: null },
        environment: null,
      })),
    },
  ];
}

function jobHook(
  view: GitlabView,
  repo: RepoRecord,
  run: CiRunRecord,
  job: CiJobRecord,
  actor: UserRecord,
): [string, Payload] {
  const project = hookProject(view, repo);
  return [
    'Job Hook',
    {
      object_kind: 'build',
      ref: run.branch,
      tag: false,
      before_sha: '0'.repeat(40),
      sha: run.sha,
      build_id: job.id,
      build_name: job.name,
      build_stage: 'test',
      build_status: jobStatus(job),
      build_created_at: new Date(run.createdAt).toISOString(),
      build_created_at_iso: isoTime(run.createdAt),
      build_started_at: job.startedAt && new Date(job.startedAt).toISOString(),
      build_started_at_iso: isoTime(job.startedAt),
      build_finished_at: job.completedAt && new Date(job.completedAt).toISOString(),
      build_finished_at_iso: isoTime(job.completedAt),
      build_duration: job.completedAt ? 0 : null,
      build_queued_duration: 0,
      build_allow_failure: false,
      build_failure_reason: job.conclusion === 'failure' ? 'script_failure' : 'unknown_failure',
      retries_count: 0,
      pipeline_id: run.id,
      project_id: repo.id,
      project_name: repo.fullName.split('/').join(' / '),
      user: {
        id: actor.id,
        name: actor.name,
        email: '[REDACTED]',
        avatar_url: hookUser(view, actor).avatar_url,
      },
      commit: {
        id: run.id,
        name: run.name,
        sha: run.sha,
        message: `Commit ${run.sha.slice(0, 8)}`,
        author_name: actor.name,
        author_email: actor.email,
        status: pipelineStatus(run),
        duration: null,
        started_at: hookTime(run.createdAt),
        started_at_iso: isoTime(run.createdAt),
        finished_at: null,
        finished_at_iso: null,
      },
      repository: {
        name: repo.name,
        description: '',
        homepage: project.homepage,
        git_ssh_url: project.git_ssh_url,
        git_http_url: project.git_http_url,
        visibility_level: 0,
      },
      project: {
        id: repo.id,
        name: repo.name,
        description: '',
        web_url: project.web_url,
        avatar_url: null,
        git_ssh_url: project.git_ssh_url,
        git_http_url: project.git_http_url,
        namespace: repo.owner,
        visibility_level: 0,
        path_with_namespace: repo.fullName,
        default_branch: repo.defaultBranch,
      },
      runner: null,
      environment: null,
      source_pipeline: null,
    },
  ];
}

function pushHook(
  view: GitlabView,
  repo: RepoRecord,
  actor: UserRecord,
  push: { branch: string; before: string; after: string; commits: string[] },
): [string, Payload] {
  return [
    'Push Hook',
    {
      object_kind: 'push',
      event_name: 'push',
      before: push.before,
      after: push.after,
      ref: `refs/heads/${push.branch}`,
      ref_protected: push.branch === repo.defaultBranch,
      checkout_sha: push.after === '0'.repeat(40) ? null : push.after,
      user_id: actor.id,
      user_name: actor.name,
      user_username: actor.login,
      user_email: '[REDACTED]',
      user_avatar: hookUser(view, actor).avatar_url,
      project_id: repo.id,
      project: hookProject(view, repo),
      repository: {
        ...hookRepository(view, repo),
        git_http_url: `${view.web}/${repo.fullName}.git`,
        git_ssh_url: hookProject(view, repo).git_ssh_url,
        visibility_level: 0,
      },
      commits: push.commits.slice(-20).map((sha) => ({
        id: sha,
        message: `Commit ${sha.slice(0, 8)}`,
        title: `Commit ${sha.slice(0, 8)}`,
        timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
        url: `${view.web}/${repo.fullName}/-/commit/${sha}`,
        author: { name: actor.name, email: '[REDACTED]' },
        added: [],
        modified: [],
        removed: [],
      })),
      total_commits_count: push.commits.length,
    },
  ];
}

/** The webhook events one forge event causes on GitLab. */
export function gitlabEventPayloads(view: GitlabView, event: ForgeEvent): [string, Payload][] {
  const { repo, actor } = event;
  switch (event.type) {
    case 'pull.opened':
      return [mergeRequestHook(view, repo, event.pull, actor, 'open')];
    case 'pull.closed':
      return [mergeRequestHook(view, repo, event.pull, actor, 'close')];
    case 'pull.reopened':
      return [mergeRequestHook(view, repo, event.pull, actor, 'reopen')];
    case 'pull.merged':
      return [mergeRequestHook(view, repo, event.pull, actor, 'merge')];
    case 'pull.edited': {
      const changes: Payload = {};
      if (event.changes.title !== undefined)
        changes.title = { previous: event.changes.title, current: event.pull.title };
      if (event.changes.body !== undefined)
        changes.description = { previous: event.changes.body, current: event.pull.body };
      return [mergeRequestHook(view, repo, event.pull, actor, 'update', { changes })];
    }
    case 'pull.synchronized':
      return [mergeRequestHook(view, repo, event.pull, actor, 'update', { oldrev: event.before })];
    case 'pull.labeled': {
      const current = event.pull.labels.map((label) => hookLabel(repo, label));
      const changes = {
        labels: { previous: current.filter((label) => label.title !== event.label), current },
      };
      return [mergeRequestHook(view, repo, event.pull, actor, 'update', { changes })];
    }
    case 'pull.review_requested': {
      const reviewers = event.pull.requestedReviewerIds.map((id) => hookUser(view, view.store.user(id)));
      const changes = {
        reviewers: {
          previous: reviewers.filter((user) => user.id !== event.reviewer.id),
          current: reviewers,
        },
      };
      return [mergeRequestHook(view, repo, event.pull, actor, 'update', { changes })];
    }
    case 'review.submitted': {
      const notes = event.comments.map((comment) => noteHook(view, repo, event.pull, comment));
      if (event.review.state === 'APPROVED') {
        return [
          ...notes,
          mergeRequestHook(view, repo, event.pull, actor, 'approval'),
          mergeRequestHook(view, repo, event.pull, actor, 'approved'),
        ];
      }
      const previous = event.previousReviewerState;
      const current = reviewerState(view, repo, event.pull, actor.id);
      const reviewer = hookUser(view, actor);
      const changes = {
        reviewers: {
          previous: [{ ...reviewer, state: previous }],
          current: [{ ...reviewer, state: current }],
        },
      };
      return [...notes, mergeRequestHook(view, repo, event.pull, actor, 'update', { changes })];
    }
    case 'comment.created':
      return [noteHook(view, repo, event.pull, event.comment)];
    case 'ci.requested':
    case 'ci.completed':
      return [pipelineHook(view, repo, event.run, actor)];
    case 'ci.job_completed':
      return [jobHook(view, repo, event.run, event.job, actor)];
    case 'push':
      return [pushHook(view, repo, actor, event)];
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled forge event ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Trigger names of the hook settings, by `X-Gitlab-Event`. */
const triggers: Record<string, string> = {
  'Merge Request Hook': 'merge_requests_events',
  'Note Hook': 'note_events',
  'Pipeline Hook': 'pipeline_events',
  'Job Hook': 'job_events',
  'Push Hook': 'push_events',
};

/** A hook's deliveries, with the headers GitLab sends (the secret token in `X-Gitlab-Token`). */
export function gitlabDeliveries(
  view: GitlabView,
  hook: WebhookRecord,
  payloads: [string, Payload][],
): OutgoingDelivery[] {
  return payloads
    .filter(
      ([event]) =>
        hook.active && (hook.events.length === 0 || hook.events.includes(triggers[event] ?? event)),
    )
    .map(([event, payload]) => {
      const id = randomUUID();
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': 'GitLab/17.11.0',
        'Idempotency-Key': randomUUID(),
        'X-Gitlab-Event': event,
        'X-Gitlab-Webhook-UUID': `00000000-0000-4000-8000-${String(hook.id).padStart(12, '0')}`,
        'X-Gitlab-Instance': view.web,
        'X-Gitlab-Event-UUID': id,
      };
      if (hook.secret !== '') headers['X-Gitlab-Token'] = hook.secret;
      return { id, hookId: hook.id, event, url: hook.url, headers, body: JSON.stringify(payload) };
    });
}
