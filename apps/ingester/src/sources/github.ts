import { z } from 'zod';
import { type CiEvent, IgnoreReason, type Normalised, Source } from '../ingest/ingest-event.js';
import { boundedLabel, checkShape, isoTime } from './shape.js';

/** The `X-GitHub-Event` values the ingester reads; any other event is acknowledged and dropped. */
export const githubEvents = [
  'workflow_run',
  'check_suite',
  'check_run',
  'status',
  'pull_request',
  'pull_request_review',
  'pull_request_review_comment',
  'issue_comment',
  'ping',
] as const;

const Repository = z.looseObject({
  full_name: z.string().min(1),
  html_url: z.string().nullish(),
  clone_url: z.string().nullish(),
  ssh_url: z.string().nullish(),
});
const Sender = z.looseObject({ id: z.number().int(), login: z.string() }).nullish();
const envelope = { repository: Repository, sender: Sender };

const Conclusion = z.string().nullable();
const WorkflowRun = z.looseObject({
  ...envelope,
  action: z.string(),
  workflow_run: z.looseObject({
    conclusion: Conclusion,
    head_branch: z.string().nullable(),
    head_sha: z.string(),
    html_url: z.string().nullish(),
    updated_at: z.string().nullish(),
  }),
});
const CheckSuite = z.looseObject({
  ...envelope,
  action: z.string(),
  check_suite: z.looseObject({
    conclusion: Conclusion,
    head_branch: z.string().nullable(),
    head_sha: z.string(),
    updated_at: z.string().nullish(),
  }),
});
const CheckRun = z.looseObject({
  ...envelope,
  action: z.string(),
  check_run: z.looseObject({
    conclusion: Conclusion,
    head_sha: z.string(),
    html_url: z.string().nullish(),
    completed_at: z.string().nullish(),
    check_suite: z.looseObject({ head_branch: z.string().nullable() }),
  }),
});
const Status = z.looseObject({
  ...envelope,
  state: z.string(),
  sha: z.string(),
  target_url: z.string().nullish(),
  updated_at: z.string().nullish(),
  branches: z.array(z.looseObject({ name: z.string(), commit: z.looseObject({ sha: z.string() }) })),
});
const PullRequest = z.looseObject({
  ...envelope,
  action: z.string(),
  pull_request: z.looseObject({
    merged: z.boolean().nullish(),
    html_url: z.string().nullish(),
    merged_at: z.string().nullish(),
    closed_at: z.string().nullish(),
    merge_commit_sha: z.string().nullish(),
    head: z.looseObject({ ref: z.string(), sha: z.string() }),
  }),
});

const Login = z.looseObject({ login: z.string() });
const PullRef = z.looseObject({
  number: z.number().int().positive(),
  head: z.looseObject({ ref: z.string() }),
});
const Review = z.looseObject({
  ...envelope,
  action: z.string(),
  review: z.looseObject({ state: z.string(), user: Login, submitted_at: z.string().nullish() }),
  pull_request: PullRef,
});
const ReviewComment = z.looseObject({
  ...envelope,
  action: z.string(),
  comment: z.looseObject({ user: Login, created_at: z.string().nullish() }),
  pull_request: PullRef,
});
const IssueComment = z.looseObject({
  ...envelope,
  action: z.string(),
  issue: z.looseObject({ number: z.number().int().positive(), pull_request: z.looseObject({}).nullish() }),
  comment: z.looseObject({ user: Login, body: z.string(), created_at: z.string().nullish() }),
});

/** GitHub's check conclusions: which count as a pass, which as a failure; the rest (cancelled, skipped…) say nothing. */
function outcomeOf(conclusion: string | null): 'success' | 'failure' | null {
  if (conclusion === 'success') return 'success';
  if (conclusion === 'failure' || conclusion === 'timed_out' || conclusion === 'startup_failure')
    return 'failure';
  return null;
}

type Shaped = z.infer<typeof WorkflowRun>;

function ciEvent(
  kind: string,
  payload: Pick<Shaped, 'repository' | 'sender'>,
  fields: Pick<CiEvent, 'outcome' | 'branch' | 'sha' | 'url' | 'mergeCommitSha' | 'feedback'> & {
    at: string | null | undefined;
  },
  receivedAt: Date,
): Normalised {
  const repo = payload.repository;
  return {
    kind: 'event',
    event: {
      source: Source.GitHub,
      kind,
      outcome: fields.outcome,
      repository: repo.full_name,
      repositoryAliases: [repo.full_name, repo.html_url, repo.clone_url, repo.ssh_url].filter(
        (v): v is string => !!v,
      ),
      projectHint: null,
      branch: fields.branch,
      sha: fields.sha,
      url: fields.url,
      ...(fields.mergeCommitSha ? { mergeCommitSha: fields.mergeCommitSha } : {}),
      ...(fields.feedback ? { feedback: fields.feedback } : {}),
      actor: {
        id: payload.sender ? String(payload.sender.id) : null,
        username: payload.sender?.login ?? null,
      },
      at: isoTime(fields.at, receivedAt),
    },
  };
}

function feedbackEvent(
  kind: string,
  payload: Pick<Shaped, 'repository' | 'sender'>,
  pr: { number: number; head: { ref: string } },
  feedback: 'review' | 'review_comment' | 'comment',
  author: string,
  at: string | null | undefined,
  receivedAt: Date,
): Normalised {
  return ciEvent(
    kind,
    payload,
    {
      outcome: 'feedback',
      branch: pr.head.ref,
      sha: null,
      url: null,
      feedback: { kind: feedback, number: pr.number, author },
      at,
    },
    receivedAt,
  );
}

