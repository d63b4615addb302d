import { hostname } from 'node:os';
import {
  type EngineGroup,
  GroupState,
  killRecordedGroup,
  processStartTicks,
  recordedGroupState,
  waitForGroupGone,
} from '@tundra/engine';
import type { EngineRecord, EngineRecordStore } from '../store/engine-record-store.js';

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

/**
 * The exec engines' process groups, recorded in Redis so that an engine left running by an executor that died
 * (SIGKILL runs no exit handler) is found and killed before the step's next attempt touches the worktree, or when
 * an executor starts again on the same host. Complements the engine supervisor, which stops the group itself when
 * its executor's pipe closes.
 */
export class EngineRecords {
  private readonly owner = { pid: process.pid, startTicks: processStartTicks(process.pid) };

  constructor(
    private readonly records: EngineRecordStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(runId: string, stepId: string, attempt: number, group: EngineGroup): Promise<void> {
    const record: EngineRecord = { group, owner: this.owner, attempt, at: this.now().toISOString() };
    await this.records.write(runId, stepId, record);
  }

  read(runId: string, stepId: string): Promise<EngineRecord | null> {
    return this.records.read(runId, stepId);
  }

  /** Forgets the step's engine, once its group is gone. */
  async clear(runId: string, stepId: string, host: string = hostname()): Promise<void> {
    await this.records.clear(runId, stepId, host);
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
    for (const entry of await this.records.hostEntries(host)) {
      const { runId, stepId } = entry;
      const record = await this.read(runId, stepId);
      if (!record || record.group.host !== host) {
        await this.records.forgetEntry(host, entry);
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
