import type { Actor, CommandAction, ProtocolRun } from '@tundra/core';
import type { RunCommands, StateStore, StoredRemark } from '@tundra/core/server';

export interface ActionDeps {
  store: StateStore;
  commands: RunCommands;
}

/** Whether every transition the actions asked for happened (or had happened, for a replay). */
export type ActionsOutcome = { ok: true } | { ok: false; why: string };

/** What a remark says about where it was written, for the agent: `the story`, `task #14`. */
export type RemarkOrigin = Pick<StoredRemark, 'entryId' | 'at' | 'author' | 'where'>;

// Run events after which the run's reason (why it is blocked or failed) no longer holds.
const clearsReason = new Set(['resumed', 'run_started', 'replanned']);

/**
 * Carries out a command's actions in order, each keyed by the comment's history entry and its place in the list:
 * a comment taken in twice (a resent webhook, the reconciler) makes each transition once.
 */
export async function applyCommandActions(
  deps: ActionDeps,
  run: ProtocolRun,
  actions: readonly CommandAction[],
  origin: RemarkOrigin,
  actor: Actor,
): Promise<ActionsOutcome> {
  for (const [index, action] of actions.entries()) {
    const idempotencyKey = `comment:${origin.entryId}:${index}`;
    switch (action.kind) {
      case 'feedback':
        await deps.store.conversation.addRemark(run.id, {
          ...origin,
          kind: action.remark,
          text: action.text,
          stepRunId: action.stepRunId,
        });
        break;
      case 'run': {
        const outcome = await deps.commands.transitionRun(run.id, action.event, {
          actor,
          idempotencyKey,
          reason: action.reason,
          patch: () => ({ reason: clearsReason.has(action.event) ? null : action.reason }),
        });
        if (outcome.kind !== 'applied' && outcome.kind !== 'replayed')
          return { ok: false, why: `the run changed meanwhile (${outcome.kind})` };
        break;
      }
      case 'step': {
        const outcome = await deps.commands.transitionStep(run.id, action.stepRunId, action.event, {
          actor,
          idempotencyKey,
          reason: action.reason,
          patch: () => ({ resultSummary: action.reason }),
        });
        if (outcome.kind !== 'applied' && outcome.kind !== 'replayed')
          return { ok: false, why: `the step changed meanwhile (${outcome.kind})` };
        break;
      }
      default: {
        const unexpected: never = action;
        throw new Error(`unexpected command action ${JSON.stringify(unexpected)}`);
      }
    }
  }
  return { ok: true };
}
