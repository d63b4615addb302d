import type { JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import { type PlanRunDeps, planRun } from '../planning/plan-run.js';
import { checkRunStart, type StartGateDeps } from '../planning/start-gate.js';

const actor = { kind: 'system', name: 'planner' } as const;

/**
 * `run.start`: reads the Taiga item first (a closed or deleted item, or one that no longer meets the trigger that
 * asked, starts nothing: deliveries arrive out of order), then creates the ProtocolRun (one active run per item: a
 * second trigger while one is active changes nothing), moves it to `planning` and plans it. A retried job finds
 * its run and carries on.
 */
export function createStartRunHandler(
  deps: PlanRunDeps & StartGateDeps & { store: StateStore; commands: RunCommands },
): JobHandler<'run.start'> {
  return async (payload, { logger, job }) => {
    const project = await deps.store.projects.get(payload.projectId);
    if (!project) {
      logger.warn('run.start for an unknown project: dropped');
      return { outcome: 'unknown_project' };
    }
    // A retry of a job that created its run already carries on with it, whatever the item became meanwhile (the
    // run's own board moves and the reconciler deal with that).
    const active = await deps.store.runs.findActiveRun(payload.projectId, payload.taigaItem);
    if (active?.correlationId !== payload.correlationId) {
      const decision = await checkRunStart(deps, project, payload.taigaItem, payload.trigger ?? null);
      if (!decision.start) {
        logger.info(
          {
            taigaItem: payload.taigaItem,
            trigger: payload.trigger ?? null,
            reason: decision.reason,
            detail: decision.message,
          },
          'run not started',
        );
        return { outcome: 'not_started', reason: decision.reason };
      }
    }
    const created = await deps.store.runs.createRun({
      projectId: payload.projectId,
      taigaItem: payload.taigaItem,
      title: `${payload.taigaItem.type} #${payload.taigaItem.ref}`,
      correlationId: payload.correlationId,
      actor: payload.requestedBy?.actor ?? actor,
      payload: { sourceEventId: payload.sourceEventId, reason: payload.requestedBy?.reason ?? null },
    });
    const runId = created.kind === 'created' ? created.run.id : created.runId;
    const run = created.kind === 'created' ? created.run : await deps.store.runs.getRun(runId);
    const runLog = logger.child({ protocolRunId: runId, correlationId: run?.correlationId });
    // A redelivered job for the run it created continues; another trigger for an active item stops here.
    const ownRun = created.kind === 'created' || run?.correlationId === payload.correlationId;
    if (!ownRun || (run?.status !== 'pending' && run?.status !== 'planning')) {
      runLog.info({ status: run?.status }, 'the item already has an active run');
      return { outcome: 'already_active', protocolRunId: runId };
    }
    if (run.status === 'pending') {
      await deps.commands.transitionRun(run, 'plan_started', {
        actor,
        idempotencyKey: `plan_started:${runId}`,
      });
    }
    const outcome = await planRun(deps, runId, {
      logger: runLog,
      lastAttempt: job.attemptsMade + 1 >= (job.opts.attempts ?? 1),
    });
    return { outcome, protocolRunId: runId };
  };
}
