import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { killRecordedGroup } from './process-group.js';
import { describeGroup, GroupState, groupRunning, recordedGroupState } from './process-identity.js';

/** A detached `sleep` with a child of its own: a process group like an engine's. */
async function startGroup(): Promise<number> {
  const child = spawn('bash', ['-c', 'sleep 300 & echo ready; wait'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await once(child.stdout!, 'data');
  return child.pid!;
}

describe('recorded engine groups', () => {
  it('a recorded live group is killed, waited for, and then reads as gone', async () => {
    const pgid = await startGroup();
    const record = describeGroup(pgid);
    expect(record.startTicks).toBeGreaterThan(0);
    expect(recordedGroupState(record)).toBe(GroupState.Alive);
    expect(await killRecordedGroup(record, 5_000)).toBe(GroupState.Gone);
    expect(groupRunning(pgid)).toBe(false);
    expect(recordedGroupState(record)).toBe(GroupState.Gone);
  });

  it('leaves alone a group whose id now belongs to another process, or that ran on another host', async () => {
    const pgid = await startGroup();
    try {
      const record = describeGroup(pgid);
      const reused = { ...record, startTicks: record.startTicks! - 1 };
      const remote = { ...record, host: `not-${record.host}` };
      expect(await killRecordedGroup(reused, 1_000)).toBe(GroupState.Elsewhere);
      expect(await killRecordedGroup(remote, 1_000)).toBe(GroupState.Elsewhere);
      expect(groupRunning(pgid)).toBe(true);
    } finally {
      process.kill(-pgid, 'SIGKILL');
    }
  });

  it('a group whose leader exited is still the recorded one while members remain', async () => {
    // The leader exits when its stdin closes, leaving its child behind.
    const child = spawn('bash', ['-c', 'sleep 300 & echo ready; read -r _'], {
      detached: true,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const exited = once(child, 'exit');
    await once(child.stdout!, 'data');
    const record = describeGroup(child.pid!);
    child.stdin!.end();
    await exited;
    expect(recordedGroupState(record)).toBe(GroupState.Alive);
    expect(await killRecordedGroup(record, 5_000)).toBe(GroupState.Gone);
  });
});
