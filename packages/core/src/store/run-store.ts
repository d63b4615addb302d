import { type PlanSummary, ProtocolRun } from '../contracts/protocol-run.js';
import type { Actor } from '../contracts/run-event.js';
import { type PlannedStep, StepRun } from '../contracts/step-run.js';
import { type TaigaItemRef, taigaItemKey } from '../contracts/taiga-item.js';
import { planRunTransition, planStepTransition, type TransitionPlan } from '../events/plan-transition.js';
import { Effect, type IllegalTransitionError } from '../machine/machine.js';
import type { ProtocolRunEvent, ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import type { StepRunEvent } from '../machine/step-run-machine.js';
import { appendStepScript } from './append-step-script.js';
import { ScriptCode } from './codes.js';
import { createRunScript } from './create-run-script.js';
import { encodeEvent } from './event-log.js';
import { newRecordId } from './keys.js';
import { decodeRecord, encodeFields } from './record-codec.js';
import type { StoreContext } from './store-options.js';
import { transitionScript } from './transition-script.js';

/** Who asks for a change, why, and under which idempotency key. */
export interface Command<R> {
  actor: Actor;
  /** The same key applied twice makes one transition; the second call reports `replayed`. */
  idempotencyKey?: string;
  /** Refuse the command unless the record is at this version (an operator acting on what they saw). */
  expectedVersion?: number;
  /** Extra data recorded with the event. */
  payload?: Record<string, unknown>;
  /** Fields to change with the transition, computed from the record as it is now. */
  patch?: (current: R) => Partial<R>;
}

export type TransitionOutcome<R> =
  | {
      kind: 'applied';
      record: R;
      eventId: string;
      /** The run's correlation id, which the event carries. */
      correlationId: string;
      effects: readonly Effect[];
      /** The machine move it made; absent for a stored plan, which is no machine transition. */
      transition?: { machine: string; from: string; to: string };
    }
  | {
      kind: 'replayed';
      version: number;
      eventId: string;
      correlationId: string;
      /** The effects the transition asked for when it was applied, as the store remembered them. */
      effects: readonly Effect[];
    }
  | { kind: 'refused'; error: IllegalTransitionError }
  | { kind: 'conflict'; status: string; version: number }
  | { kind: 'not_found' };

export type CreateRunOutcome =
  | { kind: 'created'; run: ProtocolRun; eventId: string }
  | { kind: 'exists'; runId: string };

export interface NewRun {
  projectId: string;
  taigaItem: TaigaItemRef;
  title: string;
  correlationId: string;
  actor: Actor;
  payload?: Record<string, unknown>;
}

/** Fields that only a transition may change, never a patch. */
type Guarded = 'id' | 'status' | 'version' | 'createdAt';

/**
 * ProtocolRuns and StepRuns in Redis. Every change is one Lua script: a compare-and-set on the record's status and
 * version that also updates the lookup indexes and appends the event to the run's stream and the project's stream.
 */
export class RunStore {
  constructor(private readonly ctx: StoreContext) {}

  /** Creates a run in `pending`, or reports the run that is already active for the Taiga item. */
  async createRun(input: NewRun): Promise<CreateRunOutcome> {
    const { keys, redis } = this.ctx;
    const now = this.ctx.now();
    const id = newRecordId('run', input.projectId);
    const itemKey = taigaItemKey(input.taigaItem);
    const fields = encodeFields({
      id,
      projectId: input.projectId,
      taigaItem: input.taigaItem,
      title: input.title,
      branch: null,
      plan: null,
      correlationId: input.correlationId,
      reason: null,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    } satisfies Omit<ProtocolRun, 'status' | 'version'>);
    const event = encodeEvent({
      type: 'protocol_run.created',
      entityId: id,
      from: null,
      to: 'pending',
      at: now.toISOString(),
      actor: input.actor,
      correlationId: input.correlationId,
      payload: { taigaItem: input.taigaItem, ...input.payload },
    });
    const reply = await createRunScript.run(
      redis,
      {
        run: keys.run(id),
        runEvents: keys.runEvents(id),
        projectEvents: keys.projectEvents(input.projectId),
        activeItems: keys.activeItems(input.projectId),
        projectRuns: keys.projectRuns(input.projectId),
        pendingRuns: keys.runsByStatus(input.projectId, 'pending'),
        itemRuns: keys.itemRuns(input.projectId, itemKey),
      },
      {
        runId: id,
        itemKey,
        fields: JSON.stringify(fields),
        event: JSON.stringify(event),
        runMaxLen: this.ctx.runStreamMaxLen,
        projectMaxLen: this.ctx.projectStreamMaxLen,
        now: now.getTime(),
      },
    );
    if (reply.kind === 'exists') return reply;
    return {
      kind: 'created',
      run: decodeRecord(ProtocolRun, 'protocol run', reply.hash),
      eventId: reply.eventId,
    };
  }

  async getRun(runId: string): Promise<ProtocolRun | null> {
    const hash = await this.ctx.redis.hgetall(this.ctx.keys.run(runId));
    return Object.keys(hash).length === 0 ? null : decodeRecord(ProtocolRun, 'protocol run', hash);
  }

  async getStep(runId: string, stepId: string): Promise<StepRun | null> {
    const hash = await this.ctx.redis.hgetall(this.ctx.keys.step(runId, stepId));
    return Object.keys(hash).length === 0 ? null : decodeRecord(StepRun, 'step run', hash);
  }

  /** Finds a step by its id alone (API lookups), through the step → run index. */
  async findStep(stepId: string): Promise<StepRun | null> {
    const runId = await this.ctx.redis.hget(this.ctx.keys.stepIndex(stepId), stepId);
    return runId ? this.getStep(runId, stepId) : null;
  }

  /** The run's current steps, in plan order. */
  async listSteps(runId: string): Promise<StepRun[]> {
    const ids = await this.ctx.redis.zrange(this.ctx.keys.runSteps(runId), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.ctx.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.ctx.keys.step(runId, id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([error, hash], i) => {
      if (error) throw error;
      return decodeRecord(StepRun, `step run ${ids[i]}`, hash as Record<string, string>);
    });
  }

  /** The run that is active (not completed or cancelled) for a Taiga item, if any. */
  async findActiveRun(
    projectId: string,
    item: Pick<TaigaItemRef, 'type' | 'id'>,
  ): Promise<ProtocolRun | null> {
    const runId = await this.ctx.redis.hget(this.ctx.keys.activeItems(projectId), taigaItemKey(item));
    return runId ? this.getRun(runId) : null;
  }

  /** Every run ever made for a Taiga item, oldest first. */
  async listRunIdsForItem(projectId: string, item: Pick<TaigaItemRef, 'type' | 'id'>): Promise<string[]> {
    return this.ctx.redis.zrange(this.ctx.keys.itemRuns(projectId, taigaItemKey(item)), 0, -1);
  }

  /** The ids of a project's steps that entered `status` no later than `enteredBefore` (ms since epoch). */
  async stepIdsInStatusSince(
    projectId: string,
    status: StepRun['status'],
    enteredBefore: number,
  ): Promise<string[]> {
    return this.ctx.redis.zrangebyscore(this.ctx.keys.stepsByStatus(projectId, status), 0, enteredBefore);
  }

  /** Whether a live executor holds the step's lease. */
  async isStepLeased(runId: string, stepId: string): Promise<boolean> {
    return (await this.ctx.redis.exists(this.ctx.keys.stepLease(runId, stepId))) === 1;
  }

  /** The step shown on the board by a Taiga task, if any. */
  async findStepByTaigaTask(projectId: string, taskId: number): Promise<StepRun | null> {
    const stepId = await this.ctx.redis.hget(this.ctx.keys.taskSteps(projectId), String(taskId));
    return stepId ? this.findStep(stepId) : null;
  }

  /**
   * The first of a project's runs in one of `statuses` (searched in that order) that `matches`: the run on a
   * branch, or the run of a pull request. Reads the statuses' indexes, not every run.
   */
  async findRunInStatuses(
    projectId: string,
    statuses: readonly ProtocolRunStatus[],
    matches: (run: ProtocolRun) => boolean,
  ): Promise<ProtocolRun | null> {
    for (const status of statuses) {
      const { ids } = await this.listRunIds(projectId, { status, limit: 1_000 });
      for (const id of ids) {
        const run = await this.getRun(id);
        if (run && matches(run)) return run;
      }
    }
    return null;
  }

  /**
   * A page of a project's runs, newest first; with `status`, only runs in that status, ordered by when they
   * entered it.
   */
  async listRunIds(
    projectId: string,
    options: { status?: ProtocolRunStatus; offset?: number; limit?: number } = {},
  ): Promise<{ ids: string[]; total: number }> {
    const key = options.status
      ? this.ctx.keys.runsByStatus(projectId, options.status)
      : this.ctx.keys.projectRuns(projectId);
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 50;
    const [ids, total] = await Promise.all([
      this.ctx.redis.zrevrange(key, offset, offset + limit - 1),
      this.ctx.redis.zcard(key),
    ]);
    return { ids, total };
  }

  /**
   * Stores the run's plan while it is `planning`: replaces its steps with new `pending` ones. A retried planner
   * simply stores its plan again; the run's version guards against two planners at once.
   */
  async storePlan(
    runId: string,
    plan: { engine: string; steps: readonly PlannedStep[] },
    command: Omit<Command<ProtocolRun>, 'patch' | 'idempotencyKey'>,
  ): Promise<TransitionOutcome<ProtocolRun>> {
    const { keys, redis, scripts } = this.ctx;
    const run = await this.getRun(runId);
    if (!run) return { kind: 'not_found' };
    const old = await this.listSteps(runId);
    const now = this.ctx.now();
    const summary: PlanSummary = {
      engine: plan.engine,
      stepCount: plan.steps.length,
      generation: (run.plan?.generation ?? 0) + 1,
      createdAt: now.toISOString(),
    };
    const steps = plan.steps.map((planned, order) => {
      const id = newRecordId('step', run.projectId);
      const record: Omit<StepRun, 'status' | 'version'> = {
        id,
        protocolRunId: runId,
        projectId: run.projectId,
        order,
        title: planned.title,
        instructions: planned.instructions,
        attempts: 0,
        taigaTaskId: planned.taigaTaskId,
        ...(planned.plannedModel ? { plannedModel: planned.plannedModel } : {}),
        ...(planned.modelTag ? { modelTag: planned.modelTag } : {}),
        resultSummary: null,
        commitSha: null,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
      };
      return {
        id,
        order,
        taskId: planned.taigaTaskId === null ? '' : String(planned.taigaTaskId),
        fields: encodeFields(record),
      };
    });
    const event = encodeEvent({
      type: 'protocol_run.plan_stored',
      entityId: runId,
      from: run.status,
      to: run.status,
      at: now.toISOString(),
      actor: command.actor,
      correlationId: run.correlationId,
      payload: {
        ...command.payload,
        plan: summary,
        steps: steps.map((s, i) => ({ id: s.id, title: plan.steps[i]!.title })),
      },
    });
    const reply = await scripts.storePlan.run(
      redis,
      [
        keys.run(runId),
        keys.runSteps(runId),
        keys.stepIndex(runId),
        keys.stepsByStatus(run.projectId, 'pending'),
        keys.runEvents(runId),
        keys.projectEvents(run.projectId),
        keys.taskSteps(run.projectId),
        ...steps.map((s) => keys.step(runId, s.id)),
        ...old.flatMap((s) => [keys.step(runId, s.id), keys.stepsByStatus(run.projectId, s.status)]),
      ],
      [
        'planning',
        command.expectedVersion ?? run.version,
        JSON.stringify(encodeFields({ plan: summary, updatedAt: now.toISOString() })),
        JSON.stringify(event),
        JSON.stringify({ runId, steps }),
        steps.length,
        old.length,
        this.ctx.runStreamMaxLen,
        this.ctx.projectStreamMaxLen,
        now.getTime(),
        ...old.map((s) => s.id),
        ...old.map((s) => (s.taigaTaskId === null ? '' : String(s.taigaTaskId))),
      ],
    );
    switch (reply[0]) {
      case ScriptCode.Ok: {
        // A plan is stored once a run: reading the run back here is cheaper than returning it from the script.
        const stored = await this.getRun(runId);
        if (!stored) return { kind: 'not_found' };
        return {
          kind: 'applied',
          record: stored,
          eventId: String(reply[2]),
          correlationId: stored.correlationId,
          effects: [],
        };
      }
      case ScriptCode.NotFound:
        return { kind: 'not_found' };
      case ScriptCode.StatusMismatch:
      case ScriptCode.VersionMismatch:
        return { kind: 'conflict', status: String(reply[1]), version: Number(reply[2]) };
      default:
        throw new Error(`store-plan.lua: unexpected reply ${JSON.stringify(reply)}`);
    }
  }

  /**
   * Appends a `pending` step at the end of the run's plan while the run is `expectedStatus` (a fix-up step, added
   * while the run is in review). `stepId` is the caller's, so that a retry asks for the same step: one that exists
   * already is `exists`, and nothing changes.
   */
  async appendStep(
    runId: string,
    input: { stepId: string; step: PlannedStep; expectedStatus: ProtocolRun['status'] },
    command: Pick<Command<ProtocolRun>, 'actor' | 'payload'>,
  ): Promise<
    | { kind: 'appended'; step: StepRun }
    | { kind: 'exists' }
    | { kind: 'not_found' }
    | { kind: 'status_mismatch'; status: string }
  > {
    const { keys, redis } = this.ctx;
    const run = await this.getRun(runId);
    if (!run) return { kind: 'not_found' };
    const order = (await this.listSteps(runId)).reduce((last, step) => Math.max(last, step.order + 1), 0);
    const now = this.ctx.now().toISOString();
    const record: Omit<StepRun, 'status' | 'version'> = {
      id: input.stepId,
      protocolRunId: runId,
      projectId: run.projectId,
      order,
      title: input.step.title,
      instructions: input.step.instructions,
      attempts: 0,
      taigaTaskId: input.step.taigaTaskId,
      resultSummary: null,
      commitSha: null,
      createdAt: now,
      updatedAt: now,
    };
    const event = encodeEvent({
      type: 'step_run.appended',
      entityId: input.stepId,
      from: null,
      to: 'pending',
      at: now,
      actor: command.actor,
      correlationId: run.correlationId,
      payload: { ...command.payload, title: input.step.title, order },
    });
    const reply = await appendStepScript.run(
      redis,
      {
        run: keys.run(runId),
        runSteps: keys.runSteps(runId),
        stepIndex: keys.stepIndex(input.stepId),
        pendingSteps: keys.stepsByStatus(run.projectId, 'pending'),
        step: keys.step(runId, input.stepId),
        runEvents: keys.runEvents(runId),
        projectEvents: keys.projectEvents(run.projectId),
        taskSteps: keys.taskSteps(run.projectId),
      },
      {
        expectedStatus: input.expectedStatus,
        stepId: input.stepId,
        order,
        fields: JSON.stringify(encodeFields(record)),
        event: JSON.stringify(event),
        runMaxLen: this.ctx.runStreamMaxLen,
        projectMaxLen: this.ctx.projectStreamMaxLen,
        now: Date.parse(now),
        runId,
        taskId: input.step.taigaTaskId === null ? '' : String(input.step.taigaTaskId),
      },
    );
    if (reply.kind !== 'appended') return reply;
    return { kind: 'appended', step: decodeRecord(StepRun, 'step run', reply.hash) };
  }

  /**
   * True the first time it is asked for `key` on the run (for the idempotency keys' lifetime), false after: for a
   * side effect outside the run's record that must happen once, such as a notice posted on a pull request.
   */
  async claimOnce(runId: string, key: string): Promise<boolean> {
    const { keys, redis } = this.ctx;
    const set = await redis.set(
      keys.idempotency(runId, `once:${key}`),
      '1',
      'EX',
      this.ctx.idempotencyTtlSeconds,
      'NX',
    );
    return set === 'OK';
  }

  /**
   * Applies a ProtocolRun event to the run the caller holds (read first when given only its id): the machine runs
   * here, and one script checks that the run is still as the machine saw it and writes everything at once. A run
   * that changed meanwhile comes back in the script's answer and the machine runs again on it (unless the caller
   * asked for an `expectedVersion`, which then is a conflict).
   */
  async transitionRun(
    target: ProtocolRun | string,
    event: ProtocolRunEvent,
    command: Command<ProtocolRun>,
  ): Promise<TransitionOutcome<ProtocolRun>> {
    const run = typeof target === 'string' ? await this.getRun(target) : target;
    if (!run) return { kind: 'not_found' };
    const { keys } = this.ctx;
    return this.apply<ProtocolRunStatus, ProtocolRunEvent, ProtocolRun>(
      run,
      typeof target === 'string',
      (status) => planRunTransition(status, event),
      command,
      {
        runId: run.id,
        projectId: run.projectId,
        record: keys.run(run.id),
        index: (status) => keys.runsByStatus(run.projectId, status),
        releaseItem: taigaItemKey(run.taigaItem),
        decode: (hash) => decodeRecord(ProtocolRun, 'protocol run', hash),
      },
    );
  }

  /** Applies a StepRun event to the step the caller holds (or reads it first), as `transitionRun` does. */
  async transitionStep(
    step: StepRun,
    event: StepRunEvent,
    command: Command<StepRun>,
  ): Promise<TransitionOutcome<StepRun>>;
  async transitionStep(
    runId: string,
    stepId: string,
    event: StepRunEvent,
    command: Command<StepRun>,
  ): Promise<TransitionOutcome<StepRun>>;
  async transitionStep(
    ...args: [StepRun, StepRunEvent, Command<StepRun>] | [string, string, StepRunEvent, Command<StepRun>]
  ): Promise<TransitionOutcome<StepRun>> {
    const [step, event, command] =
      typeof args[0] === 'string'
        ? [await this.getStep(args[0], args[1] as string), args[2] as StepRunEvent, args[3]!]
        : [args[0], args[1] as StepRunEvent, args[2] as Command<StepRun>];
    if (!step) return { kind: 'not_found' };
    const { keys } = this.ctx;
    return this.apply<StepRun['status'], StepRunEvent, StepRun>(
      step,
      typeof args[0] === 'string',
      (status) => planStepTransition(status, event),
      command,
      {
        runId: step.protocolRunId,
        projectId: step.projectId,
        record: keys.step(step.protocolRunId, step.id),
        index: (status) => keys.stepsByStatus(step.projectId, status),
        releaseItem: null,
        decode: (hash) => decodeRecord(StepRun, 'step run', hash),
      },
    );
  }

  private async apply<S extends string, E extends string, R extends TransitionRecord<S>>(
    held: R,
    justRead: boolean,
    plan: (status: S) => TransitionPlan<S, E>,
    command: Command<R>,
    where: {
      runId: string;
      projectId: string;
      record: string;
      index: (status: S) => string;
      releaseItem: string | null;
      decode: (hash: Record<string, string>) => R;
    },
  ): Promise<TransitionOutcome<R>> {
    const { keys, redis } = this.ctx;
    const idempotent = command.idempotencyKey !== undefined;
    let current = held;
    let fresh = justRead;
    for (let attempt = 1; ; attempt++) {
      const planned = plan(current.status);
      // A refusal on a record just read is final; on a held one, Redis may know better (the record moved on, or
      // this very command was applied before and is replayed).
      if (!planned.ok && fresh && !idempotent) return { kind: 'refused', error: planned.error };
      const now = this.ctx.now();
      const patch = planned.ok ? { ...command.patch?.(current), updatedAt: now.toISOString() } : {};
      for (const guarded of ['id', 'status', 'version', 'createdAt'] satisfies Guarded[]) {
        delete (patch as Record<string, unknown>)[guarded];
      }
      const effects = planned.ok ? planned.effects : [];
      const releases = effects.includes(Effect.ReleaseItem) && where.releaseItem !== null;
      const reply = await transitionScript.run(
        redis,
        {
          record: where.record,
          run: keys.run(where.runId),
          runEvents: keys.runEvents(where.runId),
          projectEvents: keys.projectEvents(where.projectId),
          idempotency: keys.idempotency(where.runId, command.idempotencyKey ?? '-'),
          fromIndex: where.index(current.status),
          toIndex: where.index(planned.ok ? planned.to : current.status),
          activeItems: keys.activeItems(where.projectId),
        },
        {
          expectedStatus: current.status,
          expectedVersion: command.expectedVersion ?? current.version,
          newStatus: planned.ok ? planned.to : '',
          patch: JSON.stringify(encodeFields(patch)),
          event: planned.ok
            ? JSON.stringify(
                encodeEvent({
                  type: planned.type,
                  entityId: current.id,
                  from: planned.from,
                  to: planned.to,
                  at: now.toISOString(),
                  actor: command.actor,
                  payload: command.payload ?? {},
                  effects: [...effects],
                }),
              )
            : '[]',
          runMaxLen: this.ctx.runStreamMaxLen,
          projectMaxLen: this.ctx.projectStreamMaxLen,
          idempotencyKey: idempotent ? '1' : '0',
          idempotencyTtl: this.ctx.idempotencyTtlSeconds,
          member: current.id,
          releaseItem: releases ? where.releaseItem! : '',
          score: now.getTime(),
          effects: effects.join(','),
        },
      );
      switch (reply.kind) {
        case 'applied':
          if (!planned.ok) throw new Error('transition.lua applied a refused transition');
          return {
            kind: 'applied',
            record: where.decode(reply.hash),
            eventId: reply.eventId,
            correlationId: reply.correlationId,
            effects,
            transition: { machine: planned.machine, from: planned.from, to: planned.to },
          };
        case 'replayed':
          return {
            kind: 'replayed',
            version: reply.version,
            eventId: reply.eventId,
            correlationId: reply.correlationId,
            effects: reply.effects.filter(isEffect),
          };
        case 'not_found':
          return { kind: 'not_found' };
        case 'conflict': {
          const now = where.decode(reply.hash);
          const unchanged = now.status === current.status && now.version === current.version;
          if (!planned.ok && unchanged) return { kind: 'refused', error: planned.error };
          if (command.expectedVersion !== undefined || attempt >= maxAttempts) {
            return { kind: 'conflict', status: reply.status, version: reply.version };
          }
          current = now;
          fresh = true;
        }
      }
    }
  }
}

const knownEffects = new Set<string>(Object.values(Effect));
const isEffect = (effect: string): effect is Effect => knownEffects.has(effect);

/** Tries of one transition whose record keeps changing under it before it reports a conflict. */
const maxAttempts = 3;

interface TransitionRecord<S extends string> {
  id: string;
  status: S;
  version: number;
  updatedAt: string;
}
