import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import type { JobQueues } from '../jobs/job-queues.js';
import { Effect } from '../machine/machine.js';
import type { Keys } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { StopSignal } from './stop-signal.js';

/** What was just changed, and the effects its transition asked for. */
export interface AppliedTransition {
  run: Pick<ProtocolRun, 'id' | 'projectId' | 'correlationId'>;
  step?: Pick<StepRun, 'id'> | null;
  effects: readonly Effect[];
  /** The event id of the transition: makes job ids deterministic, so a retried dispatch enqueues nothing new. */
  eventId: string;
  reason?: string;
}

export interface EffectDispatcherDeps {
  queues: JobQueues;
  redis: RedisClient;
  keys: Keys;
}

/** The effects carried out at the edge; `release_item` is part of the transition's own write. */
type EdgeEffect = Exclude<Effect, typeof Effect.ReleaseItem>;
type Action = (applied: AppliedTransition) => Promise<unknown>;

/**
 * Carries out a transition's effects at the edge: jobs for work that follows, a write-back to Taiga, a stop
 * signal for running engines, the removal of an ended run's worktree. Each effect maps to one action; a status
 * sync and a comment map to the same write-back, which runs once.
 * Job ids derive from the transition's event id, so dispatching the same transition twice (a retried handler)
 * adds each job once.
 */
export class EffectDispatcher {
  private readonly actions: Record<EdgeEffect, Action>;

  constructor(deps: EffectDispatcherDeps) {
    const ids = ({ run }: AppliedTransition) => ({
      projectId: run.projectId,
      correlationId: run.correlationId,
      protocolRunId: run.id,
    });
    const jobId = (kind: string, { run, eventId }: AppliedTransition) => `${kind}-${run.id}-${eventId}`;
    // One write-back job per transition, whatever mix of status and comment it asked for.
    const writeBack: Action = (applied) =>
      deps.queues.enqueue(
        'taiga.write_back',
        { ...ids(applied), stepRunId: applied.step?.id ?? null },
        { jobId: jobId('sync', applied) },
      );
    this.actions = {
      [Effect.EnqueuePlan]: (applied) =>
        deps.queues.enqueue('run.replan', ids(applied), { jobId: jobId('replan', applied) }),
      [Effect.EnqueueNextStep]: (applied) =>
        deps.queues.enqueue('run.advance', ids(applied), { jobId: jobId('advance', applied) }),
      [Effect.EnqueueQa]: async (applied) => {
        if (!applied.step) return;
        await deps.queues.enqueue(
          'step.qa',
          { ...ids(applied), stepRunId: applied.step.id, trigger: 'after_exec' },
          { jobId: jobId('qa', applied) },
        );
      },
      [Effect.SyncTaiga]: writeBack,
      [Effect.CommentTaiga]: writeBack,
      [Effect.StopEngine]: (applied) => {
        const signal: StopSignal = {
          protocolRunId: applied.run.id,
          stepRunId: applied.step?.id ?? null,
          reason: applied.reason ?? 'stopped',
        };
        return deps.redis.publish(deps.keys.controlChannel(), JSON.stringify(signal));
      },
      [Effect.CleanupWorkspace]: (applied) =>
        deps.queues.enqueue('run.cleanup', ids(applied), { jobId: jobId('cleanup', applied) }),
    };
  }

  async dispatch(applied: AppliedTransition): Promise<void> {
    const actions = new Set<Action>();
    for (const effect of applied.effects) {
      if (effect !== Effect.ReleaseItem) actions.add(this.actions[effect]);
    }
    await Promise.all([...actions].map((action) => action(applied)));
  }
}