/** Normalises a verified GitHub webhook (`event` = the `X-GitHub-Event` header). Pure. */
export function normaliseGithub(event: string, body: unknown, receivedAt: Date): Normalised {
  const label = boundedLabel(event, githubEvents);
  const ignored = (reason: IgnoreReason): Normalised => ({ kind: 'ignored', label, reason });
  switch (label) {
    case 'ping':
      return { kind: 'test', label };
    case 'workflow_run': {
      const parsed = checkShape(WorkflowRun, body);
      if (!parsed.ok) return parsed.invalid;
      const run = parsed.data.workflow_run;
      const outcome = parsed.data.action === 'completed' ? outcomeOf(run.conclusion) : null;
      if (!outcome) return ignored(IgnoreReason.NotFinished);
      if (!run.head_branch) return ignored(IgnoreReason.NoBranch);
      return ciEvent(
        label,
        parsed.data,
        {
          outcome,
          branch: run.head_branch,
          sha: run.head_sha,
          url: run.html_url ?? null,
          at: run.updated_at,
        },
        receivedAt,
      );
    }
    case 'check_suite': {
      const parsed = checkShape(CheckSuite, body);
      if (!parsed.ok) return parsed.invalid;
      const suite = parsed.data.check_suite;
      const outcome = parsed.data.action === 'completed' ? outcomeOf(suite.conclusion) : null;
      if (!outcome) return ignored(IgnoreReason.NotFinished);
      if (!suite.head_branch) return ignored(IgnoreReason.NoBranch);
      return ciEvent(
        label,
        parsed.data,
        { outcome, branch: suite.head_branch, sha: suite.head_sha, url: null, at: suite.updated_at },
        receivedAt,
      );
    }
    case 'check_run': {
      const parsed = checkShape(CheckRun, body);
      if (!parsed.ok) return parsed.invalid;
      const run = parsed.data.check_run;
      const outcome = parsed.data.action === 'completed' ? outcomeOf(run.conclusion) : null;
      if (!outcome) return ignored(IgnoreReason.NotFinished);
      const branch = run.check_suite.head_branch;
      if (!branch) return ignored(IgnoreReason.NoBranch);
      return ciEvent(
        label,
        parsed.data,
        { outcome, branch, sha: run.head_sha, url: run.html_url ?? null, at: run.completed_at },
        receivedAt,
      );
    }
    case 'status': {
      const parsed = checkShape(Status, body);
      if (!parsed.ok) return parsed.invalid;
      const status = parsed.data;
      const outcome =
        status.state === 'success'
          ? 'success'
          : status.state === 'failure' || status.state === 'error'
            ? 'failure'
            : null;
      if (!outcome) return ignored(IgnoreReason.NotFinished);
      // A status belongs to a commit, not a branch: it speaks for the branch whose head that commit is.
      const branch = status.branches.find((candidate) => candidate.commit.sha === status.sha)?.name;
      if (!branch) return ignored(IgnoreReason.NoBranch);
      return ciEvent(
        label,
        status,
        { outcome, branch, sha: status.sha, url: status.target_url ?? null, at: status.updated_at },
        receivedAt,
      );
    }
    case 'pull_request': {
      const parsed = checkShape(PullRequest, body);
      if (!parsed.ok) return parsed.invalid;
      const pr = parsed.data.pull_request;
      if (parsed.data.action !== 'closed') return ignored(IgnoreReason.NotMerged);
      const merged = pr.merged === true;
      return ciEvent(
        label,
        parsed.data,
        {
          outcome: merged ? 'merged' : 'closed',
          branch: pr.head.ref,
          sha: pr.head.sha,
          url: pr.html_url ?? null,
          mergeCommitSha: merged ? (pr.merge_commit_sha ?? null) : null,
          at: merged ? pr.merged_at : pr.closed_at,
        },
        receivedAt,
      );
    }
    case 'pull_request_review': {
      const parsed = checkShape(Review, body);
      if (!parsed.ok) return parsed.invalid;
      const { review, pull_request: pr } = parsed.data;
      if (parsed.data.action !== 'submitted') return ignored(IgnoreReason.Action);
      return feedbackEvent(
        label,
        parsed.data,
        pr,
        'review',
        review.user.login,
        review.submitted_at,
        receivedAt,
      );
    }
    case 'pull_request_review_comment': {
      const parsed = checkShape(ReviewComment, body);
      if (!parsed.ok) return parsed.invalid;
      const { comment, pull_request: pr } = parsed.data;
      if (parsed.data.action !== 'created') return ignored(IgnoreReason.Action);
      return feedbackEvent(
        label,
        parsed.data,
        pr,
        'review_comment',
        comment.user.login,
        comment.created_at,
        receivedAt,
      );
    }
    case 'issue_comment': {
      const parsed = checkShape(IssueComment, body);
      if (!parsed.ok) return parsed.invalid;
      const { comment, issue } = parsed.data;
      if (parsed.data.action !== 'created') return ignored(IgnoreReason.Action);
      if (!issue.pull_request) return ignored(IgnoreReason.NotPullRequest);
      // An issue comment does not name the PR's branch: the run is found by the PR's number.
      return feedbackEvent(
        label,
        parsed.data,
        { number: issue.number, head: { ref: '' } },
        'comment',
        comment.user.login,
        comment.created_at,
        receivedAt,
      );
    }
    case 'other':
      return ignored(IgnoreReason.EventType);
    default: {
      const unreachable: never = label;
      throw new Error(`unhandled GitHub event ${String(unreachable)}`);
    }
  }
}
