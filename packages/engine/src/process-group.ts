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
