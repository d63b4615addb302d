import {
  cancelledWithRunKey,
  createSecretMasker,
  deliveryOf,
  type JobPayload,
  lastAttemptFailed,
  type PriceTable,
  type Project,
  type ProtocolRun,
  type RunEvent,
  type StepRun,
  secretValues,
} from '@tundra/core';
import type { JobContext, JobHandler, RunCommands, StateStore } from '@tundra/core/server';
import type { EngineProcessResult, EngineRunner } from '@tundra/engine';
import { ForgeTokenMissingError, GitPushAuthError } from '@tundra/forge';
import { WorkspaceAuthError, type WorkspaceManager, type Worktree } from '@tundra/workspace';
import { DelayedError } from 'bullmq';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { createAgentMetrics, GuardReason } from '../agent/agent-metrics.js';
import { type AttemptFigures, recordOf } from '../agent/attempt-figures.js';
import { runGuardedEngine } from '../agent/guarded-run.js';
import { decideStepStart, GateRefusal } from '../agent/pre-start-gate.js';
import { type StepWatch, StopKind, type StopSignalHub } from '../control/stop-signal-hub.js';
import { EngineRecords, LeftoverOutcome } from '../lease/engine-records.js';
import type { ExecutorStore } from '../store/executor-store.js';
import { failureSummary, successSummary } from './step-summary.js';

const actor = { kind: 'system', name: 'executor' } as const;

export interface ExecuteStepSettings {
  stepLeaseMs: number;
  stepLogMaxLen: number;
  /** How long a job waits (delayed in BullMQ) when its project has no free slot. */
  slotWaitMs: number;
  /** The environment engines start from (see `engineBaseEnv`); the step's variables are added to it. */
  engineEnv: Record<string, string | undefined>;
  /** How long an attempt waits for an earlier attempt's engine group to be gone before it gives up. */
  leftoverEngineTimeoutMs: number;
  /** Prices per model, for engines that report tokens but no cost. */
  prices?: PriceTable;
  /** The context file's size cap, in bytes. */
  contextMaxBytes: number;
  /** The repository's conventions files, the first one found goes into the context file. */
  conventionsFiles: readonly string[];
}

export interface ExecuteStepDeps {
  /** Reads runs, steps and projects. */
  store: StateStore;
  /** Changes them: transitions with their effects carried out (QA, Taiga write-back, the run's advance). */
  commands: RunCommands;
  workspaces: WorkspaceManager;
  engine: EngineRunner;
  /** The executor's own records: step leases, project slots, engine groups, spending and step logs. */
  executorStore: ExecutorStore;
  stops: StopSignalHub;
  config: ExecuteStepSettings;
  logger: Logger;
  registry: Registry;
  /** The environment git needs to reach the project's repository (its forge token); throws when it is missing. */
  remoteEnv?: (project: Project) => Record<string, string>;
}

