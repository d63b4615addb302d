import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor, StepRun } from '@tundra/core';
import type { Keys, RedisClient } from '@tundra/core/server';
import { encodeEvent, LuaScript, ScriptCode } from '@tundra/core/server';
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

/** The API's own atomic operations (the core store has no project deletion and no non-transition events). */
export class ApiStore {
  private readonly scripts = {
    deleteProject: new LuaScript('delete-project', luaDir),
    appendAudit: new LuaScript('append-audit', luaDir),
  };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async deleteProject(projectId: string, expectedVersion: number | null): Promise<DeleteProjectOutcome> {
    const { keys } = this;
    const reply = await this.scripts.deleteProject.run(
      this.redis,
      [keys.project(projectId), keys.activeItems(projectId), keys.projectTokens(projectId)],
      [expectedVersion ?? ''],
    );
    switch (reply[0]) {
      case ScriptCode.Ok:
        // Unlisted after the record is gone: the list is in another slot. A crash in between leaves a listed id
        // with no record, which every reader of the list skips; a DELETE again answers 404.
        await this.redis.zrem(keys.projects(), projectId);
        await this.redis.incr(keys.projectsChanged());
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
    const reply = await this.scripts.appendAudit.run(
      this.redis,
      [
        keys.step(step.protocolRunId, step.id),
        keys.run(step.protocolRunId),
        keys.runEvents(step.protocolRunId),
        keys.projectEvents(step.projectId),
        keys.idempotency(step.protocolRunId, request.idempotencyKey),
      ],
      [
        request.requiredStepStatus,
        request.requiredRunStatus ?? '',
        JSON.stringify(event),
        runStreamMaxLen,
        projectStreamMaxLen,
        idempotencyTtlSeconds,
      ],
    );
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
  }
}
