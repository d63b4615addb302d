import {
  type BackoffPolicy,
  cancelledWithRunKey,
  decideNextAction,
  type Project,
  type ProtocolRun,
  QueueName,
  stepRetryDelayMs,
} from '@tundra/core';
import {
  failsForGood,
  type JobContext,
  type JobHandler,
  type JobQueues,
  type RunCommands,
  type StateStore,
} from '@tundra/core/server';
import type { Logger } from 'pino';

const actor = { kind: 'system', name: 'planner' } as const;

export interface AdvanceRunDeps {
  store: StateStore;
  commands: RunCommands;
  queues: JobQueues;
  /** Opens or updates the run's pull request and moves it to review (`pull-request` delivery). */
  deliver: (run: ProtocolRun, project: Project, logger: Logger) => Promise<{ outcome: string }>;
  /** The wait between a step's attempts (TUNDRA_STEP_RETRY_BASE_DELAY_MS, TUNDRA_STEP_RETRY_MAX_DELAY_MS). */
  stepRetry: BackoffPolicy;
  now?: () => number;
}

/**
 * `run.advance`: does what comes next for a run (a cancelled one: cancel its unfinished steps), as `decideNextAction` rules: execute the next step, retry
 * a failed one, block the run, complete it, or deliver it as a pull request for review. Idempotent: every action is keyed by the step and its attempt, so
 * advance jobs may be enqueued freely (after each step, by the reconciler). A step's next attempt is enqueued as a
 * delayed job (exponential backoff with a cap), under the same deterministic id. When the job itself fails for good
 * (its last attempt, or an error no retry fixes), the run is blocked with the reason rather than left running with
 * nothing to move it on.
 */
export function createAdvanceRunHandler(deps: AdvanceRunDeps): JobHandler<'run.advance'> {
  const now = deps.now ?? Date.now;
  return async (payload, context) => {
    try {
      return await advance(payload.protocolRunId, context);
    } catch (error) {
      if (!failsForGood(context.job, error)) throw error;
      const reason = `Tundra could not advance the run: ${error instanceof Error ? error.message : String(error)}`;
      const blocked = await deps.commands.transitionRun(payload.protocolRunId, 'blocked', {
        actor,
        reason,
        patch: () => ({ reason }),
        idempotencyKey: `advance-failed:${context.job.id ?? ''}:${context.job.timestamp}`,
      });
      context.logger.error({ err: error, outcome: blocked.kind }, 'run.advance failed for good: run blocked');
      return { outcome: 'advance_failed', blocked: blocked.kind };
    }
  };

  async function advance(runId: string, { logger }: JobContext) {
    // A retry puts the step back to pending: decide again to execute it (twice at most per job).
    for (let round = 0; round < 2; round++) {
      const run = await deps.store.runs.getRun(runId);
      const project = run && (await deps.store.projects.get(run.projectId));
      if (!run || !project) return { outcome: 'gone' };
      const action = decideNextAction(run, await deps.store.runs.listSteps(runId), project);
      logger.debug({ action: action.kind }, 'next action');
      switch (action.kind) {
        case 'wait':
        case 'await_merge':
          return { outcome: action.kind };
        case 'execute': {
          const { step } = action;
          const attempt = step.attempts + 1;
          const jobId = `exec-${step.id}-${attempt}`;
          // A job of that id that ended without starting the step (the run was paused before the executor took
          // it) would make BullMQ ignore the new one: the step would never run. One that failed used up its
          // attempts without the executor starting the step (it records every failure after that): the run is
          // blocked with its reason instead of trying for ever in silence. The job goes first, so a resumed run
          // tries again, and a crash in between only retries.
          const previous = await deps.queues.queue(QueueName.Execute).getJob(jobId);
          if (previous && (await previous.isFailed())) {
            await previous.remove();
            const reason =
              `the executor could not start step ${step.order + 1} "${step.title}": ` +
              (previous.failedReason || 'its job failed');
            await deps.commands.transitionRun(run, 'blocked', {
              actor,
              reason,
              patch: () => ({ reason }),
              idempotencyKey: `exec-gave-up:${jobId}:${previous.timestamp}`,
            });
            return { outcome: 'blocked', reason };
          }
          if (previous && (await previous.isCompleted())) await previous.remove();
          // Derived from the stored step, so every advance that gets here asks for the same moment; an enqueue
          // of an id already waiting (delayed) is ignored by BullMQ.
          const delayMs = stepRetryDelayMs(step, now(), deps.stepRetry);
          await deps.queues.enqueue(
            'step.execute',
            {
              projectId: run.projectId,
              correlationId: run.correlationId,
              protocolRunId: runId,
              stepRunId: step.id,
              attempt,
            },
            { jobId, ...(delayMs > 0 ? { delayMs } : {}) },
          );
          return { outcome: 'execute', stepRunId: step.id, attempt, delayMs };
        }
        case 'retry':
          await deps.commands.transitionStep(action.step, 'retried', {
            actor,
            idempotencyKey: `retried:${action.step.id}:${action.step.attempts}`,
            reason: `attempt ${action.step.attempts} of ${project.limits.maxAttempts} failed`,
          });
          break;
        case 'block':
          await deps.commands.transitionRun(run, 'blocked', {
            actor,
            reason: action.reason,
            patch: () => ({ reason: action.reason }),
            // With the run's version: a run resumed while its step is still failed is blocked again, not left running.
            idempotencyKey: `blocked:${action.step.id}:${action.step.attempts}:${run.version}`,
          });
          return { outcome: 'blocked' };
        case 'cancel_steps':
          for (const step of action.steps) {
            await deps.commands.transitionStep(step, 'cancelled', {
              actor,
              idempotencyKey: cancelledWithRunKey(step.id),
              reason: 'the run was cancelled',
            });
          }
          return { outcome: 'steps_cancelled', steps: action.steps.length };
        case 'deliver':
          return deps.deliver(run, project, logger);
        case 'complete':
          await deps.commands.transitionRun(run, 'steps_completed', {
            actor,
            idempotencyKey: `steps_completed:${runId}`,
          });
          return { outcome: 'completed' };
        default: {
          const unexpected: never = action;
          throw new Error(`unexpected action ${JSON.stringify(unexpected)}`);
        }
      }
    }
    return { outcome: 'retried' };
  }
}
