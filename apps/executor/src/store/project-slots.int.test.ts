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
    const lease = await mine.acquire('run_l', 'step_l', 60_000);
    expect(lease).toMatch(/^me:/);
    expect(await theirs.acquire('run_l', 'step_l', 60_000)).toBeNull();
    expect(await theirs.renew('run_l', 'step_l', 'them:0', 60_000)).toBe(false);
    await theirs.release('run_l', 'step_l', 'them:0');
    expect(await mine.remainingMs('run_l', 'step_l')).toBeGreaterThan(50_000);
    await redis.client.pexpire(keys.stepLease('run_l', 'step_l'), 10);
    expect(await mine.renew('run_l', 'step_l', lease!, 60_000)).toBe(true);
    expect(await redis.client.pttl(keys.stepLease('run_l', 'step_l'))).toBeGreaterThan(10_000);
    await mine.release('run_l', 'step_l', lease!);
    expect(await mine.remainingMs('run_l', 'step_l')).toBe(0);
    expect(await mine.renew('run_l', 'step_l', lease!, 60_000)).toBe(false);
  });

  it('tells two attempts of one executor apart: the lapsed first neither renews nor releases the second’s', async () => {
    const leases = new StepLeases(redis.client, keys, 'me');
    const first = await leases.acquire('run_t', 'step_t', 60_000);
    // A Redis failover outlasted the lease: it lapsed, and the job came back to the same executor.
    await redis.client.del(keys.stepLease('run_t', 'step_t'));
    const second = await leases.acquire('run_t', 'step_t', 60_000);
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    expect(await leases.renew('run_t', 'step_t', first!, 60_000)).toBe(false);
    await leases.release('run_t', 'step_t', first!);
    expect(await leases.remainingMs('run_t', 'step_t')).toBeGreaterThan(50_000);
    expect(await leases.renew('run_t', 'step_t', second!, 60_000)).toBe(true);
  });
});
