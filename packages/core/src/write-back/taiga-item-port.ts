import type { StatusPatch, TaigaItemBoardFields } from '../mapping/status-patch.js';

/** A Taiga story or task, as the write-back addresses it. */
export interface TaigaItemKey {
  readonly type: 'userstory' | 'task';
  readonly id: number;
}

/** What the write-back needs of an item: its board fields and the version a PATCH must carry. */
export interface TaigaItemSnapshot extends TaigaItemBoardFields {
  readonly version: number;
}

/** One PATCH: status fields and a comment together, with the version the item was at. */
export interface TaigaItemWrite extends StatusPatch {
  comment?: string;
  version: number;
}

/**
 * The few Taiga calls the write-back makes, for stories and tasks alike (the Taiga client implements it and is
 * the one place that tells the two apart).
 */
export interface TaigaItemPort {
  readItem(item: TaigaItemKey): Promise<TaigaItemSnapshot>;
  /** The item as Taiga answered the PATCH, or `stale_version` when Taiga refused the version (HTTP 400). */
  writeItem(item: TaigaItemKey, body: TaigaItemWrite): Promise<TaigaItemSnapshot | 'stale_version'>;
  /** The comments of the item's history: a retried write-back looks for its markers there. */
  itemComments(item: TaigaItemKey): Promise<string[]>;
}

export const itemKeyOf = (item: TaigaItemKey) => `${item.type}:${item.id}`;
