import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import { type CommandContext, type CommandName, commandTable } from './comment-commands.js';

/**
 * The text of Tundra's reply to a comment command, in Markdown that real Taiga renders cleanly: a blank line
 * before every list, no raw HTML, and a footer a person can read or skip that holds the machine-readable marker.
 */

/** The marker in a reply's footer: which comment (Taiga history entry) it answers, so it is posted once. */
export function replyMarker(historyEntryId: string): string {
  return `tundra-reply:${historyEntryId}`;
}

/** What the run cost so far, when the engines reported it; null fields are shown as not known. */
export interface RunUsage {
  readonly costUsd: number | null;
}

export type ReplyBody =
  | { readonly kind: 'done'; readonly text: string }
  | { readonly kind: 'refused'; readonly why: string }
  | { readonly kind: 'status'; readonly usage: RunUsage; readonly now: string }
  | { readonly kind: 'help' }
  | { readonly kind: 'unknown'; readonly word: string }
  /** The author may not give commands here (not a member, or a role that may not modify the item). */
  | { readonly kind: 'not_allowed'; readonly itemLabel: string };

export interface ReplyInput {
  readonly author: string;
  readonly body: ReplyBody;
  /** The run as it is after the command, for the allowed commands and the status. */
  readonly context: CommandContext;
  readonly allowed: readonly CommandName[];
  readonly historyEntryId: string;
}

const code = (text: string) => `\`${text.replaceAll('`', "'")}\``;

function duration(fromIso: string, nowIso: string): string {
  const minutes = Math.max(0, Math.round((Date.parse(nowIso) - Date.parse(fromIso)) / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min`;
}

function stepLine(step: StepRun): string {
  const attempts = step.attempts > 0 ? `, attempt ${step.attempts}` : '';
  const commit = step.commitSha ? `, commit ${code(step.commitSha.slice(0, 12))}` : '';
  return `${step.order + 1}. ${step.title.replace(/\s+/g, ' ')}: **${step.status}**${attempts}${commit}`;
}

function statusText(run: ProtocolRun, steps: readonly StepRun[], usage: RunUsage, now: string): string {
  const ordered = [...steps].sort((a, b) => a.order - b.order);
  const cost = usage.costUsd === null ? 'not reported by the engine' : `$${usage.costUsd.toFixed(2)}`;
  return [
    `The run is **${run.status}**${run.reason ? `: ${run.reason.replace(/\s+/g, ' ')}` : ''}.`,
    ordered.length > 0 ? ordered.map(stepLine).join('\n') : 'No steps yet.',
    `Time since the run began: ${duration(run.createdAt, now)}. Cost so far: ${cost}.`,
  ].join('\n\n');
}

function helpText(): string {
  const rows = commandTable.map((row) => `- ${code(`/tundra ${row.usage}`)}: ${row.summary}`);
  return [
    'Tundra listens to comments that start with `/tundra` (or a mention of its user):',
    rows.join('\n'),
  ].join('\n\n');
}

function bodyText(input: ReplyInput): string {
  const { body, context } = input;
  switch (body.kind) {
    case 'done':
      return body.text;
    case 'refused':
      return `Nothing done: ${body.why}.`;
    case 'status':
      return statusText(context.run, context.steps, body.usage, body.now);
    case 'help':
      return helpText();
    case 'unknown':
      return `${code(body.word)} is no Tundra command. ${helpText()}`;
    case 'not_allowed':
      return `Sorry, only project members whose role may modify ${body.itemLabel} can give Tundra commands. Ask a member of the project, or an admin, to add you.`;
    default: {
      const unexpected: never = body;
      throw new Error(`unexpected reply ${JSON.stringify(unexpected)}`);
    }
  }
}

/** The whole reply comment: who it answers, what happened, the commands allowed now, and the footer. */
export function commandReplyText(input: ReplyInput): string {
  const allowed =
    input.body.kind === 'not_allowed'
      ? null
      : `Commands you can use now: ${input.allowed.map((name) => code(`/tundra ${name}`)).join(', ')}.`;
  return [
    `@${input.author} ${bodyText(input)}`,
    ...(allowed ? [allowed] : []),
    '---',
    `_Tundra · run ${code(input.context.run.id)} · ${replyMarker(input.historyEntryId)}_`,
  ].join('\n\n');
}
