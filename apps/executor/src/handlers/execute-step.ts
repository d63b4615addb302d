import { hostname } from 'node:os';
import {
  cancelledWithRunKey,
  type JobPayload,
  type Project,
  type ProtocolRun,
  type StepRun,
} from '@tundra/core';
import type { JobContext, JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import { createStepLogSink, type EngineProcessResult, type EngineRunner } from '@tundra/engine';
import type { WorkspaceManager, Worktree } from '@tundra/workspace';
import { DelayedError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { type StepWatch, StopKind, type StopSignalHub } from '../control/stop-signal-hub.js';
import { StepLeases } from '../lease/step-lease.js';
import { ProjectSlots } from '../slots/project-slots.js';
import { failureSummary, successSummary } from './step-summary.js';

const actor = { kind: 'system', name: 'executor' } as const;

export interface ExecuteStepSettings {
  stepLeaseMs: number;
  stepLogMaxLen: number;
  /** How long a job waits (delayed in BullMQ) when its project has no free slot. */
  slotWaitMs: number;
  /** The environment engines start from (see `engineBaseEnv`); the step's variables are added to it. */
  engineEnv: Record<string, string | undefined>;
}

export interface ExecuteStepDeps {
  /** Reads runs, steps and projects. */
  store: StateStore;
  /** Changes them: transitions with their effects carried out (QA, Taiga write-back, the run's advance). */
  commands: RunCommands;
  workspaces: WorkspaceManager;
  engine: EngineRunner;
  /** For leases, slots and step logs (the store's connection will do). */
  redis: Redis;
  stops: StopSignalHub;
  config: ExecuteStepSettings;
  logger: Logger;
  registry: Registry;
}

export type ExecuteStepResult = { outcome: string; reason?: string; commitSha?: string };

/** The step and everything it is executed with, once it is ours to run. */
interface Execution {
  run: ProtocolRun;
  step: StepRun;
  project: Project;
  attempt: number;
  watch: StepWatch;
  logger: Logger;
}

/**
 * `step.execute`: runs the project's exec engine for one step in the run's worktree, commits what it changed and
 * records the outcome (`needs_qa` with the commit, or `failed` with a summary). Safe to deliver twice: a step
 * another executor is working on (its lease is held) is left alone; a `running` step without a lease is a crash
 * left-over and is handed back (`interrupted`) and run again; a commit an earlier attempt made is found by its
 * trailer instead of being made twice.
 */
export function createExecuteStepHandler(deps: ExecuteStepDeps): JobHandler<'step.execute'> {
  const { store, config } = deps;
  const holder = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const leases = new StepLeases(deps.redis, store.keys, holder);
  const slots = new ProjectSlots(deps.redis, store.keys);
  const slotWaits =
    (deps.registry.getSingleMetric('tundra_executor_slot_waits_total') as Counter | undefined) ??
    new Counter({
      name: 'tundra_executor_slot_waits_total',
      help: 'step.execute jobs put back to wait because their project was at its concurrent-runs limit.',
      registers: [deps.registry],
    });

  return async (payload, context) => {
    const { protocolRunId: runId, stepRunId: stepId } = payload;
    const { logger } = context;
    const [run, loaded, project] = await Promise.all([
      store.runs.getRun(runId),
      store.runs.getStep(runId, stepId),
      store.projects.get(payload.projectId),
    ]);
    if (!run || !loaded || !project) {
      logger.warn(
        { run: !!run, step: !!loaded, project: !!project },
        'step.execute for a missing record: dropped',
      );
      return { outcome: 'missing' };
    }
    if (run.status !== 'running') return stale(logger, `the run is ${run.status}`);
    let step = loaded;
    if (step.status === 'running') {
      if (await leases.held(runId, stepId)) {
        logger.info('the step is running under a live executor: duplicate job ignored');
        return { outcome: 'duplicate' };
      }
      const interrupted = await deps.commands.step(runId, stepId, 'interrupted', {
        actor,
        idempotencyKey: `exec-interrupted:${stepId}:${step.attempts}`,
        reason: 'no live executor holds the step: its executor stopped mid-attempt',
      });
      logger.warn(
        { attempt: step.attempts, outcome: interrupted.kind },
        'step was left running by a dead executor',
      );
      step = (await store.runs.getStep(runId, stepId)) ?? step;
    }
    if (step.status !== 'pending') return stale(logger, `the step is ${step.status}`);

    const slot = {
      projectId: project.id,
      runId,
      limit: project.limits.concurrentRuns,
      leaseMs: config.stepLeaseMs,
    };
    if (!(await slots.acquire(slot))) {
      slotWaits.inc();
      logger.info({ waitMs: config.slotWaitMs }, 'project at its concurrent-runs limit: job delayed');
      await waitForSlot(context, config.slotWaitMs);
    }
    return executeWithSlot(run, step, project, payload, context, slot);
  };

  async function executeWithSlot(
    run: ProtocolRun,
    step: StepRun,
    project: Project,
    payload: JobPayload<'step.execute'>,
    context: JobContext,
    slot: Parameters<ProjectSlots['acquire']>[0],
  ): Promise<ExecuteStepResult> {
    const attempt = step.attempts + 1;
    const logger = context.logger.child({ attempt });
    if (!(await leases.acquire(run.id, step.id, config.stepLeaseMs))) {
      // The slot stays: it is the other executor's, whose run this is.
      logger.info('another executor took the step first: duplicate job ignored');
      return { outcome: 'duplicate' };
    }
    const watch = deps.stops.watch(run.id, step.id);
    let keepAlive: NodeJS.Timeout | undefined;
    try {
      const started = await deps.commands.step(run.id, step.id, 'step_started', {
        actor,
        idempotencyKey: `exec:${step.id}:${attempt}`,
        patch: (current) => ({ attempts: current.attempts + 1 }),
        payload: { attempt, jobId: context.job.id ?? null, jobAttempt: payload.attempt },
      });
      if (started.kind !== 'applied') {
        logger.info({ outcome: started.kind }, 'the step could not be started: another attempt won');
        return { outcome: 'not_started', reason: started.kind };
      }
      const renew = () => renewAndCheck(run.id, step.id, slot, watch, logger);
      keepAlive = setInterval(() => void renew(), Math.max(100, Math.floor(config.stepLeaseMs / 3)));
      // A cancel that landed between loading the run and starting the step sent its signal before we listened.
      await renew();
      const execution: Execution = { run, step: started.record, project, attempt, watch, logger };
      try {
        return await execute(execution);
      } catch (error) {
        return await recordExecutorError(execution, error);
      }
    } finally {
      clearInterval(keepAlive);
      watch.dispose();
      await leases.release(run.id, step.id);
      // Released at the end of every step: the run's next step queues for a slot like any other.
      await slots.release(project.id, run.id);
    }
  }

  /** Renews the lease and the slot, and stops the engine when the run or step left `running` unannounced. */
  async function renewAndCheck(
    runId: string,
    stepId: string,
    slot: Parameters<ProjectSlots['acquire']>[0],
    watch: StepWatch,
    logger: Logger,
  ): Promise<void> {
    try {
      if (!(await leases.renew(runId, stepId, config.stepLeaseMs))) {
        watch.stop({ kind: StopKind.LeaseLost, message: 'the step lease was lost' });
        return;
      }
      if (!(await slots.acquire(slot))) logger.warn('the run lost its project slot while executing');
      const [run, step] = await Promise.all([store.runs.getRun(runId), store.runs.getStep(runId, stepId)]);
      if (run?.status !== 'running' || step?.status !== 'running') {
        const message = `the ${run?.status !== 'running' ? `run is ${run?.status}` : `step is ${step?.status}`}`;
        watch.stop({ kind: StopKind.StatusChanged, message });
      }
    } catch (error) {
      // Redis unreachable for a moment: the lease has room for the next tick.
      logger.warn({ err: error }, 'could not renew the step lease');
    }
  }

  async function execute(execution: Execution): Promise<ExecuteStepResult> {
    const { run, step, project, watch, logger } = execution;
    const worktree = await deps.workspaces.ensureWorktree(project, run);
    await deps.workspaces.prepareForAttempt(worktree);
    // A commit of this step that was never recorded is an earlier attempt's work that crashed before it could say
    // so: record it instead of running the engine again. A recorded one (the step failed QA or CI and is being
    // retried) is what this attempt must improve on: run the engine.
    const earlier = await deps.workspaces.findStepCommit(worktree, step.id);
    if (earlier && earlier !== step.commitSha) {
      logger.info(
        { commitSha: earlier },
        'an earlier attempt committed this step: the engine is not run again',
      );
      return finish(execution, worktree, { sha: earlier, changed: true }, null);
    }
    const since = await deps.workspaces.head(worktree);
    const sink = createStepLogSink(deps.redis, store.keys.stepLog(run.id, step.id), {
      maxLen: config.stepLogMaxLen,
      fields: { attempt: String(execution.attempt) },
      onError: (error) => logger.warn({ err: error }, 'engine output lost: could not write the step log'),
    });
    const result = await deps.engine.run({
      kind: 'exec',
      command: project.execEngine.command,
      cwd: worktree.path,
      env: engineEnv(execution, worktree),
      instructions: `# ${step.title}\n\n${step.instructions}\n`,
      timeoutMs: project.limits.stepTimeoutSeconds * 1000,
      signal: watch.signal,
      onLine: sink.write,
    });
    await sink.flush();
    logger.info(
      { outcome: result.outcome, exitCode: result.exitCode, durationMs: result.durationMs },
      'engine ended',
    );
    if (result.outcome === 'cancelled') return stopped(execution);
    if (result.outcome !== 'succeeded')
      return recordFailure(execution, result.reason ?? result.outcome, result);
    const commit = await deps.workspaces.commitStep(worktree, {
      ref: run.taigaItem.ref,
      stepRunId: step.id,
      title: step.title,
      since,
    });
    return finish(execution, worktree, commit, result);
  }

  async function finish(
    execution: Execution,
    worktree: Worktree,
    commit: { sha: string; changed: boolean },
    result: EngineProcessResult | null,
  ): Promise<ExecuteStepResult> {
    const { run, step, project, watch, attempt } = execution;
    // Stopped while committing: what was committed stays on the branch, but nothing is pushed or recorded.
    if (watch.signal.aborted) return stopped(execution);
    let pushed = false;
    if (project.repository.pushRemote) {
      try {
        await deps.workspaces.push(worktree, project.repository.pushRemote);
        pushed = true;
      } catch (error) {
        return recordFailure(
          execution,
          `git push to ${project.repository.pushRemote} failed: ${(error as Error).message}`,
        );
      }
    }
    const resultSummary = result ? successSummary(result) : 'committed by an earlier attempt of this step';
    const finished = await deps.commands.step(run.id, step.id, 'execution_finished', {
      actor,
      idempotencyKey: `exec-finished:${step.id}:${attempt}`,
      patch: () => ({ commitSha: commit.sha, resultSummary }),
      payload: {
        attempt,
        commitSha: commit.sha,
        changed: commit.changed,
        pushed,
        branch: worktree.branch,
        exitCode: result?.exitCode ?? null,
        durationMs: result?.durationMs ?? 0,
        engineSkipped: result === null,
        ...(result?.result?.tokens ? { tokens: result.result.tokens } : {}),
        ...(result?.result?.costUsd !== undefined ? { costUsd: result.result.costUsd } : {}),
      },
    });
    execution.logger.info(
      { commitSha: commit.sha, changed: commit.changed, outcome: finished.kind },
      'step executed',
    );
    return { outcome: finished.kind === 'applied' ? 'needs_qa' : finished.kind, commitSha: commit.sha };
  }

  async function recordFailure(
    execution: Execution,
    reason: string,
    result?: EngineProcessResult,
  ): Promise<ExecuteStepResult> {
    const { run, step, attempt, logger } = execution;
    const failed = await deps.commands.step(run.id, step.id, 'execution_failed', {
      actor,
      idempotencyKey: `exec-failed:${step.id}:${attempt}`,
      patch: () => ({ resultSummary: failureSummary(reason, result?.tail) }),
      payload: {
        attempt,
        reason,
        outcome: result?.outcome ?? 'failed',
        exitCode: result?.exitCode ?? null,
        signal: result?.signal ?? null,
        durationMs: result?.durationMs ?? 0,
      },
    });
    // execution_failed asks for the run's advance (an effect): the planner decides between another attempt and
    // blocking the run.
    logger.warn({ reason, outcome: failed.kind }, 'step execution failed');
    return { outcome: 'failed', reason };
  }

  /** An error of the executor itself (git, disk): recorded as a failed execution, so the run does not hang. */
  async function recordExecutorError(execution: Execution, error: unknown): Promise<ExecuteStepResult> {
    execution.logger.error({ err: error }, 'executor error while executing the step');
    if (execution.watch.reason) return stopped(execution);
    return recordFailure(
      execution,
      `executor error: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  /**
   * The engine was stopped. A block already moved the step on. A cancel of the run may not have reached the step
   * yet (the planner cancels a cancelled run's steps in its own job): the step is cancelled here, under the
   * planner's idempotency key, so whichever comes first does it once. A pause or a shutdown leaves it `running`,
   * and it is handed back (`interrupted`) for the planner to start again when the run goes on.
   */
  async function stopped(execution: Execution): Promise<ExecuteStepResult> {
    const { run, step, attempt, watch, logger } = execution;
    const reason = watch.reason ?? { kind: StopKind.Signal, message: 'stopped' };
    if (reason.kind === StopKind.LeaseLost) {
      logger.warn('the step lease was lost: leaving the step to whoever holds it now');
      return { outcome: 'lease_lost' };
    }
    const [current, currentRun] = await Promise.all([
      store.runs.getStep(run.id, step.id),
      store.runs.getRun(run.id),
    ]);
    if (current?.status === 'running' && currentRun?.status === 'cancelled') {
      await deps.commands.step(run.id, step.id, 'cancelled', {
        actor,
        idempotencyKey: cancelledWithRunKey(step.id),
        reason: 'the run was cancelled',
      });
    } else if (current?.status === 'running') {
      await deps.commands.step(run.id, step.id, 'interrupted', {
        actor,
        idempotencyKey: `exec-interrupted:${step.id}:${attempt}`,
        reason: reason.message,
      });
    }
    logger.info({ reason: reason.message, status: current?.status }, 'engine stopped');
    return { outcome: 'stopped', reason: reason.message };
  }

  function engineEnv(execution: Execution, worktree: Worktree): Record<string, string | undefined> {
    const { run, step, attempt } = execution;
    return {
      ...config.engineEnv,
      TUNDRA_STEP_TITLE: step.title,
      TUNDRA_STEP_INSTRUCTIONS: step.instructions,
      TUNDRA_STEP_ID: step.id,
      TUNDRA_STEP_NUMBER: String(step.order + 1),
      TUNDRA_STEP_ATTEMPT: String(attempt),
      TUNDRA_RUN_ID: run.id,
      TUNDRA_PROJECT_ID: run.projectId,
      TUNDRA_TAIGA_REF: String(run.taigaItem.ref),
      TUNDRA_BRANCH: worktree.branch,
      TUNDRA_WORKTREE: worktree.path,
    };
  }
}

function stale(logger: Logger, reason: string): ExecuteStepResult {
  logger.info({ reason }, 'stale step.execute job: nothing to do');
  return { outcome: 'stale', reason };
}

/**
 * Puts the job back to wait for a slot. A delayed job does not use up an attempt (step.execute has few, kept for
 * errors before the step starts), which is why this is BullMQ's moveToDelayed + DelayedError rather than a
 * RetryAfterError.
 */
async function waitForSlot(context: JobContext, waitMs: number): Promise<never> {
  await context.job.moveToDelayed(Date.now() + waitMs, context.job.token);
  throw new DelayedError();
}
