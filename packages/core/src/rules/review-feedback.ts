import { parseComment } from './comment-command-parse.js';
import { isTundraReply } from './pull-request.js';

/** What people said on a pull request, as the forge client reads it (the fields the review loop uses). */
export interface FeedbackInput {
  reviews: readonly {
    id: string;
    author: string;
    state: 'approved' | 'changes_requested' | 'commented';
    body: string;
  }[];
  reviewComments: readonly {
    id: string;
    threadId: string;
    author: string;
    body: string;
    path: string;
    line: number | null;
    inReplyTo: string | null;
  }[];
  comments: readonly { id: string; author: string; body: string }[];
}

/** One thing a fix-up step is asked to address. */
export interface FeedbackItem {
  /** `ci_failure`: a failing CI job on the PR's head (`limits.ciFixAttempts`); its body carries the log's tail. */
  readonly kind: 'review' | 'review_comment' | 'command' | 'ci_failure';
  readonly id: string;
  readonly author: string;
  readonly body: string;
  readonly path: string | null;
  readonly line: number | null;
  /** Where Tundra replies once the fix-up is pushed (a review comment's thread), else null: the conversation. */
  readonly threadId: string | null;
}

export interface FeedbackFilter {
  /**
   * What earlier rounds took (`feedbackKey`). Known by id, never by time: the forge's clock and Tundra's differ,
   * and a forge may round its times to the second (GitLab's notes).
   */
  handled: ReadonlySet<string>;
}

/** A feedback item's key among everything said on the PR: ids are unique within a kind only. */
export function feedbackKey(item: Pick<FeedbackItem, 'kind' | 'id'>): string {
  return `${item.kind}:${item.id}`;
}

/**
 * The feedback a fix-up round takes, in the order given: reviews that request changes, review comments that open
 * or continue a thread, and `/tundra fix <text>` comments, that no earlier round took and that are not Tundra's own. Who may
 * ask is decided afterwards (write access, read from the forge).
 */
export function actionableFeedback(input: FeedbackInput, filter: FeedbackFilter): FeedbackItem[] {
  // Tundra's own replies (they end with its marker) are never feedback.
  const own = (body: string) => isTundraReply(body);
  const items: FeedbackItem[] = [];
  for (const review of input.reviews) {
    if (review.state !== 'changes_requested' || own(review.body)) continue;
    if (filter.handled.has(feedbackKey({ kind: 'review', id: review.id }))) continue;
    items.push({
      kind: 'review',
      id: review.id,
      author: review.author,
      body: review.body,
      path: null,
      line: null,
      threadId: null,
    });
  }
  for (const comment of input.reviewComments) {
    if (own(comment.body) || filter.handled.has(feedbackKey({ kind: 'review_comment', id: comment.id })))
      continue;
    items.push({
      kind: 'review_comment',
      id: comment.id,
      author: comment.author,
      body: comment.body,
      path: comment.path,
      line: comment.line,
      threadId: comment.threadId,
    });
  }
  for (const comment of input.comments) {
    if (own(comment.body) || filter.handled.has(feedbackKey({ kind: 'command', id: comment.id }))) continue;
    // The same `/tundra <command>` grammar as on Taiga; the whole comment is the request, lines after the first too.
    const command = parseComment(comment.body, null);
    if (command.kind !== 'command' || command.name !== 'fix') continue;
    items.push({
      kind: 'command',
      id: comment.id,
      author: comment.author,
      body: comment.body.trim(),
      path: null,
      line: null,
      threadId: null,
    });
  }
  return items;
}

/** What a round of review asks of the run. */
export type FixupDecision =
  | { readonly kind: 'none' }
  | { readonly kind: 'fixup'; readonly round: number; readonly items: readonly FeedbackItem[] }
  | { readonly kind: 'limit_reached'; readonly rounds: number };

/**
 * A new round (one fix-up step for everything asked since the last), unless nothing is asked, or the project's
 * `reviewRounds` are used up (the run then blocks with the reason).
 */
export function decideFixup(
  items: readonly FeedbackItem[],
  roundsUsed: number,
  limit: number,
): FixupDecision {
  if (items.length === 0) return { kind: 'none' };
  if (roundsUsed >= limit) return { kind: 'limit_reached', rounds: roundsUsed };
  return { kind: 'fixup', round: roundsUsed + 1, items };
}

