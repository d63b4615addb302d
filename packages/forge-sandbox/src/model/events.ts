import type {
  CiJobRecord,
  CiRunRecord,
  CommentRecord,
  PullRecord,
  RepoRecord,
  ReviewRecord,
  UserRecord,
} from './types.js';

/**
 * What happened on a forge, before it is dressed as a GitHub or GitLab webhook. Each forge's webhook module turns
 * one event into the deliveries that forge would send.
 */
export type ForgeEvent =
  | {
      type: 'pull.opened' | 'pull.closed' | 'pull.reopened' | 'pull.merged';
      repo: RepoRecord;
      pull: PullRecord;
      actor: UserRecord;
    }
  | {
      type: 'pull.edited';
      repo: RepoRecord;
      pull: PullRecord;
      actor: UserRecord;
      changes: { title?: string; body?: string };
    }
  | { type: 'pull.synchronized'; repo: RepoRecord; pull: PullRecord; actor: UserRecord; before: string }
  | { type: 'pull.labeled'; repo: RepoRecord; pull: PullRecord; actor: UserRecord; label: string }
  | {
      type: 'pull.review_requested';
      repo: RepoRecord;
      pull: PullRecord;
      actor: UserRecord;
      reviewer: UserRecord;
    }
  | {
      type: 'review.submitted';
      repo: RepoRecord;
      pull: PullRecord;
      actor: UserRecord;
      review: ReviewRecord;
      comments: CommentRecord[];
      /** The reviewer's GitLab state before this review (`unreviewed`, `reviewed`, `requested_changes`...). */
      previousReviewerState: string;
    }
  | { type: 'comment.created'; repo: RepoRecord; pull: PullRecord; actor: UserRecord; comment: CommentRecord }
  | { type: 'ci.requested' | 'ci.completed'; repo: RepoRecord; run: CiRunRecord; actor: UserRecord }
  | { type: 'ci.job_completed'; repo: RepoRecord; run: CiRunRecord; job: CiJobRecord; actor: UserRecord }
  | {
      type: 'push';
      repo: RepoRecord;
      actor: UserRecord;
      branch: string;
      before: string;
      after: string;
      commits: string[];
    };

export type ForgeEventType = ForgeEvent['type'];
