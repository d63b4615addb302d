import { TundraError } from '../errors.js';
import { commentMarker } from '../events/run-comments.js';
import type { TaigaItemState } from '../mapping/status-mapping.js';
import { statusPatch } from '../mapping/status-patch.js';
import {
  itemKeyOf,
  type TaigaItemKey,
  type TaigaItemPort,
  type TaigaItemSnapshot,
  type TaigaItemWrite,
} from './taiga-item-port.js';
import type { ItemWriteBack } from './write-back-plan.js';

/** A project's Taiga statuses (id and slug), per kind of item. */
export interface ItemStatuses {
  readonly task: readonly { readonly id: number; readonly slug: string }[];
  readonly story: readonly { readonly id: number; readonly slug: string }[];
}

/** What a write-back did: PATCHes sent, comments posted (with when Taiga had each). */
export interface WriteBackReport {
  patched: number;
  posted: { eventId: string; at: string; postedAt: number }[];
  conflicts: number;
}

export interface TaigaItemWriterOptions {
  port: TaigaItemPort;
  /** Re-reads allowed after a version conflict, per PATCH. */
  conflictRetries?: number;
  /** Items whose last answer is kept; the oldest is forgotten past this. */
  rememberItems?: number;
  now?: () => number;
}

/**
 * Taiga items written the way Taiga wants: one PATCH carries the status, the blocked flag and a comment together,
 * with the version of the last answer Taiga gave for the item; the item is read only when it has no known answer
 * or Taiga refuses the version. Items are written in parallel, and in order per item.
 */
export class TaigaItemWriter {
  private readonly known = new Map<string, TaigaItemSnapshot>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly conflictRetries: number;
  private readonly rememberItems: number;
  private readonly now: () => number;

  constructor(private readonly options: TaigaItemWriterOptions) {
    this.conflictRetries = options.conflictRetries ?? 3;
    this.rememberItems = options.rememberItems ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Writes each item's state and comments. With `retried`, a comment whose marker is already in the item's history
   * (posted by an attempt that failed afterwards) is not posted again.
   */
  async write(
    work: readonly ItemWriteBack[],
    context: { statuses: ItemStatuses; projectId: string; retried: boolean },
  ): Promise<WriteBackReport> {
    const report: WriteBackReport = { patched: 0, posted: [], conflicts: 0 };
    await Promise.all(
      work.map((item) => this.inOrder(item.item, () => this.writeItem(item, context, report))),
    );
    return report;
  }

  /** Runs `task` after every earlier write of the same item. */
  private inOrder<T>(item: TaigaItemKey, task: () => Promise<T>): Promise<T> {
    const key = itemKeyOf(item);
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  private async writeItem(
    work: ItemWriteBack,
    context: { statuses: ItemStatuses; projectId: string; retried: boolean },
    report: WriteBackReport,
  ): Promise<void> {
    const { item } = work;
    if (work.reread) this.known.delete(itemKeyOf(item));
    let comments = work.comments;
    if (context.retried && comments.length > 0) {
      const history = await this.options.port.itemComments(item);
      comments = comments.filter((c) => !history.some((text) => text.includes(commentMarker(c.eventId))));
    }
    const statuses = item.type === 'task' ? context.statuses.task : context.statuses.story;
    const kind = item.type === 'task' ? ('task' as const) : ('userStory' as const);
    const patchFor = (current: TaigaItemSnapshot, desired: TaigaItemState | null) =>
      desired ? statusPatch(current, desired, statuses, { projectId: context.projectId, kind }) : null;
    // The first PATCH carries the status and the first comment; each further comment goes in its own PATCH.
    const writes = Math.max(1, comments.length);
    for (let i = 0; i < writes; i++) {
      const comment = comments[i];
      const desired = i === 0 ? work.desired : null;
      const sent = await this.patch(item, (current) => {
        const body = { ...patchFor(current, desired), ...(comment ? { comment: comment.text } : {}) };
        return Object.keys(body).length > 0 ? body : null;
      });
      report.conflicts += sent.conflicts;
      if (sent.written) report.patched++;
      if (sent.written && comment)
        report.posted.push({ eventId: comment.eventId, at: comment.at, postedAt: this.now() });
    }
  }

  /** One PATCH built from the item as last known, re-read and rebuilt when Taiga refuses the version. */
  private async patch(
    item: TaigaItemKey,
    build: (current: TaigaItemSnapshot) => Omit<TaigaItemWrite, 'version'> | null,
  ): Promise<{ written: boolean; conflicts: number }> {
    const key = itemKeyOf(item);
    let current = this.known.get(key) ?? (await this.read(item));
    for (let conflicts = 0; ; conflicts++) {
      const body = build(current);
      if (body === null) return { written: false, conflicts };
      let answer: TaigaItemSnapshot | 'stale_version';
      try {
        answer = await this.options.port.writeItem(item, { ...body, version: current.version });
      } catch (error) {
        // Whether the PATCH went through is unknown: the next write reads the item again.
        this.known.delete(key);
        throw error;
      }
      if (answer !== 'stale_version') {
        this.remember(key, answer);
        return { written: true, conflicts };
      }
      if (conflicts >= this.conflictRetries) {
        this.known.delete(key);
        throw new TaigaWriteBackConflictError(item, conflicts + 1);
      }
      current = await this.read(item);
    }
  }

  private async read(item: TaigaItemKey): Promise<TaigaItemSnapshot> {
    const snapshot = await this.options.port.readItem(item);
    this.remember(itemKeyOf(item), snapshot);
    return snapshot;
  }

  private remember(key: string, snapshot: TaigaItemSnapshot): void {
    this.known.delete(key);
    this.known.set(key, {
      version: snapshot.version,
      status: snapshot.status,
      is_blocked: snapshot.is_blocked,
      blocked_note: snapshot.blocked_note,
    });
    if (this.known.size > this.rememberItems) {
      const oldest = this.known.keys().next().value;
      if (oldest !== undefined) this.known.delete(oldest);
    }
  }
}

/** Taiga kept refusing the version of an item: someone else writes it all the time. The job retries later. */
export class TaigaWriteBackConflictError extends TundraError {
  readonly code = 'TAIGA_WRITEBACK_CONFLICT';
  constructor(
    readonly item: TaigaItemKey,
    readonly attempts: number,
  ) {
    super(`Taiga kept refusing the version of ${item.type} ${item.id} (${attempts} PATCHes)`);
  }
}
