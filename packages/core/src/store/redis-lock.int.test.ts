import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLock } from './redis-lock.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => redis.stop());

describe('RedisLock', () => {
  it('has one holder at a time, and a holder frees only its own lock', async () => {
    const lock = new RedisLock(redis.client);
    const key = `${redis.prefix}:lock`;
    const first = await lock.acquire(key, 10_000);
    expect(first).not.toBeNull();
    expect(await lock.acquire(key, 10_000)).toBeNull();

    await lock.unlock(key, 'someone-else');
    expect(await lock.acquire(key, 10_000)).toBeNull();

    await lock.unlock(key, first!);
    expect(await lock.acquire(key, 10_000)).not.toBeNull();
  });

  it('is renewed only by its holder', async () => {
    const lock = new RedisLock(redis.client);
    const key = `${redis.prefix}:renewed`;
    expect(await lock.acquire(key, 1_000, 'executor-1')).toBe('executor-1');
    expect(await lock.renew(key, 'executor-2', 60_000)).toBe(false);
    expect(await lock.renew(key, 'executor-1', 60_000)).toBe(true);
    expect(await redis.client.pttl(key)).toBeGreaterThan(1_000);
    await lock.unlock(key, 'executor-1');
    expect(await lock.renew(key, 'executor-1', 60_000)).toBe(false);
  });
});
