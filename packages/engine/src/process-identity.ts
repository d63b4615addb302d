import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Where an engine's process group ran and which one it was, recorded so that another process can find it after
 * the executor that started it died. A pid can be reused once its process is gone: the start time (in clock ticks
 * since boot, from `/proc`) and the boot id tell the group that was recorded from a later one with the same id.
 */
export interface EngineGroup {
  host: string;
  /** `/proc/sys/kernel/random/boot_id`; null where the OS has no such file. */
  bootId: string | null;
  pgid: number;
  /** When the group's leader started, in clock ticks since boot; null where the OS does not say. */
  startTicks: number | null;
}

/** What this process sees of a recorded group. */
export const GroupState = {
  /** No process of the group is left (zombies waiting to be reaped count as gone). */
  Gone: 'gone',
  /** The recorded group, still running here. */
  Alive: 'alive',
  /** Recorded on another host or boot, or its id now belongs to another process: not ours to touch. */
  Elsewhere: 'elsewhere',
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

const proc = '/proc';

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The fields of `/proc/<pid>/stat` after the command name (which may hold spaces and parentheses). */
function statFields(pid: number | string): string[] | null {
  const stat = readProc(`${proc}/${pid}/stat`);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

// Field numbers of proc(5), counted from `state` (field 3): pgrp is field 5, starttime field 22.
const stateField = 0;
const pgrpField = 2;
const startTimeField = 19;

let cachedBootId: string | null | undefined;

export function currentBootId(): string | null {
  if (cachedBootId === undefined)
    cachedBootId = readProc(`${proc}/sys/kernel/random/boot_id`)?.trim() ?? null;
  return cachedBootId;
}

/** When the process started, in clock ticks since boot; null when it does not exist or the OS does not say. */
export function processStartTicks(pid: number): number | null {
  const value = statFields(pid)?.[startTimeField];
  return value === undefined ? null : Number(value);
}

/** The identity of the group `pgid` leads, as this process sees it now. */
export function describeGroup(pgid: number): EngineGroup {
  return { host: hostname(), bootId: currentBootId(), pgid, startTicks: processStartTicks(pgid) };
}

/**
 * Whether any process of the group is still running. With `/proc`, zombies (killed, not yet reaped by whoever
 * inherited them) do not count; elsewhere, whether the group can still be signalled.
 */
export function groupRunning(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return signalReaches(pgid);
  }
  if (!signalReaches(pgid)) return false;
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[pgrpField]) === pgid && fields[stateField] !== 'Z') return true;
  }
  return false;
}

function signalReaches(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: a group of another user's, so not one this executor started.
    return true;
  }
}

/**
 * Whether the recorded group is the one running here now. A group id cannot be reused while any process of the
 * group lives, so a group whose leader is gone but whose members remain is still the recorded one; a leader that
 * lives must have the recorded start time.
 */
export function recordedGroupState(group: EngineGroup): GroupState {
  if (group.host !== hostname() || group.bootId !== currentBootId()) return GroupState.Elsewhere;
  if (!groupRunning(group.pgid)) return GroupState.Gone;
  const leaderStart = processStartTicks(group.pgid);
  if (leaderStart !== null && group.startTicks !== null && leaderStart !== group.startTicks)
    return GroupState.Elsewhere;
  if (leaderStart === null && group.startTicks === null) {
    // No /proc to tell: a live group recorded without a start time cannot be told from a later one.
    return GroupState.Elsewhere;
  }
  return GroupState.Alive;
}
