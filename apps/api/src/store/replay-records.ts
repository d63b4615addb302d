import type { Keys, RedisClient } from '@tundra/core/server';
import { idempotencyTtlSeconds } from './idempotency-records.js';

/** How long a replay's claim holds its key when the request dies before answering. */
const claimTtlSeconds = 300;
const claimed = 'claimed';

export type ReplayClaim = { kind: 'claimed' } | { kind: 'answered'; body: unknown } | { kind: 'in_use' };

/**
 * Idempotency of inbox replays: the first request with a key claims it, its answer is kept for 7 days, and the same
 * key again gets that answer instead of a second replay.
 */
export class ReplayRecords {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async claim(deliveryId: string, idempotencyKey: string): Promise<ReplayClaim> {
    const key = this.keys.inboxReplay(deliveryId, idempotencyKey);
    if ((await this.redis.set(key, claimed, 'EX', claimTtlSeconds, 'NX')) === 'OK')
      return { kind: 'claimed' };
    const value = await this.redis.get(key);
    if (value === null) return this.claim(deliveryId, idempotencyKey);
    return value === claimed ? { kind: 'in_use' } : { kind: 'answered', body: JSON.parse(value) };
  }

  async answer(deliveryId: string, idempotencyKey: string, body: unknown): Promise<void> {
    await this.redis.set(
      this.keys.inboxReplay(deliveryId, idempotencyKey),
      JSON.stringify(body),
      'EX',
      idempotencyTtlSeconds,
    );
  }

  async release(deliveryId: string, idempotencyKey: string): Promise<void> {
    await this.redis.del(this.keys.inboxReplay(deliveryId, idempotencyKey));
  }
}
