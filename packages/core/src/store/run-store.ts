import { randomUUID } from 'node:crypto';
import { type PlanSummary, ProtocolRun } from '../contracts/protocol-run.js';
import type { Actor } from '../contracts/run-event.js';
import { type PlannedStep, StepRun } from '../contracts/step-run.js';
import { type TaigaItemRef, taigaItemKey } from '../contracts/taiga-item.js';
import {
  Effect,
  type IllegalTransitionError,
  type MachineDefinition,
  transition,
} from '../machine/machine.js';
import {
  type ProtocolRunEvent,
  type ProtocolRunStatus,
  protocolRunMachine,
} from '../machine/protocol-run-machine.js';
import { type StepRunEvent, stepRunMachine } from '../machine/step-run-machine.js';
import { ScriptCode } from './codes.js';
import { encodeEvent } from './event-log.js';
import { decodeRecord, encodeFields } from './record-codec.js';
import type { StoreContext } from './store-options.js';

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
      effects: readonly Effect[];
      /** The machine move it made; absent for a stored plan, which is no machine transition. */
      transition?: { machine: string; from: string; to: string };
    }
  | { kind: 'replayed'; version: number; eventId: string }
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

const newId = (prefix: 'run' | 'step') => `${prefix}_${randomUUID().replaceAll('-', '')}`;

/**
 * ProtocolRuns and StepRuns in Redis. Every change is one Lua script: a compare-and-set on the record's status and
 * version that also updates the lookup indexes and appends the event to the run's stream and the global stream.
 */
export class RunStore {
  constructor(private readonly ctx: StoreContext) {}

  /** Creates a run in `pending`, or reports the run that is already active for the Taiga item. */
  async createRun(input: NewRun): Promise<CreateRunOutcome> {
    const { keys, redis, scripts } = this.ctx;
    const now = this.ctx.now();
    const id = newId('run');
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
    const reply = await scripts.createRun.run(
      redis,
      [
        keys.run(id),
        keys.runEvents(id),
        keys.globalEvents(),
        keys.activeItems(input.projectId),
        keys.projectRuns(input.projectId),
        keys.runsByStatus(input.projectId, 'pending'),
        keys.itemRuns(input.projectId, itemKey),
      ],
      [
        id,
        itemKey,
        JSON.stringify(fields),
        JSON.stringify(event),
        this.ctx.runStreamMaxLen,
        this.ctx.globalStreamMaxLen,
        now.getTime(),
      ],
    );
    if (reply[0] === ScriptCode.Exists) return { kind: 'exists', runId: String(reply[1]) };
    const run = await this.getRun(id);
    if (!run) throw new Error(`run ${id} vanished right after it was created`);
    return { kind: 'created', run, eventId: String(reply[2]) };
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
    const runId = await this.ctx.redis.hget(this.ctx.keys.stepIndex(), stepId);
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

  /** The step shown on the board by a Taiga task, if any. */
  async findStepByTaigaTask(projectId: string, taskId: number): Promise<StepRun | null> {
    const stepId = await this.ctx.redis.hget(this.ctx.keys.taskSteps(projectId), String(taskId));
    return stepId ? this.findStep(stepId) : null;
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
      const id = newId('step');
      const record: Omit<StepRun, 'status' | 'version'> = {
        id,
        protocolRunId: runId,
        projectId: run.projectId,
        order,
        title: planned.title,
        instructions: planned.instructions,
        attempts: 0,
        taigaTaskId: planned.taigaTaskId,
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
        keys.stepIndex(),
        keys.stepsByStatus(run.projectId, 'pending'),
        keys.runEvents(runId),
        keys.globalEvents(),
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
        this.ctx.globalStreamMaxLen,
        now.getTime(),
        ...old.map((s) => s.id),
        ...old.map((s) => (s.taigaTaskId === null ? '' : String(s.taigaTaskId))),
      ],
    );
    return this.outcome(reply, () => this.getRun(runId), []);
  }

  /** Applies a ProtocolRun machine event. */
  async transitionRun(
    runId: string,
    event: ProtocolRunEvent,
    command: Command<ProtocolRun>,
  ): Promise<TransitionOutcome<ProtocolRun>> {
    const run = await this.getRun(runId);
    if (!run) return { kind: 'not_found' };
    return this.apply(protocolRunMachine, run, event, command, {
      record: this.ctx.keys.run(runId),
      from: this.ctx.keys.runsByStatus(run.projectId, run.status),
      to: (status) => this.ctx.keys.runsByStatus(run.projectId, status),
      releaseItem: taigaItemKey(run.taigaItem),
      reload: () => this.getRun(runId),
    });
  }

