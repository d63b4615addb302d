import { interpretStoryMove, interpretTaskMove, resolveStatusMapping } from '@tundra/core';
import type { JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import type { StatusCache } from '../taiga/status-cache.js';

export interface ItemChangedDeps {
  store: StateStore;
  commands: RunCommands;
  statuses: StatusCache;
}

/**
 * `taiga.item_changed`: a person moved a tracked item on the board. The reverse status mapping says what it means:
 * a run's story moved to a closed status cancels the run; a step's task moved to the approved status approves the
 * step; and so on. A move that means nothing is recorded in the log and dropped.
 */
export function createItemChangedHandler(deps: ItemChangedDeps): JobHandler<'taiga.item_changed'> {
  return async (payload, { logger }) => {
    const project = await deps.store.projects.get(payload.projectId);
    if (!project || payload.statusTo === null)
      return { outcome: 'ignored', reason: 'no project or no status' };
    const mapping = resolveStatusMapping(project.statusMapping);
    const statuses = await deps.statuses.get(project.taiga.projectId);
    const actor = { kind: 'taiga_user', name: `taiga-user:${payload.byUserId}` } as const;
    const idempotencyKey = `board:${payload.sourceEventId}`;

    const run = await deps.store.runs.findActiveRun(project.id, payload.taigaItem);
    if (run) {
      const list = payload.taigaItem.type === 'userstory' ? statuses.userStory : statuses.task;
      const to = {
        slug: payload.statusTo,
        isClosed: list.find((s) => s.slug === payload.statusTo)?.is_closed ?? false,
      };
      const meaning = interpretStoryMove(mapping, run.status, to);
      logger.info(
        { protocolRunId: run.id, action: meaning.action, reason: meaning.reason },
        'board move on a run',
      );
      if (meaning.action === 'ignore') return { outcome: 'ignored', reason: meaning.reason };
      const outcome = await deps.commands.run(run.id, meaning.event, {
        actor,
        idempotencyKey,
        reason: meaning.reason,
        patch: () => ({ reason: meaning.reason }),
      });
      return { outcome: outcome.kind, action: meaning.action };
    }

    if (payload.taigaItem.type === 'task') {
      const step = await deps.store.runs.findStepByTaigaTask(project.id, payload.taigaItem.id);
      if (step) {
        const to = {
          slug: payload.statusTo,
          isClosed: statuses.task.find((s) => s.slug === payload.statusTo)?.is_closed ?? false,
        };
        const meaning = interpretTaskMove(mapping, step.status, to);
        logger.info(
          {
            protocolRunId: step.protocolRunId,
            stepRunId: step.id,
            action: meaning.action,
            reason: meaning.reason,
          },
          'board move on a step',
        );
        if (meaning.action === 'ignore') return { outcome: 'ignored', reason: meaning.reason };
        const outcome = await deps.commands.step(step.protocolRunId, step.id, meaning.event, {
          actor,
          idempotencyKey,
          reason: meaning.reason,
          patch: () => ({ resultSummary: meaning.reason }),
        });
        return { outcome: outcome.kind, action: meaning.action };
      }
    }
    return { outcome: 'ignored', reason: 'the item is not tracked (any more)' };
  };
}
