import { decideRunStart, type Project, type StartDecision, type TaigaItemRef } from '@tundra/core';
import { type TaigaClient, TaigaNotFoundError, type TaigaTask, type TaigaUserStory } from '@tundra/taiga';
import type { StatusCache } from '../taiga/status-cache.js';

export interface StartGateDeps {
  taiga: Pick<TaigaClient, 'getUserStory' | 'getTask'>;
  statuses: Pick<StatusCache, 'get'>;
  /** The bot's Taiga user id. */
  botUserId: () => Promise<number>;
}

async function readItem(
  taiga: StartGateDeps['taiga'],
  item: TaigaItemRef,
): Promise<TaigaUserStory | TaigaTask | null> {
  try {
    return item.type === 'userstory' ? await taiga.getUserStory(item.id) : await taiga.getTask(item.id);
  } catch (error) {
    if (error instanceof TaigaNotFoundError) return null;
    throw error;
  }
}

/**
 * Reads the item in Taiga as it is now and decides whether its run may start (`decideRunStart`). Taiga being
 * unreachable is an error for the job to retry; a start that never gets through is found again by the
 * reconciler, which polls Taiga for items that should have a run.
 */
export async function checkRunStart(
  deps: StartGateDeps,
  project: Project,
  item: TaigaItemRef,
  triggeredBy: Parameters<typeof decideRunStart>[1]['triggeredBy'],
): Promise<StartDecision> {
  const detail = await readItem(deps.taiga, item);
  if (!detail) return decideRunStart({ kind: 'deleted' }, { trigger: project.trigger, triggeredBy });
  const bot = project.trigger.onBotAssignment ? await deps.botUserId() : null;
  const assignees = [detail.assigned_to, ...('assigned_users' in detail ? detail.assigned_users : [])];
  let statusSlug: string | null = null;
  if (project.trigger.statusSlugs.length > 0) {
    const statuses = await deps.statuses.get(project.taiga.projectId);
    const list = item.type === 'userstory' ? statuses.story : statuses.task;
    statusSlug = list.find((status) => status.id === detail.status)?.slug ?? null;
  }
  return decideRunStart(
    {
      kind: 'found',
      closed: detail.is_closed,
      assignedToBot: bot !== null && assignees.includes(bot),
      statusSlug,
    },
    { trigger: project.trigger, triggeredBy },
  );
}
