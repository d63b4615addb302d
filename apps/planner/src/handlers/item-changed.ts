import {
  type BoardStatus,
  interpretLoneTaskMove,
  interpretStoryMove,
  interpretTaskMove,
  type ProtocolRun,
  type ProtocolRunEvent,
  type ResolvedStatusMapping,
  resolveStatusMapping,
  type StepRun,
  type StepRunEvent,
} from '@tundra/core';
import type { JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import { writebackTargets } from '../outbox/writeback-targets.js';
import type { StatusCache } from '../taiga/status-cache.js';

export interface ItemChangedDeps {
  store: StateStore;
  commands: RunCommands;
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
 * `taiga.item_changed`: a person moved a tracked item on the board. The reverse status mapping says what it means:
 * a run's story moved to a closed status cancels the run; a step's task moved to the approved status approves the
 * step; a lone task (a run whose item is a task) is read for its step first, then for its run; and so on. A move
 * that means nothing is recorded in the log and dropped.
 */
export function createItemChangedHandler(deps: ItemChangedDeps): JobHandler<'taiga.item_changed'> {
  return async (payload, { logger }) => {
    const project = await deps.store.projects.get(payload.projectId);
    if (!project || payload.statusTo === null)
      return { outcome: 'ignored', reason: 'no project or no status' };
    const statuses = await deps.statuses.get(project.taiga.projectId);
    const move: Move = {
      mapping: resolveStatusMapping(project.statusMapping),
      statusTo: payload.statusTo,
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
      const meaning = interpretStoryMove(move.mapping, run.status, to(statuses.userStory));
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
  };
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
  const shown = writebackTargets(run, steps, move.mapping).find(
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
  const outcome = await deps.commands.run(run.id, meaning.event, {
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
  const outcome = await deps.commands.step(step.protocolRunId, step.id, meaning.event, {
    actor: move.actor,
    idempotencyKey: move.idempotencyKey,
    reason: meaning.reason,
    patch: () => ({ resultSummary: meaning.reason }),
  });
  return { outcome: outcome.kind, action: meaning.action };
}
