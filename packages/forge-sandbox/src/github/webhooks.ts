import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { ForgeEvent } from '../model/events.js';
import type { CiRunRecord, PullRecord, RepoRecord, UserRecord, WebhookRecord } from '../model/types.js';
import type { OutgoingDelivery } from '../webhooks/dispatcher.js';
import { githubCheckRun, githubCheckSuite, githubWorkflowRun } from './serialize-ci.js';
import {
  type GithubView,
  githubIssueComment,
  githubLabel,
  githubPull,
  githubReview,
  githubReviewComment,
} from './serialize-pull.js';
import { githubRepo, githubUser } from './serialize-repo.js';
import { nodeId } from './urls.js';

type Payload = Record<string, unknown>;

/** The webhook events one forge event causes on GitHub, in the order GitHub sends them. */
export function githubEventPayloads(view: GithubView, event: ForgeEvent): [string, Payload][] {
  const { repo, actor } = event;
  const envelope = () => ({
    repository: githubRepo(view.urls, repo, view.store.ensureUser(repo.owner)),
    sender: githubUser(view.urls, actor),
  });
  const pullPayload = (action: string, pull: PullRecord, extra: Payload = {}): [string, Payload] => [
    'pull_request',
    {
      action,
      number: pull.number,
      pull_request: githubPull(view, repo, pull, true),
      ...extra,
      ...envelope(),
    },
  ];
  switch (event.type) {
    case 'pull.opened':
      return [pullPayload('opened', event.pull)];
    case 'pull.closed':
    case 'pull.merged':
      return [pullPayload('closed', event.pull)];
    case 'pull.reopened':
      return [pullPayload('reopened', event.pull)];
    case 'pull.edited': {
      const changes: Payload = {};
      if (event.changes.title !== undefined) changes.title = { from: event.changes.title };
      if (event.changes.body !== undefined) changes.body = { from: event.changes.body };
      return [pullPayload('edited', event.pull, { changes })];
    }
    case 'pull.synchronized':
      return [pullPayload('synchronize', event.pull, { before: event.before, after: event.pull.headSha })];
    case 'pull.labeled':
      return [pullPayload('labeled', event.pull, { label: githubLabel(view, repo, event.label) })];
    case 'pull.review_requested':
      return [
        pullPayload('review_requested', event.pull, {
          requested_reviewer: githubUser(view.urls, event.reviewer),
        }),
      ];
    case 'review.submitted': {
      const pull = githubPull(view, repo, event.pull, false);
      const comments = event.comments.map((comment): [string, Payload] => [
        'pull_request_review_comment',
        {
          action: 'created',
          comment: githubReviewComment(view, repo, comment),
          pull_request: pull,
          ...envelope(),
        },
      ]);
      const review: [string, Payload] = [
        'pull_request_review',
        {
          action: 'submitted',
          // Webhooks write the state in lower case (`changes_requested`), the REST API in upper case.
          review: { ...githubReview(view, repo, event.review), state: event.review.state.toLowerCase() },
          pull_request: pull,
          ...envelope(),
        },
      ];
      return [...comments, review];
    }
    case 'comment.created':
      if (event.comment.kind === 'review') {
        return [
          [
            'pull_request_review_comment',
            {
              action: 'created',
              comment: githubReviewComment(view, repo, event.comment),
              pull_request: githubPull(view, repo, event.pull, false),
              ...envelope(),
            },
          ],
        ];
      }
      return [
        [
          'issue_comment',
          {
            action: 'created',
            issue: issueOfPull(view, repo, event.pull),
            comment: githubIssueComment(view, repo, event.comment),
            ...envelope(),
          },
        ],
      ];
    case 'ci.requested':
      return [
        ['workflow_run', { action: 'requested', ...workflowPayload(view, repo, event.run), ...envelope() }],
      ];
    case 'ci.job_completed':
      return [
        [
          'check_run',
          {
            action: 'completed',
            // A webhook's check run carries its whole check suite, where the REST answer has only the id.
            check_run: {
              ...githubCheckRun(view, repo, event.run, event.job),
              check_suite: webhookSuite(view, repo, event.run),
            },
            ...envelope(),
          },
        ],
      ];
    case 'ci.completed':
      return [
        [
          'check_suite',
          { action: 'completed', check_suite: webhookSuite(view, repo, event.run, true), ...envelope() },
        ],
        ['workflow_run', { action: 'completed', ...workflowPayload(view, repo, event.run), ...envelope() }],
      ];
    case 'push':
      return [['push', pushPayload(view, repo, event.actor, event)]];
    default: {
      const unreachable: never = event;
      throw new Error(`unhandled forge event ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * The check suite as webhooks carry it: without its repository (the envelope has it); inside a check run, also
 * without its run count, links and head commit.
 */
function webhookSuite(view: GithubView, repo: RepoRecord, run: CiRunRecord, whole = false) {
  const { repository: _repository, ...suite } = githubCheckSuite(view, repo, run);
  if (whole) return suite;
  const {
    latest_check_runs_count: _count,
    check_runs_url: _url,
    rerequestable: _rerequestable,
    runs_rerequestable: _runsRerequestable,
    head_commit: _headCommit,
    ...inRun
  } = suite;
  return inRun;
}

/** A pull request as the issue it also is (the `issue` of an `issue_comment` event). */
function issueOfPull(view: GithubView, repo: RepoRecord, pull: PullRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  const url = `${api}/issues/${pull.number}`;
  const html = `${view.urls.web}/${repo.fullName}/pull/${pull.number}`;
  const simple = githubPull(view, repo, pull, false);
  return {
    url,
    repository_url: api,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    id: pull.id,
    node_id: nodeId('PullRequest', pull.id),
    number: pull.number,
    title: pull.title,
    user: simple.user,
    labels: simple.labels,
    state: simple.state,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: view.store.comments(repo.id, pull.number).filter((comment) => comment.kind === 'issue').length,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    author_association: simple.author_association,
    active_lock_reason: null,
    draft: pull.draft,
    pull_request: {
      url: `${api}/pulls/${pull.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: pull.mergedAt,
    },
    body: simple.body,
    reactions: {
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
    },
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: null,
  };
}

function workflowPayload(view: GithubView, repo: RepoRecord, run: CiRunRecord) {
  const api = `${view.urls.api}/repos/${repo.fullName}`;
  return {
    workflow: {
      id: repo.id,
      node_id: nodeId('Workflow', repo.id),
      name: run.name,
      path: '.github/workflows/ci.yml',
      state: 'active',
      created_at: repo.createdAt,
      updated_at: repo.createdAt,
      url: `${api}/actions/workflows/${repo.id}`,
      html_url: `${view.urls.web}/${repo.fullName}/blob/${repo.defaultBranch}/.github/workflows/ci.yml`,
      badge_url: `${view.urls.web}/${repo.fullName}/workflows/CI/badge.svg`,
    },
    workflow_run: githubWorkflowRun(view, repo, run),
  };
}

function pushPayload(
  view: GithubView,
  repo: RepoRecord,
  actor: UserRecord,
  push: { branch: string; before: string; after: string; commits: string[] },
) {
  const zero = '0'.repeat(40);
  const person = { name: actor.name, email: actor.email, username: actor.login };
  const commits = push.commits.map((sha) => ({
    id: sha,
    tree_id: sha,
    distinct: true,
    message: `Commit ${sha.slice(0, 7)}`,
    timestamp: view.store.now(),
    url: `${view.urls.web}/${repo.fullName}/commit/${sha}`,
    author: person,
    committer: person,
    added: [],
    removed: [],
    modified: [],
  }));
  const created = Math.floor(Date.parse(repo.createdAt) / 1000);
  return {
    ref: `refs/heads/${push.branch}`,
    before: push.before,
    after: push.after,
    created: push.before === zero,
    deleted: push.after === zero,
    forced: false,
    base_ref: null,
    compare: `${view.urls.web}/${repo.fullName}/compare/${push.before.slice(0, 12)}...${push.after.slice(0, 12)}`,
    commits,
    head_commit: commits.at(-1) ?? null,
    // The push event alone gives the repository's times as Unix seconds.
    repository: {
      ...githubRepo(view.urls, repo, view.store.ensureUser(repo.owner)),
      created_at: created,
      pushed_at: Math.floor(Date.now() / 1000),
      stargazers: 0,
      master_branch: repo.defaultBranch,
    },
    pusher: { name: actor.login, email: actor.email },
    sender: githubUser(view.urls, actor),
  };
}

/** A hook's deliveries of `payloads`, signed as GitHub signs them (`X-Hub-Signature-256` over the exact bytes). */
export function githubDeliveries(hook: WebhookRecord, payloads: [string, Payload][]): OutgoingDelivery[] {
  return payloads
    .filter(
      ([event]) =>
        hook.active && (hook.events.length === 0 || hook.events.includes(event) || hook.events.includes('*')),
    )
    .map(([event, payload]) => {
      const body = JSON.stringify(payload);
      const id = randomUUID();
      const headers: Record<string, string> = {
        'Content-Type': 'application/json',
        'User-Agent': `GitHub-Hookshot/${randomBytes(4).toString('hex').slice(0, 7)}`,
        'X-GitHub-Event': event,
        'X-GitHub-Delivery': id,
        'X-GitHub-Hook-ID': String(hook.id),
        'X-GitHub-Hook-Installation-Target-ID': String(hook.repoId),
        'X-GitHub-Hook-Installation-Target-Type': 'repository',
      };
      if (hook.secret !== '') {
        headers['X-Hub-Signature'] = `sha1=${createHmac('sha1', hook.secret).update(body).digest('hex')}`;
        headers['X-Hub-Signature-256'] =
          `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`;
      }
      return { id, hookId: hook.id, event, url: hook.url, headers, body };
    });
}
