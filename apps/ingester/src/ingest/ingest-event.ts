import type { TaigaItemRef } from '@tundra/core';

/** Where a webhook came from; also the `source` label of every ingest metric. */
export const Source = { Taiga: 'taiga', GitHub: 'github', GitLab: 'gitlab', Ci: 'ci' } as const;
export type Source = (typeof Source)[keyof typeof Source];

/** Who caused an event, as the source names them (Taiga has numeric ids, the forges logins). */
export interface EventActor {
  id: string | null;
  username: string | null;
}

/** A change to a Taiga user story or task, reduced to what the routing rules read. */
export interface TaigaItemEvent {
  source: typeof Source.Taiga;
  kind: string;
  projectId: string;
  action: 'create' | 'change' | 'delete';
  item: TaigaItemRef;
  /** The item's status now (Taiga sends the whole object). */
  status: { slug: string; name: string } | null;
  /** Everyone assigned now: `assigned_to` plus a user story's `assigned_users`. */
  assignees: { ids: number[]; usernames: string[] };
  /** Display names from Taiga's diff, present when the change moved the status. */
  statusChange: { from: string | null; to: string | null } | null;
  assignmentChanged: boolean;
  /** The change carries a person's comment (Taiga sends it with an empty diff when that is all there is). */
  commented: boolean;
  /** The change cleared the item's blocked flag. */
  unblocked: boolean;
  actor: EventActor & { id: string };
  at: string;
}

/** What people said on a pull/merge request: a nudge for the review loop, which reads the details from the forge. */
export interface PullRequestFeedback {
  kind: 'review' | 'review_comment' | 'comment';
  /** The PR's number (GitLab: the MR's iid). */
  number: number;
  author: string;
}

/**
 * A CI outcome, a pull/merge request merged or closed, or feedback on one (`outcome: feedback`), from a forge's
 * webhook or from `scripts/ci/report.sh`.
 */
export interface CiEvent {
  source: typeof Source.GitHub | typeof Source.GitLab | typeof Source.Ci;
  kind: string;
  outcome: 'success' | 'failure' | 'merged' | 'closed' | 'feedback';
  /** The repository as the sender names it (`owner/name`). */
  repository: string;
  /** Every URL or path the sender gives for the repository, matched against the projects' `repository.url`. */
  repositoryAliases: string[];
  /** The project the sender named explicitly (the CI callback may), else null: found by repository. */
  projectHint: string | null;
  branch: string;
  sha: string | null;
  url: string | null;
  /** With `outcome: feedback`: what was said, on which PR. */
  feedback?: PullRequestFeedback;
  /** A merge's commit on the base branch, when the forge says. */
  mergeCommitSha?: string | null;
  actor: EventActor;
  at: string;
}

/** The one internal event type every source is normalised into. */
export type IngestEvent = TaigaItemEvent | CiEvent;

/** Why an event was dropped before the inbox; a bounded label of `tundra_webhooks_ignored_total`. */
export const IgnoreReason = {
  BotUser: 'bot_user',
  ItemType: 'item_type',
  IrrelevantChange: 'irrelevant_change',
  EventType: 'event_type',
  NotFinished: 'not_finished',
  NotMerged: 'not_merged',
  NoBranch: 'no_branch',
  NotPullRequest: 'not_pull_request',
  /** A review or comment edited or deleted, or a system note: only new ones ask anything of the review loop. */
  Action: 'action',
} as const;
export type IgnoreReason = (typeof IgnoreReason)[keyof typeof IgnoreReason];

/** What a source's normaliser makes of a verified, parsed body. */
export type Normalised =
  | { kind: 'event'; event: IngestEvent }
  | { kind: 'ignored'; label: string; reason: IgnoreReason }
  /** Taiga's `test` action and GitHub's `ping`: answered 200, nothing else. */
  | { kind: 'test'; label: string }
  | InvalidShape;

/** The body parsed as JSON but is not the shape its source sends; `issues` name the fields (`path: message`). */
export interface InvalidShape {
  kind: 'invalid';
  issues: string[];
}
