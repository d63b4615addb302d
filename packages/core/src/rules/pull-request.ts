import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import { runSpend, spendSentence } from './spend-text.js';

const maxTitleLength = 250;
// GitHub refuses a body past 65,536 characters; GitLab's limit is larger. Leave room for the steering section.
const maxDescriptionLength = 20_000;
const maxSummaryLength = 300;

/** The pull/merge request's title: `TG-<ref>: <story subject>`, on one line and within GitHub's limit. */
export function pullRequestTitle(ref: number, subject: string): string {
  return `TG-${ref}: ${subject.replace(/\s+/g, ' ').trim()}`.slice(0, maxTitleLength);
}

/** `1 h 05 min`, `12 min`, `40 s`. */
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export interface PullRequestBodyInput {
  run: Pick<ProtocolRun, 'id' | 'taigaItem' | 'title'>;
  steps: readonly StepRun[];
  /** The story's page on Taiga, when Tundra knows Taiga's web address. */
  storyUrl: string | null;
  /** The story's description as Taiga holds it (Markdown). */
  description: string;
  /** From the run's creation until now. */
  elapsedMs: number;
}

const oneLine = (text: string, max: number) => {
  const line = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/**
 * The pull/merge request's body: the story (link and description), the plan with each step's status, commit and
 * summary, the time and cost spent, and how to steer Tundra from the PR. Pure: it is rebuilt and written again
 * each time the run comes back to review, so it always shows the plan as it is.
 */
export function pullRequestBody(input: PullRequestBodyInput): string {
  const { run } = input;
  const story = input.storyUrl ? `[TG-${run.taigaItem.ref}](${input.storyUrl})` : `TG-${run.taigaItem.ref}`;
  const description = input.description.trim();
  const steps = [...input.steps].sort((a, b) => a.order - b.order);
  const spend = runSpend(steps);
  return [
    `Taiga story ${story}: **${oneLine(run.title, 200)}**`,
    '',
    description
      ? description.length > maxDescriptionLength
        ? `${description.slice(0, maxDescriptionLength)}\n\n… (cut; the whole description is on Taiga)`
        : description
      : '_The story has no description._',
    '',
    '### Plan',
    '',
    '| # | step | status | commit | summary |',
    '|---|---|---|---|---|',
    ...steps.map(
      (step) =>
        `| ${step.order + 1} | ${oneLine(step.title, 120)} | ${step.status} | ${step.commitSha ? `\`${step.commitSha.slice(0, 12)}\`` : '—'} | ${step.resultSummary ? oneLine(step.resultSummary, maxSummaryLength) : '—'} |`,
    ),
    '',
    `**Time:** ${formatDuration(input.elapsedMs)}. ${spend ? spendSentence(spend) : 'No cost reported by the engine.'}`,
    '',
    '### Steering Tundra',
    '',
    '- **Request changes** in a review: its comments (file, line, text) become one fix-up step, pushed to this branch.',
    '- A comment on a line opens a thread Tundra takes into the next fix-up step.',
    '- `/tundra fix <what to change>` in a comment asks for a fix-up step without a review.',
    '- Merge when you are satisfied: the story is then done on Taiga. Close without merging to cancel the run.',
    '',
    tundraReplyMarker(run.id),
  ].join('\n');
}

/** The line that ends everything Tundra writes on a pull request, so the review loop knows its own words. */
export function tundraReplyMarker(runId: string): string {
  return `<sub>Tundra · run ${runId}</sub>`;
}

/** Whether Tundra wrote this (it ends with `tundraReplyMarker`). */
export function isTundraReply(body: string): boolean {
  return /<sub>Tundra · run [A-Za-z0-9_]+<\/sub>\s*$/.test(body);
}