/** A token the forge refused, or none to send: retrying the step will not help. */
function isCredentialError(error: unknown): error is Error {
  return (
    error instanceof WorkspaceAuthError ||
    error instanceof ForgeTokenMissingError ||
    error instanceof GitPushAuthError
  );
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
  /** The run's events so far (earlier attempts, for the context file). */
  events: RunEvent[];
  /** The model the attempt runs with (null: the tool's default). */
  model: string | null;
  /** Masks the project's secrets in text that leaves the engine. */
  mask: (text: string) => string;
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
  const { leases, slots, ledger, logs } = deps.executorStore;
  const engines = new EngineRecords(deps.executorStore.engines);
  const metrics = createAgentMetrics(deps.registry, { projects: store.projects, ledger });
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
      const leaseMs = await leases.remainingMs(runId, stepId);
      if (leaseMs > 0) {
        // Either a duplicate of a job a live executor is running, or (BullMQ handed on a dead executor's job before
        // its lease ran out) the only job the step has: dropping it would leave the step running with nobody on it.
        // Come back once the lease can have lapsed; a live executor will have moved the step on by then.
        logger.info({ leaseMs }, 'the step’s lease is held: job put back until it can have lapsed');
        await putBack(context, leaseMs + leaseSlackMs);
      }
      const interrupted = await deps.commands.transitionStep(step, 'interrupted', {
        actor,
        idempotencyKey: `exec-interrupted:${stepId}:${step.attempts}`,
        reason: 'no live executor holds the step: its executor stopped mid-attempt',
      });
      logger.warn(
        { attempt: step.attempts, outcome: interrupted.kind },
        'step was left running by a dead executor',
      );
      step =
        interrupted.kind === 'applied'
          ? interrupted.record
          : ((await store.runs.getStep(runId, stepId)) ?? step);
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
      await putBack(context, config.slotWaitMs);
    }
    return executeWithSlot(run, step, project, payload, context, slot);
  };

  async function executeWithSlot(
    run: ProtocolRun,
    step: StepRun,
    project: Project,
    payload: JobPayload<'step.execute'>,
    context: JobContext,
    slot: Parameters<ExecutorStore['slots']['acquire']>[0],
  ): Promise<ExecuteStepResult> {
    const attempt = step.attempts + 1;
    const logger = context.logger.child({ attempt });
    const lease = await leases.acquire(run.id, step.id, config.stepLeaseMs);
    if (lease === null) {
      // The slot stays: it is the other executor's, whose run this is.
      logger.info('another executor took the step first: duplicate job ignored');
      return { outcome: 'duplicate' };
    }
    const watch = deps.stops.watch(run.id, step.id);
    let keepAlive: NodeJS.Timeout | undefined;
    try {
      const events = await store.events.readRun(run.id, { count: 10_000 });
      const gate = await decideStepStart({
        ledger,
        project,
        run,
        step,
        afterFailure: lastAttemptFailed(events, step.id),
        now: new Date(),
      });
      if (gate.kind === 'block') {
        // Nothing was spent on this attempt: the run waits for a person (a raised limit, a fixed tag) and a resume.
        metrics.blocks.inc({
          project: project.id,
          reason: gate.refusal === GateRefusal.Budget ? GuardReason.Budget : GuardReason.ModelRefused,
        });
        const blocked = await deps.commands.transitionRun(run, 'blocked', {
          actor,
          reason: gate.reason,
          patch: () => ({ reason: gate.reason }),
          idempotencyKey: `exec-gate:${step.id}:${attempt}:${run.version}`,
          payload: { refusal: gate.refusal, stepRunId: step.id },
        });
        logger.warn({ reason: gate.reason, outcome: blocked.kind }, 'the step may not start: run blocked');
        return { outcome: 'blocked', reason: gate.reason };
      }
      const started = await deps.commands.transitionStep(step, 'step_started', {
        actor,
        idempotencyKey: `exec:${step.id}:${attempt}`,
        patch: (current) => ({ attempts: current.attempts + 1, model: gate.model }),
        payload: {
          attempt,
          jobId: context.job.id ?? null,
          jobAttempt: payload.attempt,
          model: gate.model,
          modelSource: gate.source,
        },
      });
      if (started.kind !== 'applied') {
        logger.info({ outcome: started.kind }, 'the step could not be started: another attempt won');
        return { outcome: 'not_started', reason: started.kind };
      }
      const renew = () => renewAndCheck(run.id, step.id, lease, slot, watch, logger);
      keepAlive = setInterval(() => void renew(), Math.max(100, Math.floor(config.stepLeaseMs / 3)));
      // A cancel that landed between loading the run and starting the step sent its signal before we listened.
      await renew();
      const execution: Execution = {
        run,
        step: started.record,
        project,
        attempt,
        watch,
        logger,
        events,
        model: gate.model,
        mask: createSecretMasker(secretValues(project.secretEnv, config.engineEnv)),
      };
      try {
        return await execute(execution);
      } catch (error) {
        return await recordExecutorError(execution, error);
      }
    } finally {
      clearInterval(keepAlive);
      // A lost lease went to the step's next attempt (a job handed back, to this executor too), and the run's slot
      // with it: that attempt's to release, not this one's.
      const handedOn = watch.reason?.kind === StopKind.LeaseLost;
      watch.dispose();
      await leases.release(run.id, step.id, lease);
      // Released at the end of every step: the run's next step queues for a slot like any other.
      if (!handedOn) await slots.release(project.id, run.id);
    }
  }

  /** Renews the lease and the slot, and stops the engine when the run or step left `running` unannounced. */
  async function renewAndCheck(
    runId: string,
    stepId: string,
    lease: string,
    slot: Parameters<ExecutorStore['slots']['acquire']>[0],
    watch: StepWatch,
    logger: Logger,
  ): Promise<void> {
    try {
      if (!(await leases.renew(runId, stepId, lease, config.stepLeaseMs))) {
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
    // An earlier attempt's engine may outlive its executor (a SIGKILL runs no exit handler): it must be gone before
    // the worktree is reset and this attempt's engine starts, or its writes would land in this attempt's commit.
    const leftover = await engines.stopLeftover(run.id, step.id, config.leftoverEngineTimeoutMs);
    if (leftover === LeftoverOutcome.StillRunning) {
      throw new Error(
        `an earlier attempt's engine is still running after ${config.leftoverEngineTimeoutMs} ms`,
      );
    }
    if (leftover !== LeftoverOutcome.None && leftover !== LeftoverOutcome.Ended) {
      logger.warn({ outcome: leftover }, 'an earlier attempt’s engine outlived its executor');
    }
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
    const sink = logs.sink(run.id, step.id, {
      maxLen: config.stepLogMaxLen,
      fields: { attempt: String(execution.attempt) },
      onError: (error) => logger.warn({ err: error }, 'engine output lost: could not write the step log'),
    });
    let recorded: Promise<void> = Promise.resolve();
    const { result, figures } = await runGuardedEngine({
      engine: deps.engine,
      ledger,
      project,
      run,
      step,
      steps: await store.runs.listSteps(run.id),
      events: execution.events,
      remarks: await store.conversation.contextRemarks(run.id, step.id),
      attempt: execution.attempt,
      model: execution.model,
      mask: execution.mask,
      watch,
      worktree: worktree.path,
      env: engineEnv(execution, worktree),
      settings: config,
      logger,
      onLine: sink.write,
      onSpawn: (group) => {
        recorded = engines.record(run.id, step.id, execution.attempt, group).catch((error: unknown) => {
          logger.warn({ err: error }, 'could not record the engine’s process group');
        });
      },
    });
    // The group is gone once run() resolves: its record goes too, unless the step's next attempt (which took the
    // lost lease) may have recorded its own engine under the same step.
    await recorded;
    if (watch.reason?.kind !== StopKind.LeaseLost) await engines.clear(run.id, step.id);
    await sink.flush();
    logger.info(
      {
        outcome: result.outcome,
        exitCode: result.exitCode,
        durationMs: result.durationMs,
        costUsd: figures.costUsd,
        tokensIn: figures.tokensIn,
        tokensOut: figures.tokensOut,
        model: figures.model,
      },
      'engine ended',
    );
    const guard = watch.reason;
    if (guard?.kind === StopKind.BudgetExceeded || guard?.kind === StopKind.Stalled) {
      metrics.stops.inc({
        project: project.id,
        reason: guard.kind === StopKind.Stalled ? GuardReason.Stalled : GuardReason.BudgetExceeded,
      });
      return recordFailure(execution, guard.message, result, figures, guard.kind);
    }
    if (result.outcome === 'cancelled') return stopped(execution);
    if (result.outcome !== 'succeeded')
      return recordFailure(execution, execution.mask(result.reason ?? result.outcome), result, figures);
    const commit = await deps.workspaces.commitStep(worktree, {
      ref: run.taigaItem.ref,
      stepRunId: step.id,
      title: step.title,
      since,
    });
    return finish(execution, worktree, commit, result, figures);
  }

  async function finish(
    execution: Execution,
    worktree: Worktree,
    commit: { sha: string; changed: boolean },
    result: EngineProcessResult | null,
    figures: AttemptFigures | null = null,
  ): Promise<ExecuteStepResult> {
    const { step, project, watch, attempt } = execution;
    // Stopped while committing: what was committed stays on the branch, but nothing is pushed or recorded.
    if (watch.signal.aborted) return stopped(execution);
    let pushed = false;
    // Delivery by pull request pushes to the repository itself, with the project's forge token.
    const remote =
      project.repository.pushRemote ?? (deliveryOf(project).kind === 'pull-request' ? 'origin' : null);
    if (remote) {
      try {
        await deps.workspaces.push(worktree, remote, deps.remoteEnv?.(project) ?? {});
        pushed = true;
      } catch (error) {
        if (isCredentialError(error)) throw error;
        return recordFailure(execution, `git push to ${remote} failed: ${(error as Error).message}`);
      }
    }
    const summary = result ? successSummary(result) : 'committed by an earlier attempt of this step';
    const resultSummary = summary === null ? null : execution.mask(summary);
    const finished = await deps.commands.transitionStep(step, 'execution_finished', {
      actor,
      idempotencyKey: `exec-finished:${step.id}:${attempt}`,
      patch: (current) => ({ commitSha: commit.sha, resultSummary, ...recordOf(current, figures) }),
      payload: {
        attempt,
        commitSha: commit.sha,
        changed: commit.changed,
        pushed,
        branch: worktree.branch,
        exitCode: result?.exitCode ?? null,
        durationMs: result?.durationMs ?? 0,
        engineSkipped: result === null,
        ...(figures ?? {}),
      },
    });
    execution.logger.info(
      { commitSha: commit.sha, changed: commit.changed, outcome: finished.kind },
      'step executed',
    );
    return { outcome: finished.kind === 'applied' ? 'needs_qa' : finished.kind, commitSha: commit.sha };
  }

  /** The forge refused the token (or it is not set): no attempt can pass until someone replaces it. */
  async function blockOnCredentials(execution: Execution, error: Error): Promise<ExecuteStepResult> {
    const { step, attempt } = execution;
    const reason = `the repository refused Tundra's credentials: ${error.message}`;
    const blocked = await deps.commands.transitionStep(step, 'blocked', {
      actor,
      idempotencyKey: `exec-credentials:${step.id}:${attempt}`,
      patch: () => ({ resultSummary: reason }),
      reason,
    });
    execution.logger.warn({ outcome: blocked.kind }, 'step blocked: credentials refused');
    return { outcome: 'blocked', reason };
  }

  async function recordFailure(
    execution: Execution,
    reason: string,
    result?: EngineProcessResult,
    figures: AttemptFigures | null = null,
    /** Set when the executor stopped the engine itself: `stalled`, `budget_exceeded`. */
    guard?: string,
  ): Promise<ExecuteStepResult> {
    const { step, attempt, logger, mask } = execution;
    const failed = await deps.commands.transitionStep(step, 'execution_failed', {
      actor,
      idempotencyKey: `exec-failed:${step.id}:${attempt}`,
      patch: (current) => ({
        resultSummary: mask(failureSummary(reason, result?.tail)),
        ...recordOf(current, figures),
      }),
      payload: {
        attempt,
        reason: mask(reason),
        outcome: guard ?? result?.outcome ?? 'failed',
        ...(figures ?? {}),
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
    if (isCredentialError(error)) return blockOnCredentials(execution, error);
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
      await deps.commands.transitionStep(current, 'cancelled', {
        actor,
        idempotencyKey: cancelledWithRunKey(step.id),
        reason: 'the run was cancelled',
      });
    } else if (current?.status === 'running') {
      await deps.commands.transitionStep(current, 'interrupted', {
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

/** A lease a job waits on is given this much more than its remaining time, so the next look finds it gone. */
const leaseSlackMs = 100;

/**
 * Puts the job back to wait (for a slot, for a lease to lapse). A delayed job does not use up an attempt
 * (step.execute has few, kept for errors before the step starts), which is why this is BullMQ's moveToDelayed +
 * DelayedError rather than a RetryAfterError.
 */
async function putBack(context: JobContext, waitMs: number): Promise<never> {
  await context.job.moveToDelayed(Date.now() + waitMs, context.job.token);
  throw new DelayedError();
}
