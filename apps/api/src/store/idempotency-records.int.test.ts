import { createKeys } from '@tundra/core/server';
import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyRecords, idempotencyTtlSeconds, requestFingerprint } from './idempotency-records.js';

let redis: TestRedis;
let records: IdempotencyRecords;
beforeAll(async () => {
  redis = await createTestRedis();
  records = new IdempotencyRecords(redis.client, createKeys(redis.prefix));
});
afterAll(async () => redis.stop());

const same = requestFingerprint(['POST /protocols', 'alpha', 101, null]);
const other = requestFingerprint(['POST /protocols', 'alpha', 102, null]);
const answer = { status: 202, body: { status: 'accepted', jobId: 'j1' } };

describe('idempotency records', () => {
  it('claim once, store the first answer for the key lifetime, and replay it to the same request only', async () => {
    const key = `${redis.prefix}:idem:answered`;
    const claimed = await records.claim(key, same);
    expect(claimed.kind).toBe('claimed');
    // A claim holds for minutes, not for the key's lifetime: a request that died frees its key soon.
    expect(await redis.client.pttl(key)).toBeLessThanOrEqual(5 * 60_000);
    expect(await records.claim(key, same)).toEqual({ kind: 'in_progress' });
    expect(await records.claim(key, other)).toEqual({ kind: 'other_request' });

    if (claimed.kind !== 'claimed') throw new Error('not claimed');
    expect(await records.finish(claimed.claim, answer)).toBe(true);
    expect(await redis.client.ttl(key)).toBeGreaterThan(idempotencyTtlSeconds - 60);
    expect(await records.claim(key, same)).toEqual({ kind: 'answered', answer });
    expect(await records.claim(key, other)).toEqual({ kind: 'other_request' });
    // A stored answer is never released.
    await records.release(claimed.claim);
    expect(await records.claim(key, same)).toEqual({ kind: 'answered', answer });
  });

  it('free a released key for the next attempt', async () => {
    const key = `${redis.prefix}:idem:released`;
    const first = await records.claim(key, same);
    if (first.kind !== 'claimed') throw new Error('not claimed');
    await records.release(first.claim);
    expect(await redis.client.exists(key)).toBe(0);
    expect((await records.claim(key, other)).kind).toBe('claimed');
  });

  it('let only the attempt holding the claim finish or release it', async () => {
    const key = `${redis.prefix}:idem:taken-over`;
    const stale = await records.claim(key, same);
    if (stale.kind !== 'claimed') throw new Error('not claimed');
    // The stale attempt's claim expired (as DEL does it at once) and another attempt claimed the key.
    await redis.client.del(key);
    const fresh = await records.claim(key, same);
    if (fresh.kind !== 'claimed') throw new Error('not claimed');
    expect(await records.finish(stale.claim, answer)).toBe(false);
    await records.release(stale.claim);
    expect(await records.claim(key, same)).toEqual({ kind: 'in_progress' });
    expect(await records.finish(fresh.claim, { ...answer, status: 200 })).toBe(true);
    expect(await records.claim(key, same)).toEqual({ kind: 'answered', answer: { ...answer, status: 200 } });
  });
});
