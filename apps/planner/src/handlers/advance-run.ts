import { decideNextAction, QueueName } from '@tundra/core';
import type { JobHandler, JobQueues, RunCommands, StateStore } from '@tundra/core/server';

const actor = { kind: 'system', name: 'planner' } as const;

export interface AdvanceRunDeps {
  store: StateStore;
  commands: RunCommands;
  queues: JobQueues;
}

/**
 * `run.advance`: does what comes next for a run (a cancelled one: cancel its unfinished steps), as `decideNextAction` rules: execute the next step, retry
 * a failed one, block the run, or complete it. Idempotent: every action is keyed by the step and its attempt, so
 * advance jobs may be enqueued freely (after each step, by the reconciler).
 */
export function createAdvanceRunHandler(deps: AdvanceRunDeps): JobHandler<'run.advance'> {
  return async (payload, { logger }) => {
    const runId = payload.protocolRunId;
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
          const attempt = action.step.attempts + 1;
          const jobId = `exec-${action.step.id}-${attempt}`;
          // A job of that id that ended without starting the step (the run was paused before the executor took
          // it, or the executor failed first) would make BullMQ ignore the new one: the step would never run.
          const previous = await deps.queues.queue(QueueName.Execute).getJob(jobId);
          if (previous && ((await previous.isCompleted()) || (await previous.isFailed())))
            await previous.remove();
          await deps.queues.enqueue(
            'step.execute',
            {
              projectId: run.projectId,
              correlationId: run.correlationId,
              protocolRunId: runId,
              stepRunId: action.step.id,
              attempt,
            },
            { jobId },
          );
          return { outcome: 'execute', stepRunId: action.step.id, attempt };
        }
        case 'retry':
          await deps.commands.step(runId, action.step.id, 'retried', {
            actor,
            idempotencyKey: `retried:${action.step.id}:${action.step.attempts}`,
            reason: `attempt ${action.step.attempts} of ${project.limits.maxAttempts} failed`,
          });
          break;
        case 'block':
          await deps.commands.run(runId, 'blocked', {
            actor,
            reason: action.reason,
            patch: () => ({ reason: action.reason }),
            // With the run's version: a run resumed while its step is still failed is blocked again, not left running.
            idempotencyKey: `blocked:${action.step.id}:${action.step.attempts}:${run.version}`,
          });
          return { outcome: 'blocked' };
        case 'cancel_steps':
          for (const step of action.steps) {
            await deps.commands.step(runId, step.id, 'cancelled', {
              actor,
              idempotencyKey: `cancelled-with-run:${step.id}`,
              reason: 'the run was cancelled',
            });
          }
          return { outcome: 'steps_cancelled', steps: action.steps.length };
        case 'complete':
          await deps.commands.run(runId, 'steps_completed', {
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
  };
}
