import {
  type BoardStatus,
  interpretLoneTaskMove,
  interpretStoryMove,
  interpretTaskMove,
  type JobPayload,
  type ProtocolRun,
  type ProtocolRunEvent,
  type ResolvedStatusMapping,
  resolveStatusMapping,
  type StepRun,
  type StepRunEvent,
  writeBackTargets,
} from '@tundra/core';
import type { JobHandler, JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import { assignmentChanged, itemDeleted, itemUnblocked } from '../conversation/board-gestures.js';
import { type CommentReaderDeps, readComments } from '../conversation/comment-reader.js';
import { findTrackedItem } from '../conversation/tracked-item.js';
import type { StatusCache } from '../taiga/status-cache.js';

export interface ItemChangedDeps extends CommentReaderDeps {
  store: StateStore;
  commands: RunCommands;
  queues: JobQueues;
  statuses: StatusCache;
}

/** One person's move, with what every reading of it needs. */
interface Move {
  mapping: ResolvedStatusMapping;
  statusTo: string;
  actor: { kind: 'taiga_user'; name: string };
  idempotencyKey: string;
  logger: Logger;
}

type MoveOutcome = { outcome: string; action?: string; reason?: string };

/**
 * `taiga.item_changed`: a person changed a tracked item. A deleted item cancels its run (or its step). A status move
 * is read with the reverse status mapping. Then the gestures (a cleared blocked flag, the bot unassigned or assigned
 * again) and the item's new comments (commands and feedback) are taken in, each on the run as it is by then.
 */
export function createItemChangedHandler(deps: ItemChangedDeps): JobHandler<'taiga.item_changed'> {
  return async (payload, { logger }) => {
    const project = await deps.store.projects.get(payload.projectId);
    if (!project) return { outcome: 'ignored', reason: 'no project' };
    const actor = { kind: 'taiga_user', name: `taiga-user:${payload.byUserId}` } as const;
    const gestureKey = payload.sourceEventId;
    if (payload.deleted) {
      const tracked = await findTrackedItem(deps.store, project, payload.taigaItem);
      if (!tracked) return { outcome: 'ignored', reason: 'the item is not tracked (any more)' };
      return itemDeleted(deps, project, tracked, actor, logger);
    }
    const result: Record<string, unknown> = {};
    if (payload.statusTo !== null) result.move = await statusMove(deps, payload, payload.statusTo, logger);
    const tracked = await findTrackedItem(deps.store, project, payload.taigaItem);
    if (tracked && payload.unblocked)
      result.unblocked = await itemUnblocked(deps, tracked, actor, gestureKey, logger);
    if (tracked && payload.botAssigned !== undefined) {
      const after = (await findTrackedItem(deps.store, project, payload.taigaItem)) ?? tracked;
      result.assignment = await assignmentChanged(
        deps,
        after,
        payload.botAssigned,
        actor,
        gestureKey,
        logger,
      );
    }
    // A command is never dropped: on the story of a run that has ended, it is answered about that run.
    const commentedOn =
      payload.commented &&
      (await findTrackedItem(deps.store, project, payload.taigaItem, { endedRuns: true }));
    if (commentedOn) result.comments = await readComments(deps, project, commentedOn, logger);
    if (!tracked && !commentedOn) return { ...result, outcome: result.move ? 'moved' : 'ignored' };
    return result;
  };
}

/**
 * A person moved a tracked item on the board. The reverse status mapping says what it means: a run's story moved to
 * a closed status cancels the run; a step's task moved to the approved status approves the step; a lone task (a run
 * whose item is a task) is read for its step first, then for its run; and so on. A move that means nothing is
 * recorded in the log and dropped.
 */
async function statusMove(
  deps: ItemChangedDeps,
  payload: JobPayload<'taiga.item_changed'>,
  statusTo: string,
  logger: Logger,
): Promise<MoveOutcome> {
  const project = await deps.store.projects.get(payload.projectId);
  if (!project) return { outcome: 'ignored', reason: 'no project' };
  const statuses = await deps.statuses.get(project.taiga.projectId);
  const move: Move = {
    mapping: resolveStatusMapping(project.statusMapping),
    statusTo,
    actor: { kind: 'taiga_user', name: `taiga-user:${payload.byUserId}` },
    idempotencyKey: `board:${payload.sourceEventId}`,
    logger,
  };
  const to = (list: readonly { slug: string; is_closed: boolean }[]): BoardStatus => ({
    slug: move.statusTo,
    isClosed: list.find((s) => s.slug === move.statusTo)?.is_closed ?? false,
  });

  // The job carries the webhook's event id; its lines about a run carry the run's own correlation id, so the
  // operations guide's one-id search finds them with the rest of the run.
  const onRun = (owner: Pick<ProtocolRun, 'id' | 'correlationId'>): Move => ({
    ...move,
    logger: logger.child({ correlationId: owner.correlationId, protocolRunId: owner.id }),
  });
  const run = await deps.store.runs.findActiveRun(project.id, payload.taigaItem);
  if (run && run.taigaItem.type === 'task') return moveLoneTask(deps, onRun(run), run, to(statuses.task));
  if (run) {
    const meaning = interpretStoryMove(move.mapping, run.status, to(statuses.story));
    onRun(run).logger.info({ action: meaning.action, reason: meaning.reason }, 'board move on a run');
    if (meaning.action === 'ignore') return { outcome: 'ignored', reason: meaning.reason };
    return applyToRun(deps, move, run, meaning);
  }

  if (payload.taigaItem.type === 'task') {
    const step = await deps.store.runs.findStepByTaigaTask(project.id, payload.taigaItem.id);
    const owner = step ? await deps.store.runs.getRun(step.protocolRunId) : null;
    if (step && owner) {
      const meaning = interpretTaskMove(move.mapping, step.status, to(statuses.task));
      const stepMove = onRun(owner);
      stepMove.logger.info(
        { stepRunId: step.id, action: meaning.action, reason: meaning.reason },
        'board move on a step',
      );
      if (meaning.action === 'ignore') return { outcome: 'ignored', reason: meaning.reason };
      return applyToStep(deps, stepMove, step, meaning);
    }
  }
  return { outcome: 'ignored', reason: 'the item is not tracked (any more)' };
}

/**
 * A lone task shows both its run and (with `taiga-tasks`) its one step, in the task statuses: the move is read
 * against what Tundra shows there now, so a status Tundra itself put there means nothing.
 */
async function moveLoneTask(
  deps: ItemChangedDeps,
  move: Move,
  run: ProtocolRun,
  to: BoardStatus,
): Promise<MoveOutcome> {
  const steps = await deps.store.runs.listSteps(run.id);
  const step = steps.find((s) => s.taigaTaskId === run.taigaItem.id) ?? null;
  const shown = writeBackTargets(run, steps, move.mapping).find(
    (target) => target.type === 'task' && target.id === run.taigaItem.id,
  );
  if (!shown) return { outcome: 'ignored', reason: 'Tundra does not show the run on its task' };
  const meaning = interpretLoneTaskMove(
    move.mapping,
    { run: run.status, step, shows: shown.desired.statusSlug },
    to,
  );
  move.logger.info(
    {
      stepRunId: step?.id,
      target: meaning.target,
      action: meaning.action,
      reason: meaning.reason,
    },
    'board move on a lone task',
  );
  switch (meaning.target) {
    case 'none':
      return { outcome: 'ignored', reason: meaning.reason };
    case 'step':
      return applyToStep(deps, move, meaning.step, meaning);
    case 'run':
      return applyToRun(deps, move, run, meaning);
    default: {
      const unexpected: never = meaning;
      throw new Error(`unexpected lone task meaning ${JSON.stringify(unexpected)}`);
    }
  }
}

async function applyToRun(
  deps: ItemChangedDeps,
  move: Move,
  run: ProtocolRun,
  meaning: { action: string; event: ProtocolRunEvent; reason: string },
): Promise<MoveOutcome> {
  const outcome = await deps.commands.transitionRun(run, meaning.event, {
    actor: move.actor,
    idempotencyKey: move.idempotencyKey,
    reason: meaning.reason,
    patch: () => ({ reason: meaning.reason }),
  });
  return { outcome: outcome.kind, action: meaning.action };
}

async function applyToStep(
  deps: ItemChangedDeps,
  move: Move,
  step: StepRun,
  meaning: { action: string; event: StepRunEvent; reason: string },
): Promise<MoveOutcome> {
  const outcome = await deps.commands.transitionStep(step, meaning.event, {
    actor: move.actor,
    idempotencyKey: move.idempotencyKey,
    reason: meaning.reason,
    patch: () => ({ resultSummary: meaning.reason }),
  });
  return { outcome: outcome.kind, action: meaning.action };
}
