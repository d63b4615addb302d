import {
  allowedNow,
  type CommandAction,
  type CommandDecision,
  commandReplyText,
  findCommand,
  isTerminal,
  type Project,
  parseComment,
  protocolRunMachine,
  type ReplyBody,
  replyMarker,
  type TaigaItemWriter,
} from '@tundra/core';
import type { CommentRecord, RunCommands, StateStore } from '@tundra/core/server';
import { mayModify, type ProjectMembers, type TaigaClient, type TaigaHistoryEntry } from '@tundra/taiga';
import type { Logger } from 'pino';
import type { StatusCache } from '../taiga/status-cache.js';
import { TaigaItemGoneError } from '../write-back/gone-items.js';
import { applyCommandActions, type RemarkOrigin } from './command-actions.js';
import type { ConversationMetrics } from './metrics.js';
import { refreshTracked, type TrackedItem } from './tracked-item.js';

/** The bot's Taiga user: its own comments are skipped, and `@<username>` addresses it. */
export interface BotUser {
  id: number;
  username: string;
}

export interface CommentReaderDeps {
  store: StateStore;
  commands: RunCommands;
  taiga: Pick<TaigaClient, 'historySince'>;
  /** The write-back's item writer (`goneAwarePort`): replies go out as every Tundra comment does. */
  writer: TaigaItemWriter;
  statuses: StatusCache;
  members: ProjectMembers;
  botUser: () => Promise<BotUser>;
  metrics: ConversationMetrics;
  now?: () => Date;
}

export interface CommentsRead {
  entries: number;
  commands: number;
  remarks: number;
}

const isLiveComment = (entry: TaigaHistoryEntry) =>
  typeof entry.comment === 'string' && entry.comment.trim() !== '' && !entry.delete_comment_date;

const replyMarkerPattern = new RegExp(`${replyMarker('')}([0-9a-zA-Z-]+)`, 'g');

/** The comments the bot has answered already, by the marker in its replies' footers. */
const repliedTo = (entries: readonly TaigaHistoryEntry[], botId: number) =>
  new Set(
    entries
      .filter((entry) => entry.user.pk === botId)
      .flatMap((entry) => [...(entry.comment ?? '').matchAll(replyMarkerPattern)])
      .map((match) => match[1]),
  );

/**
 * Reads a tracked item's Taiga history since the last entry read (no webhook carries a comment's history entry id),
 * and takes in each person's comment written since the run began: a command acts and is answered, anything else is
 * kept as feedback for the agent. Every comment is decided once, by its history entry id, whatever reads it again.
 */
export async function readComments(
  deps: CommentReaderDeps,
  project: Project,
  tracked: TrackedItem,
  logger: Logger,
): Promise<CommentsRead> {
  const { item } = tracked;
  const cursor = await deps.store.conversation.historyCursor(project.id, item);
  const { entries } = await deps.taiga.historySince(item.type, item.id, cursor);
  const bot = await deps.botUser();
  const answered = repliedTo(entries, bot.id);
  const since = Date.parse(tracked.run.createdAt);
  const read: CommentsRead = { entries: entries.length, commands: 0, remarks: 0 };
  // A run that has ended answers commands (what it is, what may be done now) but keeps no feedback: no agent reads it.
  const ended = isTerminal(protocolRunMachine, tracked.run.status);
  for (const entry of entries) {
    if (isLiveComment(entry) && entry.user.pk !== bot.id && Date.parse(entry.created_at) >= since) {
      const kind = await takeComment(deps, project, tracked, entry, bot, answered, ended, logger);
      if (kind !== 'ignored') read[kind === 'command' ? 'commands' : 'remarks']++;
    }
    await deps.store.conversation.setHistoryCursor(project.id, item, entry.id);
  }
  return read;
}

/** Where a comment was written, for the agent: the story, or which step's task. */
function whereSaid(tracked: TrackedItem): string {
  const step = tracked.command.step;
  if (step) return `the task of step ${step.order + 1} "${step.title}"`;
  return tracked.item.type === 'userstory' ? 'the user story' : 'the task';
}

