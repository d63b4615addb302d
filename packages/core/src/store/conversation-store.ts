import { z } from 'zod';
import type { TaigaItemRef } from '../contracts/taiga-item.js';
import type { ContextRemark } from '../rules/context-file.js';
import type { StoreContext } from './store-options.js';

/** A person's remark kept with the run: a plain comment, or the text of `retry`, `reject` or `replan`. */
export const StoredRemark = z.object({
  /** The Taiga history entry it came from: the same comment read twice is kept once. */
  entryId: z.string(),
  at: z.string(),
  author: z.string(),
  where: z.string(),
  kind: z.enum(['comment', 'retry', 'reject', 'replan']),
  text: z.string(),
  /** The step whose task carried it, or the step a command's text is for; null for the run's own item. */
  stepRunId: z.string().nullable(),
});
export type StoredRemark = z.infer<typeof StoredRemark>;

/**
 * What Tundra decided about one comment: kept before it acts, so a redelivery replays the same decision (the
 * command's actions, by their idempotency keys) and answers once.
 */
export const CommentRecord = z.object({
  kind: z.enum(['remark', 'command']),
  /** The command's name as written (lower-cased); null for a remark. */
  command: z.string().nullable(),
  /** The reply's body (`ReplyBody`) and the actions (`CommandAction[]`), as the pure rules made them. */
  body: z.record(z.string(), z.unknown()).nullable(),
  actions: z.array(z.record(z.string(), z.unknown())),
  replied: z.boolean(),
});
export type CommentRecord = z.infer<typeof CommentRecord>;

const itemKey = (item: Pick<TaigaItemRef, 'type' | 'id'>) => `${item.type}:${item.id}`;
// Remarks beyond this many are dropped oldest first; the context file cuts much earlier.
const maxRemarks = 500;
// A comment is remembered long after any webhook log could be resent or the reconciler read its item again.
const commentTtlSeconds = 30 * 24 * 3600;

/**
 * The conversation with people on Taiga: which history entries of each tracked item were read, what was decided
 * about each comment (once per history entry id, across duplicate deliveries and restarts), the remarks the agent
 * gets in its context file, and the run's items that people deleted.
 */
export class ConversationStore {
  constructor(private readonly ctx: StoreContext) {}

  historyCursor(projectId: string, item: Pick<TaigaItemRef, 'type' | 'id'>): Promise<string | null> {
    return this.ctx.redis.get(this.ctx.keys.itemHistoryCursor(projectId, itemKey(item)));
  }

  async setHistoryCursor(projectId: string, item: Pick<TaigaItemRef, 'type' | 'id'>, entryId: string) {
    await this.ctx.redis.set(this.ctx.keys.itemHistoryCursor(projectId, itemKey(item)), entryId);
  }

  /**
   * Records the decision about a comment unless one is recorded already, and returns the one that holds: the first
   * decision wins, so a comment read twice acts and answers as it did the first time.
   */
  async decide(
    projectId: string,
    entryId: string,
    record: CommentRecord,
  ): Promise<{ record: CommentRecord; first: boolean }> {
    const key = this.ctx.keys.commentEntry(projectId, entryId);
    const set = await this.ctx.redis.set(key, JSON.stringify(record), 'EX', commentTtlSeconds, 'NX');
    if (set === 'OK') return { record, first: true };
    const stored = await this.ctx.redis.get(key);
    return stored === null
      ? { record, first: true }
      : { record: CommentRecord.parse(JSON.parse(stored)), first: false };
  }

  async recorded(projectId: string, entryId: string): Promise<CommentRecord | null> {
    const stored = await this.ctx.redis.get(this.ctx.keys.commentEntry(projectId, entryId));
    return stored === null ? null : CommentRecord.parse(JSON.parse(stored));
  }

  async markReplied(projectId: string, entryId: string, record: CommentRecord): Promise<void> {
    await this.ctx.redis.set(
      this.ctx.keys.commentEntry(projectId, entryId),
      JSON.stringify({ ...record, replied: true }),
      'EX',
      commentTtlSeconds,
    );
  }

  /** Keeps a remark once per (history entry, kind): a command's text and its comment are one remark each. */
  async addRemark(runId: string, remark: StoredRemark): Promise<void> {
    const key = this.ctx.keys.runRemarks(runId);
    const existing = await this.listRemarks(runId);
    if (existing.some((r) => r.entryId === remark.entryId && r.kind === remark.kind)) return;
    await this.ctx.redis.multi().rpush(key, JSON.stringify(remark)).ltrim(key, -maxRemarks, -1).exec();
  }

  async listRemarks(runId: string): Promise<StoredRemark[]> {
    const raw = await this.ctx.redis.lrange(this.ctx.keys.runRemarks(runId), 0, -1);
    return raw.map((entry) => StoredRemark.parse(JSON.parse(entry)));
  }

  /**
   * The run's remarks as the context file takes them (oldest first): for a step, what was said on the run's item
   * and on that step; for planning (`stepRunId` null), everything.
   */
  async contextRemarks(runId: string, stepRunId: string | null): Promise<ContextRemark[]> {
    const remarks = await this.listRemarks(runId);
    return remarks
      .filter((r) => stepRunId === null || r.stepRunId === null || r.stepRunId === stepRunId)
      .map(({ at, author, where, kind, text }) => ({ at, author, where, kind, text }));
  }

  async markGone(runId: string, item: Pick<TaigaItemRef, 'type' | 'id'>): Promise<void> {
    await this.ctx.redis.sadd(this.ctx.keys.runGoneItems(runId), itemKey(item));
  }

  /** The run's deleted items, as `userstory:<id>` / `task:<id>`. */
  async goneItems(runId: string): Promise<Set<string>> {
    return new Set(await this.ctx.redis.smembers(this.ctx.keys.runGoneItems(runId)));
  }

  async isGone(runId: string, item: Pick<TaigaItemRef, 'type' | 'id'>): Promise<boolean> {
    return (await this.ctx.redis.sismember(this.ctx.keys.runGoneItems(runId), itemKey(item))) === 1;
  }
}
