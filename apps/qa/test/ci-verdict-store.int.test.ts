import { ContractViolationError } from '@tundra/core';
import { createKeys } from '@tundra/core/server';
import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CiVerdict } from '../src/ci-verdicts.js';
import { CiVerdictStore, ciVerdictTtlSeconds } from '../src/store/ci-verdict-store.js';

let redis: TestRedis;
let keys: ReturnType<typeof createKeys>;
let verdicts: CiVerdictStore;

beforeAll(async () => {
  redis = await createTestRedis();
  keys = createKeys(redis.prefix);
  verdicts = new CiVerdictStore(redis.client, keys);
});

afterAll(async () => {
  await redis?.stop();
});

const green: CiVerdict = {
  outcome: 'success',
  url: 'https://ci/1',
  at: '2026-01-01T00:00:00.000Z',
  sourceEventId: '1-0',
};
const sha = 'a'.repeat(40);

describe('CiVerdictStore', () => {
  it('keeps the last verdict per commit, in the run hash, with an expiry', async () => {
    await verdicts.record('run_one', sha, green);
    const red: CiVerdict = { ...green, outcome: 'failure', sourceEventId: '2-0' };
    await verdicts.record('run_one', sha, red);
    expect(await verdicts.get('run_one', sha)).toEqual(red);
    expect(await redis.client.hlen(keys.runCiVerdicts('run_one'))).toBe(1);
    const ttl = await redis.client.ttl(keys.runCiVerdicts('run_one'));
    expect(ttl).toBeGreaterThan(ciVerdictTtlSeconds - 60);
    expect(ttl).toBeLessThanOrEqual(ciVerdictTtlSeconds);
  });

  it('knows nothing of a commit CI has not reported on, nor of another run', async () => {
    await verdicts.record('run_two', sha, green);
    expect(await verdicts.get('run_two', 'b'.repeat(40))).toBeNull();
    expect(await verdicts.get('run_three', sha)).toBeNull();
  });

  it('refuses a stored value that is not a verdict', async () => {
    await redis.client.hset(keys.runCiVerdicts('run_four'), sha, JSON.stringify({ outcome: 'maybe' }));
    await redis.client.hset(keys.runCiVerdicts('run_four'), 'b'.repeat(40), 'not json');
    await expect(verdicts.get('run_four', sha)).rejects.toBeInstanceOf(ContractViolationError);
    await expect(verdicts.get('run_four', 'b'.repeat(40))).rejects.toBeInstanceOf(ContractViolationError);
  });
});
