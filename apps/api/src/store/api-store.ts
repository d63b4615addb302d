import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor, StepRun } from '@tundra/core';
import type { Keys, RedisClient } from '@tundra/core/server';
import { defineScript, encodeEvent, ScriptCode } from '@tundra/core/server';
import { idempotencyTtlSeconds } from './idempotency-records.js';

const luaDir = join(dirname(fileURLToPath(import.meta.url)), 'lua');

// The core store's defaults: audit events share the run's stream, so they share its caps too.
const runStreamMaxLen = 10_000;
const projectStreamMaxLen = 100_000;

export type DeleteProjectOutcome =
  | { kind: 'deleted' }
  | { kind: 'not_found' }
  | { kind: 'conflict'; currentVersion: number }
  | { kind: 'busy'; activeRuns: number };

export interface StepRequest {
  step: StepRun;
  /** `step_run.<type>`, e.g. `run_requested`. */
  type: string;
  requiredStepStatus: string;
  requiredRunStatus: string | null;
  actor: Actor;
  correlationId: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
  now: Date;
}

export type StepRequestOutcome =
  | { kind: 'recorded'; eventId: string }
  | { kind: 'replayed'; eventId: string }
  | { kind: 'not_found' }
  | { kind: 'refused'; stepStatus: string; runStatus: string };

export const deleteProjectScript = defineScript({
  name: 'delete-project',
  dir: luaDir,
  keys: ['project', 'activeItems', 'tokens'],
  args: ['expectedVersion'],
  decode: (reply): DeleteProjectOutcome => {
    switch (reply[0]) {
      case ScriptCode.Ok:
        return { kind: 'deleted' };
      case ScriptCode.NotFound:
        return { kind: 'not_found' };
      case ScriptCode.VersionMismatch:
        return { kind: 'conflict', currentVersion: Number(reply[2]) };
      case ScriptCode.Exists:
        return { kind: 'busy', activeRuns: Number(reply[1]) };
      default:
        throw new Error(`delete-project: unexpected reply ${JSON.stringify(reply)}`);
    }
  },
});

export const appendAuditScript = defineScript({
  name: 'append-audit',
  dir: luaDir,
  keys: ['step', 'run', 'runEvents', 'projectEvents', 'idempotency'],
  args: ['stepStatus', 'runStatus', 'event', 'runMaxLen', 'projectMaxLen', 'idempotencyTtl'],
  decode: (reply): StepRequestOutcome => {
    switch (reply[0]) {
      case ScriptCode.Ok:
        return { kind: 'recorded', eventId: String(reply[2]) };
      case ScriptCode.Replayed:
        return { kind: 'replayed', eventId: String(reply[2]) };
      case ScriptCode.NotFound:
        return { kind: 'not_found' };
      case ScriptCode.StatusMismatch:
        return { kind: 'refused', stepStatus: String(reply[1]), runStatus: String(reply[2]) };
      default:
        throw new Error(`append-audit: unexpected reply ${JSON.stringify(reply)}`);
    }
  },
});

/** The API's own atomic operations (the core store has no project deletion and no non-transition events). */
export class ApiStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async deleteProject(projectId: string, expectedVersion: number | null): Promise<DeleteProjectOutcome> {
    const { keys } = this;
    const outcome = await deleteProjectScript.run(
      this.redis,
      {
        project: keys.project(projectId),
        activeItems: keys.activeItems(projectId),
        tokens: keys.projectTokens(projectId),
      },
      { expectedVersion: expectedVersion ?? '' },
    );
    // Unlisted after the record is gone: the list is in another slot. A crash in between leaves a listed id with
    // no record, which every reader of the list skips; a DELETE again answers 404.
    if (outcome.kind === 'deleted') {
      await this.redis.zrem(keys.projects(), projectId);
      await this.redis.incr(keys.projectsChanged());
    }
    return outcome;
  }

  /** Records a request about a step in the run's stream, once per idempotency key, if the states allow it. */
  async recordStepRequest(request: StepRequest): Promise<StepRequestOutcome> {
    const { keys } = this;
    const { step } = request;
    const event = encodeEvent({
      type: `step_run.${request.type}`,
      entityId: step.id,
      from: step.status,
      to: step.status,
      at: request.now.toISOString(),
      actor: request.actor,
      correlationId: request.correlationId,
      payload: request.payload,
    });
    return appendAuditScript.run(
      this.redis,
      {
        step: keys.step(step.protocolRunId, step.id),
        run: keys.run(step.protocolRunId),
        runEvents: keys.runEvents(step.protocolRunId),
        projectEvents: keys.projectEvents(step.projectId),
        idempotency: keys.idempotency(step.protocolRunId, request.idempotencyKey),
      },
      {
        stepStatus: request.requiredStepStatus,
        runStatus: request.requiredRunStatus ?? '',
        event: JSON.stringify(event),
        runMaxLen: runStreamMaxLen,
        projectMaxLen: projectStreamMaxLen,
        idempotencyTtl: idempotencyTtlSeconds,
      },
    );
  }
}
