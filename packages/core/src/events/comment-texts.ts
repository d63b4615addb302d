import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';
import { runSpend, spendSentence } from '../rules/spend-text.js';

/** What a comment's text is built from: the event, and the run and its steps as they are now. */
export interface CommentContext {
  readonly event: RunEvent;
  readonly run: ProtocolRun;
  readonly steps: readonly StepRun[];
  /** The step the event is about (step events only). */
  readonly step: StepRun | undefined;
}

/** The text of one event's comment, or null when this occurrence needs none. */
export type CommentText = (context: CommentContext) => string | null;

const reasonOf = ({ event }: CommentContext) =>
  typeof event.payload.reason === 'string' ? event.payload.reason : null;

const stepName = ({ step, steps }: CommentContext) =>
  step ? `Step ${step.order + 1}/${steps.length} "${step.title}"` : 'A step';

const stringIn = ({ event }: CommentContext, key: string) =>
  typeof event.payload[key] === 'string' ? (event.payload[key] as string) : null;

/** The run's pull request as a Markdown link, from the event (`pullRequestUrl`) or the run. */
const prLink = (c: CommentContext) => {
  const pr = c.run.pullRequest;
  const url = stringIn(c, 'pullRequestUrl') ?? pr?.url ?? null;
  const name = pr
    ? `${pr.forge === 'gitlab' ? 'merge request !' : 'pull request #'}${pr.number}`
    : 'the pull request';
  return url ? `[${name}](${url})` : name;
};

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * The comment texts, one per kind of moment people care about: the plan, each finished step, a block or failure
 * with its reason, and the end of the run. The event catalog (`event-catalog.ts`) says which event uses which.
 */
export const commentTexts = {
  planReady: ({ steps, event }) =>
    [
      `🧭 Tundra planned this in ${plural(steps.length, 'step')}:`,
      // A blank line before the list: Taiga's Markdown folds a list that follows a line into the paragraph.
      '',
      ...steps.map((s) => `${s.order + 1}. ${s.title}`),
      ...(event.payload.awaitingApproval === true
        ? [
            '',
            'Nothing runs before a person approves this plan: comment `/tundra go` to start, or `/tundra replan <guidance>` to plan again.',
          ]
        : []),
    ].join('\n'),
  planFailed: (c) => `⚠️ Tundra could not plan this: ${reasonOf(c) ?? c.run.reason ?? 'unknown reason'}`,
  runBlocked: (c) => `⛔ Tundra is blocked: ${reasonOf(c) ?? c.run.reason ?? 'unknown reason'}`,
  runFailed: (c) => `⛔ Tundra failed: ${reasonOf(c) ?? c.run.reason ?? 'unknown reason'}`,
  runDone: (c) => {
    const { event, run, steps } = c;
    const spend = runSpend(steps);
    const commit = stringIn(c, 'mergeCommitSha');
    const merged =
      event.type === 'protocol_run.pr_merged'
        ? `, merged${run.pullRequest ? ` through ${prLink(c)}` : ''}${commit ? ` as commit \`${commit.slice(0, 12)}\`` : ''}`
        : '';
    return `🎉 Done: ${plural(steps.length, 'step')} completed${run.branch ? ` on branch \`${run.branch}\`` : ''}${merged}.${spend ? `\n${spendSentence(spend)}` : ''}`;
  },
  runInReview: (c) =>
    `🔍 Ready for review: ${prLink(c)}${c.event.payload.created === false ? ' (updated)' : ''}. Review it there; merging it completes this story.`,
  runPrClosed: (c) => `🛑 ${prLink(c)} was closed without a merge: Tundra cancelled this run.`,
  runCancelled: (c) => {
    const reason = reasonOf(c);
    return `🛑 Tundra cancelled this run${reason ? `: ${reason}` : '.'}`;
  },
  stepExecuted: (c) => {
    const { step, run } = c;
    const commit = step?.commitSha
      ? `\nCommit \`${step.commitSha.slice(0, 12)}\` on branch \`${run.branch ?? ''}\`.`
      : '';
    const spent = step?.spend ? `\n${spendSentence(step.spend, step.model ?? null)}` : '';
    return `✅ ${stepName(c)} is done${step?.resultSummary ? `: ${step.resultSummary}` : '.'}${commit}${spent}`;
  },
  stepExecutionFailed: (c) =>
    `❌ ${stepName(c)} failed (attempt ${c.step?.attempts ?? '?'}): ${c.step?.resultSummary ?? reasonOf(c) ?? 'see the logs'}`,
  stepQaPassed: (c) => `☑️ ${stepName(c)} passed QA.`,
  stepApproved: (c) => `☑️ ${stepName(c)} was approved by ${c.event.actor.name}.`,
  stepQaFailed: (c) =>
    `❌ ${stepName(c)} failed QA: ${c.step?.resultSummary ?? reasonOf(c) ?? 'see the logs'}`,
  stepCiFailed: (c) => {
    const reason = reasonOf(c);
    return `❌ CI failed for ${stepName(c)}${reason ? `: ${reason}` : '.'}`;
  },
  stepBlocked: (c) => `⛔ ${stepName(c)} is blocked: ${reasonOf(c) ?? 'see the logs'}`,
  // A run's own cancel cancels its steps too and says why once: only a step cancelled on its own (its task deleted)
  // is news.
  stepCancelled: (c) => {
    if (c.run.status === 'cancelled') return null;
    const reason = reasonOf(c);
    return `🛑 ${stepName(c)} was cancelled${reason ? `: ${reason}` : ''}. The run goes on.`;
  },
} as const satisfies Record<string, CommentText>;
