import { z } from 'zod';

/**
 * The kinds of Taiga item a ProtocolRun can be linked to: Tundra's names (`Story`), Taiga's own spelling as the values
 * (`userstory`: stored in Redis and sent on the wire, so it stays).
 */
export const TaigaItemType = { Story: 'userstory', Task: 'task' } as const;
export type TaigaItemType = (typeof TaigaItemType)[keyof typeof TaigaItemType];

/** A Taiga user story or task, by its id (stable) and its ref (what people type, e.g. `#42`). */
export const TaigaItemRef = z.object({
  type: z.enum([TaigaItemType.Story, TaigaItemType.Task]),
  id: z.number().int().positive(),
  ref: z.number().int().positive(),
});
export type TaigaItemRef = z.infer<typeof TaigaItemRef>;

/** The key that identifies an item within a project, used for the one-active-run-per-item rule. */
export function taigaItemKey(item: Pick<TaigaItemRef, 'type' | 'id'>): string {
  return `${item.type}:${item.id}`;
}
