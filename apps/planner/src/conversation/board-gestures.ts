import { type Actor, findCommand, isTerminal, type Project, stepRunMachine } from '@tundra/core';
import type { JobQueues, RunCommands, StateStore } from '@tundra/core/server';
import type { Logger } from 'pino';
import { applyCommandActions } from './command-actions.js';
import type { TrackedItem } from './tracked-item.js';

export interface GestureDeps {
  store: StateStore;
  commands: RunCommands;
  queues: JobQueues;
}

/** What a gesture did, for the job's result and the log. */
export interface GestureOutcome {
  gesture: 'deleted' | 'unblocked' | 'unassigned' | 'reassigned';
  outcome: string;
}

const itemLabel = (tracked: TrackedItem) => (tracked.item.type === 'userstory' ? 'user story' : 'task');
const onRunItem = (tracked: TrackedItem) => tracked.command.place !== 'task';

/**
 * A person deleted a tracked item. The run's own item: the run is cancelled (its engine stopped) and nothing more is
 * written to the item. A step's task: that step is cancelled and the run goes on; the story hears of it.
 */
export async function itemDeleted(
  deps: GestureDeps,
  project: Project,
  tracked: TrackedItem,
  actor: Actor,
  logger: Logger,
): Promise<GestureOutcome> {
  const { run, item } = tracked;
  await deps.store.conversation.markGone(run.id, item);
  const idempotencyKey = `deleted:${item.type}:${item.id}`;
  if (onRunItem(tracked)) {
    const reason = `its ${itemLabel(tracked)} was deleted in Taiga`;
    const outcome = await deps.commands.transitionRun(run.id, 'cancelled', {
      actor,
      idempotencyKey,
      reason,
      patch: () => ({ reason }),
    });
    logger.info({ protocolRunId: run.id, outcome: outcome.kind }, 'run item deleted in Taiga: run cancelled');
    return { gesture: 'deleted', outcome: outcome.kind };
  }
  const step = tracked.command.step;
  if (!step || isTerminal(stepRunMachine, step.status)) return { gesture: 'deleted', outcome: 'ignored' };
  const reason = 'its task was deleted in Taiga';
  const outcome = await deps.commands.transitionStep(run.id, step.id, 'cancelled', {
    actor,
    idempotencyKey,
    reason,
    patch: () => ({ resultSummary: reason }),
  });
  // A cancelled step asks for nothing next by itself; the run moves on to its next step.
  await deps.queues.enqueue(
    'run.advance',
    { projectId: project.id, correlationId: run.correlationId, protocolRunId: run.id },
    { jobId: `advance-deleted-task-${run.id}-${item.id}` },
  );
  logger.info(
    { protocolRunId: run.id, stepRunId: step.id, outcome: outcome.kind },
    "step's task deleted in Taiga: step cancelled",
  );
  return { gesture: 'deleted', outcome: outcome.kind };
}

/**
 * A person cleared the blocked flag: the same as `/tundra retry` there (a blocked run's story: its step is retried
 * and the run resumed; a blocked or failed step's task: the step is retried).
 */
export async function itemUnblocked(
  deps: GestureDeps,
  tracked: TrackedItem,
  actor: Actor,
  gestureKey: string,
  logger: Logger,
): Promise<GestureOutcome> {
  const decision = findCommand('retry')?.decide(tracked.command, '');
  if (decision?.kind !== 'act') {
    logger.info({ protocolRunId: tracked.run.id }, 'blocked flag cleared on an item that waits for nothing');
    return { gesture: 'unblocked', outcome: 'ignored' };
  }
  const outcome = await applyCommandActions(
    deps,
    tracked.run,
    decision.actions,
    { entryId: gestureKey, at: new Date().toISOString(), author: actor.name, where: 'the board' },
    actor,
  );
  logger.info({ protocolRunId: tracked.run.id, outcome }, 'blocked flag cleared: retrying');
  return { gesture: 'unblocked', outcome: outcome.ok ? 'applied' : outcome.why };
}

/** A person took the bot off the run's item (the run pauses) or put it back (a paused run resumes). */
export async function assignmentChanged(
  deps: GestureDeps,
  tracked: TrackedItem,
  botAssigned: boolean,
  actor: Actor,
  gestureKey: string,
  logger: Logger,
): Promise<GestureOutcome | null> {
  if (!onRunItem(tracked)) return null;
  const { run } = tracked;
  const event = botAssigned ? 'resumed' : 'paused';
  const wanted = botAssigned ? run.status === 'paused' : run.status === 'running' || run.status === 'planned';
  if (!wanted) return null;
  const reason = botAssigned ? 'the bot was assigned again' : 'the bot was unassigned';
  const outcome = await deps.commands.transitionRun(run.id, event, {
    actor,
    idempotencyKey: `assignment:${gestureKey}`,
    reason,
    patch: () => ({ reason: botAssigned ? null : reason }),
  });
  logger.info({ protocolRunId: run.id, event, outcome: outcome.kind }, reason);
  return { gesture: botAssigned ? 'reassigned' : 'unassigned', outcome: outcome.kind };
}
