import { createKeys } from '@tundra/core/server';
import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectSlots } from './project-slots.js';
import { StepLeases } from './step-leases.js';

let redis: TestRedis;
let slots: ProjectSlots;
let keys: ReturnType<typeof createKeys>;

beforeAll(async () => {
  redis = await createTestRedis();
  keys = createKeys(redis.prefix);
  slots = new ProjectSlots(redis.client, keys);
});
afterAll(async () => redis.stop());

describe('acquire-slot.lua', () => {
  it('admits up to the limit, renews a holder, and admits again after a release', async () => {
    const slot = (runId: string) => ({ projectId: 'p1', runId, limit: 2, leaseMs: 60_000 });
    expect(await slots.acquire(slot('run_a'))).toBe(true);
    expect(await slots.acquire(slot('run_b'))).toBe(true);
    expect(await slots.acquire(slot('run_c'))).toBe(false);
    expect(await slots.acquire(slot('run_a'))).toBe(true);
    expect((await slots.holders('p1')).sort()).toEqual(['run_a', 'run_b']);
    await slots.release('p1', 'run_a');
    expect(await slots.acquire(slot('run_c'))).toBe(true);
  });

  it('drops slots whose lease ran out', async () => {
    await redis.client.zadd(keys.projectSlots('p2'), 1, 'run_dead');
    expect(await slots.acquire({ projectId: 'p2', runId: 'run_live', limit: 1, leaseMs: 60_000 })).toBe(true);
    expect(await slots.holders('p2')).toEqual(['run_live']);
  });

  it('keeps projects apart', async () => {
    expect(await slots.acquire({ projectId: 'p3', runId: 'run_x', limit: 1, leaseMs: 60_000 })).toBe(true);
    expect(await slots.acquire({ projectId: 'p4', runId: 'run_y', limit: 1, leaseMs: 60_000 })).toBe(true);
  });
});

describe('StepLeases', () => {
  it('renew and release only the holder’s own lease', async () => {
    const mine = new StepLeases(redis.client, keys, 'me');
    const theirs = new StepLeases(redis.client, keys, 'them');
    expect(await mine.acquire('run_l', 'step_l', 60_000)).toBe(true);
    expect(await theirs.acquire('run_l', 'step_l', 60_000)).toBe(false);
    expect(await theirs.renew('run_l', 'step_l', 60_000)).toBe(false);
    await theirs.release('run_l', 'step_l');
    expect(await mine.remainingMs('run_l', 'step_l')).toBeGreaterThan(50_000);
    await redis.client.pexpire(keys.stepLease('run_l', 'step_l'), 10);
    expect(await mine.renew('run_l', 'step_l', 60_000)).toBe(true);
    expect(await redis.client.pttl(keys.stepLease('run_l', 'step_l'))).toBeGreaterThan(10_000);
    await mine.release('run_l', 'step_l');
    expect(await mine.remainingMs('run_l', 'step_l')).toBe(0);
    expect(await mine.renew('run_l', 'step_l', 60_000)).toBe(false);
  });
});