/** The default of `limits.reviewRounds`. */
export const defaultReviewRounds = 3;

/** The fix-up step's title. */
export function fixupTitle(round: number, items: readonly FeedbackItem[]): string {
  const failing = items.filter((item) => item.kind === 'ci_failure');
  if (failing.length > 0 && failing.length === items.length)
    return `CI fix-up ${round}: ${plural(failing.length, 'failing job')}`;
  const authors = [...new Set(items.map((item) => `@${item.author}`))].join(', ');
  return `Fix-up ${round}: review by ${authors}`;
}

/** What asked for a fix-up step: people's review, or a red CI run on the PR's head. */
export type FixupCause = 'review' | 'ci';

const fixupMark: Record<FixupCause, string> = { review: 'fixup', ci: 'cifix' };
// Generated ids are `run_<slot tag, 8 characters><hex>` (store/keys.ts): a fix-up step's id keeps its run's tag, so
// its keys sit in the run's slot on Redis Cluster, and a mark no hex digits can make.
const slotTagLength = 8;

/** Whether a step is a fix-up step, of either cause or of `cause` (by its id, which the review loop chooses). */
export function isFixupStepId(stepId: string, cause?: FixupCause): boolean {
  const marks = cause ? [fixupMark[cause]] : Object.values(fixupMark);
  return new RegExp(`^step_[A-Za-z0-9]{${slotTagLength}}(${marks.join('|')})\\d+x`).test(stepId);
}

/**
 * The fix-up step's id: deterministic, so every job that starts the same round appends the same step. Review
 * rounds and CI fix-ups are numbered apart, as their limits are.
 */
export function fixupStepId(runId: string, round: number, cause: FixupCause = 'review'): string {
  const body = runId.replace(/^run_/, '').replace(/[^A-Za-z0-9]/g, '');
  return `step_${body.slice(0, slotTagLength)}${fixupMark[cause]}${round}x${body.slice(slotTagLength)}`.slice(
    0,
    69,
  );
}

/** The default of `limits.ciFixAttempts`: CI failures start no fix-up step unless the project says so. */
export const defaultCiFixAttempts = 0;

/** How much of a failing job's log a CI fix-up step carries (its end, where the error usually is). */
export const ciLogTailBytes = 4_000;

/** A failing CI job as a fix-up item: its name and link, and the tail of its log. */
export function ciFailureItem(
  sha: string,
  job: { id: string; name: string; url: string | null },
  logTail: string,
): FeedbackItem {
  const tail = logTail.trimEnd();
  return {
    kind: 'ci_failure',
    id: `${sha}:${job.id}`,
    author: 'ci',
    body: [
      `The CI job "${job.name}" failed on commit ${sha.slice(0, 12)}${job.url ? ` (${job.url})` : ''}.`,
      ...(tail ? ['The end of its log:', '', '```', tail, '```'] : ['Its log could not be read.']),
    ].join('\n'),
    path: null,
    line: null,
    threadId: null,
  };
}

/** The fix-up step's instructions: every review comment with its file, line, author and text. */
export function fixupInstructions(pullRequestUrl: string, items: readonly FeedbackItem[]): string {
  const where = (item: FeedbackItem) =>
    item.path
      ? `\`${item.path}${item.line !== null ? `:${item.line}` : ''}\``
      : 'the pull request as a whole';
  const label: Record<FeedbackItem['kind'], string> = {
    review: 'review requesting changes',
    review_comment: 'review comment',
    command: '/tundra fix',
    ci_failure: 'failing CI job',
  };
  return [
    items.every((item) => item.kind === 'ci_failure')
      ? `CI fails on ${pullRequestUrl}. Make it pass in this branch; keep the rest of the work as it is.`
      : `Reviewers asked for changes on ${pullRequestUrl}. Address every point below in this branch; keep the rest of the work as it is.`,
    '',
    ...items.map(
      (item, index) =>
        `${index + 1}. ${label[item.kind]} by @${item.author} on ${where(item)}:\n\n${item.body
          .trim()
          .split('\n')
          .map((line) => `   > ${line}`)
          .join('\n')}\n`,
    ),
  ].join('\n');
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
