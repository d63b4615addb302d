import { setTimeout as delay } from 'node:timers/promises';
import { type EngineGroup, GroupState, groupRunning, recordedGroupState } from './process-identity.js';

/**
 * Engines run as process groups (spawned detached, so the engine is the group leader and its children join the
 * group). Signalling the negative pid reaches the whole group, grandchildren included.
 */

/** Groups started by this process and not yet reaped: what `killRunningEngines` stops when the process exits. */
const liveGroups = new Set<number>();

export function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
}

export function untrackGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** Sends `signal` to every process of the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Kills every engine process group this process started. Synchronous, so it can run in a `process.on('exit')`
 * handler: engines are detached and would otherwise outlive an executor that exits.
 */
export function killRunningEngines(signal: NodeJS.Signals = 'SIGKILL'): number {
  let killed = 0;
  for (const pgid of liveGroups) {
    if (signalGroup(pgid, signal)) killed++;
  }
  return killed;
}

/** How often a group being stopped is checked for what is left of it. */
export const groupPollMs = 50;

/**
 * Kills a recorded group that outlived the executor that started it (SIGKILL: its work is discarded, and its
 * supervisor gave it its SIGTERM when the executor died), then waits until no process of it runs. Resolves with
 * the group's state: `gone` once it is, `alive` if it still runs after `timeoutMs`, `elsewhere` when the record is
 * not of a group running here (nothing is signalled).
 */
export async function killRecordedGroup(group: EngineGroup, timeoutMs: number): Promise<GroupState> {
  const state = recordedGroupState(group);
  if (state !== GroupState.Alive) return state;
  signalGroup(group.pgid, 'SIGKILL');
  return waitForGroupGone(group, timeoutMs);
}

/** Waits until no process of the group runs: `gone`, or `alive` after `timeoutMs`. */
export async function waitForGroupGone(group: EngineGroup, timeoutMs: number): Promise<GroupState> {
  const deadline = Date.now() + timeoutMs;
  while (groupRunning(group.pgid)) {
    if (Date.now() >= deadline) return GroupState.Alive;
    await delay(groupPollMs);
  }
  return GroupState.Gone;
}
