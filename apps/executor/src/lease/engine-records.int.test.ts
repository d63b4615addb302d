import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createStateStore } from '@tundra/core/server';
import { describeGroup, groupRunning, waitForGroupGone } from '@tundra/engine';
import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineRecordStore } from '../store/engine-record-store.js';
import { EngineRecords, LeftoverOutcome } from './engine-records.js';

let redis: TestRedis;
let records: EngineRecords;
let keys: ReturnType<typeof createStateStore>['keys'];
beforeAll(async () => {
  redis = await createTestRedis();
  keys = createStateStore({ redis: redis.client, prefix: redis.prefix }).keys;
  records = new EngineRecords(new EngineRecordStore(redis.client, keys));
});
afterAll(async () => redis.stop());

const started: number[] = [];
afterAll(() => {
  for (const pgid of started) if (groupRunning(pgid)) process.kill(-pgid, 'SIGKILL');
});

/** A detached process group with a child of its own, as an engine's. */
async function startGroup(): Promise<number> {
  const child = spawn('bash', ['-c', 'sleep 300 & echo ready; wait'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await once(child.stdout!, 'data');
  started.push(child.pid!);
  return child.pid!;
}

/** The record a dead executor left: its owner is a process that no longer exists. */
async function recordAsDeadExecutor(runId: string, stepId: string, pgid: number) {
  const group = describeGroup(pgid);
  const record = {
    group,
    owner: { pid: process.pid, startTicks: -1 },
    attempt: 1,
    at: new Date().toISOString(),
  };
  await redis.client.set(keys.stepEngine(runId, stepId), JSON.stringify(record));
  await redis.client.sadd(keys.hostEngines(group.host), JSON.stringify([runId, stepId]));
  return group;
}

describe('EngineRecords when an executor starts', () => {
  it('kills the groups dead executors on this host left, waits for them, and forgets them', async () => {
    const orphan = await recordAsDeadExecutor('run-a', 'step-a', await startGroup());
    // An engine of an executor that still runs here (this process) is that executor's business.
    const live = describeGroup(await startGroup());
    await records.record('run-b', 'step-b', 1, live);

    const reaped = await records.reapOrphans(5_000);
    expect(reaped).toEqual([
      { runId: 'run-a', stepId: 'step-a', pgid: orphan.pgid, outcome: LeftoverOutcome.Stopped },
    ]);
    expect(groupRunning(orphan.pgid)).toBe(false);
    expect(groupRunning(live.pgid)).toBe(true);
    expect(await records.read('run-a', 'step-a')).toBeNull();
    expect(await records.read('run-b', 'step-b')).toMatchObject({ group: live, attempt: 1 });
    expect(await redis.client.smembers(keys.hostEngines(live.host))).toEqual([
      JSON.stringify(['run-b', 'step-b']),
    ]);
  });

  it('forgets a record whose group has already ended', async () => {
    const pgid = await startGroup();
    const group = await recordAsDeadExecutor('run-c', 'step-c', pgid);
    process.kill(-pgid, 'SIGKILL');
    await waitForGroupGone(group, 5_000);
    expect(await records.stopLeftover('run-c', 'step-c', 5_000)).toBe(LeftoverOutcome.Ended);
    expect(await records.read('run-c', 'step-c')).toBeNull();
    expect(
      await redis.client.sismember(keys.hostEngines(group.host), JSON.stringify(['run-c', 'step-c'])),
    ).toBe(0);
  });
});