async function takeComment(
  deps: CommentReaderDeps,
  project: Project,
  tracked: TrackedItem,
  entry: TaigaHistoryEntry,
  bot: BotUser,
  answered: ReadonlySet<string | undefined>,
  ended: boolean,
  logger: Logger,
): Promise<'command' | 'remark' | 'ignored'> {
  const author = entry.user.username ?? entry.user.name ?? `user ${entry.user.pk}`;
  const origin: RemarkOrigin = {
    entryId: entry.id,
    at: entry.created_at,
    author,
    where: whereSaid(tracked),
  };
  const log = logger.child({ protocolRunId: tracked.run.id, historyEntryId: entry.id, author });
  const parsed = parseComment(entry.comment, bot.username);
  if (parsed.kind === 'remark' && ended) return 'ignored';
  if (parsed.kind === 'remark') {
    const { first } = await deps.store.conversation.decide(project.id, entry.id, {
      kind: 'remark',
      command: null,
      body: null,
      actions: [],
      replied: true,
    });
    await deps.store.conversation.addRemark(tracked.run.id, {
      ...origin,
      kind: 'comment',
      text: entry.comment,
      stepRunId: tracked.command.step?.id ?? null,
    });
    if (first) {
      deps.metrics.feedback.inc({ project: project.id });
      log.info('a comment kept as feedback for the agent');
    }
    return 'remark';
  }

  const earlier = await deps.store.conversation.recorded(project.id, entry.id);
  if (earlier?.replied) return 'command';
  const { record, first } = earlier
    ? { record: earlier, first: false }
    : await deps.store.conversation.decide(
        project.id,
        entry.id,
        await firstDecision(deps, project, tracked, entry, parsed),
      );
  let body = record.body as unknown as ReplyBody;
  if (record.actions.length > 0) {
    const outcome = await applyCommandActions(
      deps,
      tracked.run,
      record.actions as unknown as CommandAction[],
      origin,
      { kind: 'taiga_user', name: author },
    );
    if (!outcome.ok) body = { kind: 'refused', why: outcome.why };
  }
  if (first) {
    const row = findCommand(parsed.name);
    deps.metrics.commands.inc({ command: row ? row.name : 'unknown', outcome: outcomeLabel(body) });
  }
  const replied = !answered.has(entry.id);
  if (replied) await reply(deps, project, tracked, entry.id, author, body, log);
  await deps.store.conversation.markReplied(project.id, entry.id, record);
  log.info({ command: parsed.name, outcome: body.kind, replied }, 'answered a comment command');
  return 'command';
}

/** What a command does, decided from the run as it is when the comment is first read. */
async function firstDecision(
  deps: CommentReaderDeps,
  project: Project,
  tracked: TrackedItem,
  entry: TaigaHistoryEntry,
  parsed: { name: string; text: string },
): Promise<CommentRecord> {
  const record = (body: ReplyBody, actions: readonly CommandAction[] = []): CommentRecord => ({
    kind: 'command',
    command: parsed.name,
    body: body as unknown as Record<string, unknown>,
    actions: actions as unknown as Record<string, unknown>[],
    replied: false,
  });
  const member =
    entry.user.pk === null ? null : await deps.members.roleOf(project.taiga.projectId, entry.user.pk);
  if (!mayModify(member, tracked.item.type)) {
    deps.metrics.refusals.inc({ reason: member === null ? 'not_member' : 'role' });
    return record({
      kind: 'not_allowed',
      itemLabel: tracked.item.type === 'userstory' ? 'this user story' : 'this task',
    });
  }
  const row = findCommand(parsed.name);
  if (!row) return record({ kind: 'unknown', word: parsed.name });
  const decision: CommandDecision = row.decide(tracked.command, parsed.text);
  switch (decision.kind) {
    case 'act':
      return record({ kind: 'done', text: decision.done }, decision.actions);
    case 'refuse':
      return record({ kind: 'refused', why: decision.why });
    case 'answer':
      return record(
        row.name === 'status'
          ? { kind: 'status', usage: { costUsd: null }, now: (deps.now?.() ?? new Date()).toISOString() }
          : { kind: 'help' },
      );
    default: {
      const unexpected: never = decision;
      throw new Error(`unexpected decision ${JSON.stringify(unexpected)}`);
    }
  }
}

function outcomeLabel(body: ReplyBody): string {
  switch (body.kind) {
    case 'done':
      return 'acted';
    case 'status':
    case 'help':
      return 'answered';
    case 'refused':
      return 'refused';
    case 'not_allowed':
      return 'not_allowed';
    case 'unknown':
      return 'unknown';
    default: {
      const unexpected: never = body;
      throw new Error(`unexpected reply ${JSON.stringify(unexpected)}`);
    }
  }
}

/** Answers the comment on the item it was written on, naming the commands allowed now. */
async function reply(
  deps: CommentReaderDeps,
  project: Project,
  tracked: TrackedItem,
  entryId: string,
  author: string,
  body: ReplyBody,
  logger: Logger,
): Promise<void> {
  const { item } = tracked;
  if (await deps.store.conversation.isGone(tracked.run.id, item)) return;
  const now = await refreshTracked(deps.store, tracked);
  const text = commandReplyText({
    author,
    body,
    context: now.command,
    allowed: allowedNow(now.command),
    historyEntryId: entryId,
  });
  try {
    await deps.writer.write(
      [
        {
          item: { type: item.type, id: item.id },
          desired: null,
          comments: [{ eventId: `reply-${entryId}`, at: new Date().toISOString(), text }],
          reread: false,
        },
      ],
      { statuses: await deps.statuses.get(project.taiga.projectId), projectId: project.id, retried: false },
    );
  } catch (error) {
    if (!(error instanceof TaigaItemGoneError)) throw error;
    await deps.store.conversation.markGone(tracked.run.id, item);
    logger.warn({ projectId: project.id, taigaItem: item }, 'the item is gone from Taiga: no reply');
  }
}
