import type { ItemWriteBack, TaigaItemKey, TaigaItemPort } from '@tundra/core';
import { TundraError } from '@tundra/core';
import { TaigaNotFoundError } from '@tundra/taiga';

/** Taiga answered 404 for a run's item: a person deleted it. Final: the write-back never writes to it again. */
export class TaigaItemGoneError extends TundraError {
  readonly code = 'TAIGA_ITEM_GONE';
  constructor(readonly item: TaigaItemKey) {
    super(`Taiga has no ${item.type} ${item.id} any more (deleted)`);
  }
}

/** The write-back's Taiga calls, with a 404 told apart as the item it concerns (`TaigaItemGoneError`). */
export function goneAwarePort(port: TaigaItemPort): TaigaItemPort {
  const named =
    <A extends unknown[], R>(call: (item: TaigaItemKey, ...rest: A) => Promise<R>) =>
    async (item: TaigaItemKey, ...rest: A): Promise<R> => {
      try {
        return await call(item, ...rest);
      } catch (error) {
        if (error instanceof TaigaNotFoundError) throw new TaigaItemGoneError(item);
        throw error;
      }
    };
  return {
    readItem: named((item) => port.readItem(item)),
    writeItem: named((item, body: Parameters<TaigaItemPort['writeItem']>[1]) => port.writeItem(item, body)),
    itemComments: named((item) => port.itemComments(item)),
  };
}

/**
 * The write-back without the items people deleted: nothing is written to them again, and what a deleted step task
 * would have been told is told on the run's own item (when that is still there).
 */
export function withoutGoneItems(
  work: readonly ItemWriteBack[],
  runItem: TaigaItemKey,
  gone: (item: TaigaItemKey) => boolean,
): ItemWriteBack[] {
  const kept = work.filter((entry) => !gone(entry.item));
  const orphaned = work.filter((entry) => gone(entry.item)).flatMap((entry) => entry.comments);
  if (orphaned.length === 0 || gone(runItem)) return kept;
  const same = (entry: ItemWriteBack) => entry.item.type === runItem.type && entry.item.id === runItem.id;
  const own = kept.find(same);
  const comments = [...(own?.comments ?? []), ...orphaned];
  return own
    ? kept.map((entry) => (same(entry) ? { ...entry, comments } : entry))
    : [...kept, { item: runItem, desired: null, comments, reread: false }];
}
