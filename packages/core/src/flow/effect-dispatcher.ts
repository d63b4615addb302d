import type { Redis } from 'ioredis';
import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { StepRun } from '../contracts/step-run.js';
import type { JobQueues } from '../jobs/job-queues.js';
import { Effect } from '../machine/machine.js';
import type { Keys } from '../store/keys.js';
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
  redis: Redis;
  keys: Keys;
}

/**
 * Carries out a transition's effects at the edge: jobs for work that follows, a write-back to Taiga, a stop
 * signal for running engines, the removal of an ended run's worktree.
 * Job ids derive from the transition's event id, so dispatching the same transition twice (a retried handler)
 * adds each job once.
 */
export class EffectDispatcher {
  constructor(private readonly deps: EffectDispatcherDeps) {}

  async dispatch(applied: AppliedTransition): Promise<void> {
    const { run, step } = applied;
    const ids = { projectId: run.projectId, correlationId: run.correlationId, protocolRunId: run.id };
    const jobId = (kind: string) => `${kind}-${run.id}-${applied.eventId}`;
    const wantsTaiga =
      applied.effects.includes(Effect.SyncTaiga) || applied.effects.includes(Effect.CommentTaiga);
    for (const effect of new Set(applied.effects)) {
      switch (effect) {
        case Effect.EnqueuePlan:
          await this.deps.queues.enqueue('run.replan', ids, { jobId: jobId('replan') });
          break;
        case Effect.EnqueueNextStep:
          await this.deps.queues.enqueue('run.advance', ids, { jobId: jobId('advance') });
          break;
        case Effect.EnqueueQa:
          if (step) {
            await this.deps.queues.enqueue(
              'step.qa',
              { ...ids, stepRunId: step.id, trigger: 'after_exec' },
              { jobId: jobId('qa') },
            );
          }
          break;
        case Effect.SyncTaiga:
        case Effect.CommentTaiga:
          break;
        case Effect.StopEngine: {
          const signal: StopSignal = {
            protocolRunId: run.id,
            stepRunId: step?.id ?? null,
            reason: applied.reason ?? 'stopped',
          };
          await this.deps.redis.publish(this.deps.keys.controlChannel(), JSON.stringify(signal));
          break;
        }
        case Effect.ReleaseItem:
          // The transition script already freed the item; the run has ended, so its worktree can go.
          await this.deps.queues.enqueue('run.cleanup', ids, { jobId: jobId('cleanup') });
          break;
        default: {
          const unhandled: never = effect;
          throw new Error(`unhandled effect ${String(unhandled)}`);
        }
      }
    }
    // One write-back job per transition, whatever mix of status and comment it asked for: the job makes Taiga
    // match the run's current state and its not-yet-posted events.
    if (wantsTaiga) {
      await this.deps.queues.enqueue(
        'taiga.sync',
        { ...ids, stepRunId: step?.id ?? null },
        { jobId: jobId('sync') },
      );
    }
  }
}
