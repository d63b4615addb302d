import { hostname } from 'node:os';
import type { Keys, RedisClient } from '@tundra/core/server';
import {
  type EngineGroup,
  GroupState,
  killRecordedGroup,
  processStartTicks,
  recordedGroupState,
  waitForGroupGone,
} from '@tundra/engine';
import { z } from 'zod';

/** An exec engine's process group, recorded beside the step's lease while the engine may be running. */
export const EngineRecord = z.object({
  group: z.object({
    host: z.string(),
    bootId: z.string().nullable(),
    pgid: z.number().int(),
    startTicks: z.number().nullable(),
  }),
  /** The executor process that started it: a pid and its start time, so a later process with that pid is not it. */
  owner: z.object({ pid: z.number().int(), startTicks: z.number().nullable() }),
  attempt: z.number().int(),
  at: z.string(),
});
export type EngineRecord = z.infer<typeof EngineRecord>;

/** What an executor found of a recorded engine group, and did about it. */
export const LeftoverOutcome = {
  /** Nothing was recorded. */
  None: 'none',
  /** The group had already ended. */
  Ended: 'ended',
  /** The group was running and is gone now (killed, or stopped by its still-living executor). */
  Stopped: 'stopped',
  /** Recorded on another host or boot, or its id now names another process: not this executor's to touch. */
  Elsewhere: 'elsewhere',
  /** At start only: the group's executor still runs on this host, and the group is its business. */
  OwnerAlive: 'owner_alive',
  /** Still running after the time allowed. */
  StillRunning: 'still_running',
} as const;
export type LeftoverOutcome = (typeof LeftoverOutcome)[keyof typeof LeftoverOutcome];

/** A record outlives a crash only until some executor cleans it up; a week bounds what nobody ever does. */
const recordTtlSeconds = 7 * 24 * 3600;

const member = (runId: string, stepId: string) => JSON.stringify([runId, stepId]);

/**
 * The exec engines' process groups, recorded in Redis so that an engine left running by an executor that died
 * (SIGKILL runs no exit handler) is found and killed before the step's next attempt touches the worktree, or when
 * an executor starts again on the same host. Complements the engine supervisor, which stops the group itself when
 * its executor's pipe closes.
 */
export class EngineRecords {
  private readonly owner = { pid: process.pid, startTicks: processStartTicks(process.pid) };

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(runId: string, stepId: string, attempt: number, group: EngineGroup): Promise<void> {
    const record: EngineRecord = { group, owner: this.owner, attempt, at: this.now().toISOString() };
    // Two writes, not a MULTI: the host's set and the step's record are in different slots on Redis Cluster. The set
    // is written first and cleared last, so a record is never missing from it; an entry whose record is gone (a
    // crash between the two) is dropped by `reapOrphans`.
    await this.redis.sadd(this.keys.hostEngines(group.host), member(runId, stepId));
    await this.redis.set(this.keys.stepEngine(runId, stepId), JSON.stringify(record), 'EX', recordTtlSeconds);
  }

  async read(runId: string, stepId: string): Promise<EngineRecord | null> {
    const raw = await this.redis.get(this.keys.stepEngine(runId, stepId));
    if (raw === null) return null;
    const parsed = EngineRecord.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  /** Forgets the step's engine, once its group is gone. */
  async clear(runId: string, stepId: string, host: string = hostname()): Promise<void> {
    await this.redis.del(this.keys.stepEngine(runId, stepId));
    await this.redis.srem(this.keys.hostEngines(host), member(runId, stepId));
  }

  /**
   * Before a step's attempt: kills the group an earlier attempt recorded, if it still runs here, and waits until it
   * is gone; a group whose executor still lives (it lost the lease and stops its engine itself) is waited for. The
   * record is forgotten once the group is gone; one of another host is left for that host's executor.
   */
  async stopLeftover(runId: string, stepId: string, timeoutMs: number): Promise<LeftoverOutcome> {
    const record = await this.read(runId, stepId);
    if (!record) return LeftoverOutcome.None;
    const outcome = await this.stop(record, timeoutMs, { waitForLiveOwner: true });
    if (outcome !== LeftoverOutcome.Elsewhere && outcome !== LeftoverOutcome.StillRunning) {
      await this.clear(runId, stepId, record.group.host);
    }
    return outcome;
  }

  /**
   * When an executor starts: kills every group recorded on this host whose executor is gone, waits for each, and
   * forgets them. Groups of executors still running here are theirs.
   */
  async reapOrphans(
    timeoutMs: number,
  ): Promise<{ runId: string; stepId: string; pgid: number; outcome: LeftoverOutcome }[]> {
    const host = hostname();
    const reaped = [];
    for (const entry of await this.redis.smembers(this.keys.hostEngines(host))) {
      const [runId, stepId] = JSON.parse(entry) as [string, string];
      const record = await this.read(runId, stepId);
      if (!record || record.group.host !== host) {
        await this.redis.srem(this.keys.hostEngines(host), entry);
        continue;
      }
      const outcome = await this.stop(record, timeoutMs, { waitForLiveOwner: false });
      if (outcome === LeftoverOutcome.OwnerAlive || outcome === LeftoverOutcome.StillRunning) continue;
      await this.clear(runId, stepId, host);
      reaped.push({ runId, stepId, pgid: record.group.pgid, outcome });
    }
    return reaped;
  }

  private async stop(
    record: EngineRecord,
    timeoutMs: number,
    options: { waitForLiveOwner: boolean },
  ): Promise<LeftoverOutcome> {
    const state = recordedGroupState(record.group);
    if (state === GroupState.Gone) return LeftoverOutcome.Ended;
    if (state === GroupState.Elsewhere) return LeftoverOutcome.Elsewhere;
    let after: GroupState;
    if (this.ownerAlive(record)) {
      if (!options.waitForLiveOwner) return LeftoverOutcome.OwnerAlive;
      after = await waitForGroupGone(record.group, timeoutMs);
    } else {
      after = await killRecordedGroup(record.group, timeoutMs);
    }
    if (after === GroupState.Elsewhere) return LeftoverOutcome.Elsewhere;
    return after === GroupState.Gone ? LeftoverOutcome.Stopped : LeftoverOutcome.StillRunning;
  }

  private ownerAlive(record: EngineRecord): boolean {
    const { pid, startTicks } = record.owner;
    if (startTicks === null) return false;
    return processStartTicks(pid) === startTicks;
  }
}