  /** Applies a StepRun machine event. */
  async transitionStep(
    runId: string,
    stepId: string,
    event: StepRunEvent,
    command: Command<StepRun>,
  ): Promise<TransitionOutcome<StepRun>> {
    const step = await this.getStep(runId, stepId);
    if (!step) return { kind: 'not_found' };
    return this.apply(stepRunMachine, step, event, command, {
      record: this.ctx.keys.step(runId, stepId),
      from: this.ctx.keys.stepsByStatus(step.projectId, step.status),
      to: (status) => this.ctx.keys.stepsByStatus(step.projectId, status),
      releaseItem: null,
      reload: () => this.getStep(runId, stepId),
    });
  }

  private async apply<
    S extends string,
    E extends string,
    R extends { id: string; status: S; version: number; updatedAt: string },
  >(
    machine: MachineDefinition<S, E>,
    record: R & { protocolRunId?: string; correlationId?: string },
    event: E,
    command: Command<R>,
    where: {
      record: string;
      from: string;
      to: (status: S) => string;
      releaseItem: string | null;
      reload: () => Promise<R | null>;
    },
  ): Promise<TransitionOutcome<R>> {
    const { keys, redis } = this.ctx;
    const runId = record.protocolRunId ?? record.id;
    const idemKey = keys.idempotency(runId, command.idempotencyKey ?? '-');
    if (command.idempotencyKey !== undefined) {
      const seen = await redis.get(idemKey);
      if (seen !== null) {
        const [version, eventId] = seen.split(' ');
        return { kind: 'replayed', version: Number(version), eventId: eventId! };
      }
    }
    const result = transition(machine, record.status, event);
    if (!result.ok) return { kind: 'refused', error: result.error };

    const now = this.ctx.now();
    const correlationId = record.correlationId ?? (await this.getRun(runId))?.correlationId ?? runId;
    const patch = { ...command.patch?.(record), updatedAt: now.toISOString() } as Record<string, unknown>;
    for (const guarded of ['id', 'status', 'version', 'createdAt'] satisfies Guarded[]) delete patch[guarded];
    const encodedEvent = encodeEvent({
      type: `${machine.name}.${event}`,
      entityId: record.id,
      from: result.from,
      to: result.to,
      at: now.toISOString(),
      actor: command.actor,
      correlationId,
      payload: command.payload ?? {},
    });
    const releases = result.effects.includes(Effect.ReleaseItem) && where.releaseItem !== null;
    const projectId = (record as { projectId?: string }).projectId ?? '';
    const reply = await this.ctx.scripts.transition.run(
      redis,
      [
        where.record,
        keys.runEvents(runId),
        keys.globalEvents(),
        idemKey,
        where.from,
        where.to(result.to),
        keys.activeItems(projectId),
      ],
      [
        result.from,
        command.expectedVersion ?? record.version,
        result.to,
        JSON.stringify(encodeFields(patch)),
        JSON.stringify(encodedEvent),
        this.ctx.runStreamMaxLen,
        this.ctx.globalStreamMaxLen,
        command.idempotencyKey === undefined ? '0' : '1',
        this.ctx.idempotencyTtlSeconds,
        record.id,
        releases ? where.releaseItem! : '',
        now.getTime(),
      ],
    );
    return this.outcome(reply, where.reload, result.effects, {
      machine: machine.name,
      from: result.from,
      to: result.to,
    });
  }

  private async outcome<R>(
    reply: unknown[],
    reload: () => Promise<R | null>,
    effects: readonly Effect[],
    transition?: { machine: string; from: string; to: string },
  ): Promise<TransitionOutcome<R>> {
    switch (reply[0]) {
      case ScriptCode.Ok: {
        const record = await reload();
        if (!record) return { kind: 'not_found' };
        return {
          kind: 'applied',
          record,
          eventId: String(reply[2]),
          effects,
          ...(transition ? { transition } : {}),
        };
      }
      case ScriptCode.Replayed:
        return { kind: 'replayed', version: Number(reply[1]), eventId: String(reply[2]) };
      case ScriptCode.NotFound:
        return { kind: 'not_found' };
      case ScriptCode.StatusMismatch:
      case ScriptCode.VersionMismatch:
        return { kind: 'conflict', status: String(reply[1]), version: Number(reply[2]) };
      default:
        throw new Error(`unexpected script reply ${JSON.stringify(reply)}`);
    }
  }
}
