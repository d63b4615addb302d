import type { TaigaItemRef } from '@tundra/core';
import type { TaigaClient } from '@tundra/taiga';
import type { PlanItem } from '../plan-engines/plan-engine.js';

/** Reads the Taiga item a run is for: its subject and description feed the plan engines. */
export async function readPlanItem(
  taiga: Pick<TaigaClient, 'getUserStory' | 'getTask'>,
  item: TaigaItemRef,
): Promise<PlanItem> {
  const detail = item.type === 'userstory' ? await taiga.getUserStory(item.id) : await taiga.getTask(item.id);
  return {
    type: item.type,
    id: item.id,
    ref: detail.ref,
    subject: detail.subject,
    description: detail.description ?? '',
    tags: tagNames(detail.tags),
  };
}

/** Taiga lists an item's tags as `[name, color]` pairs (older answers: names); the names. */
export function tagNames(tags: readonly unknown[] | undefined): string[] {
  return (tags ?? []).flatMap((tag) => {
    const name = Array.isArray(tag) ? tag[0] : tag;
    return typeof name === 'string' ? [name] : [];
  });
}
