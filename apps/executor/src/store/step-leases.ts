import { randomBytes } from 'node:crypto';
import type { RedisClient } from '@tundra/core/server';
import { type Keys, RedisLock } from '@tundra/core/server';

/**
 * "A live executor works on this step": a lock with a TTL that the executor renews while the engine runs, held in
 * this executor's name. A redelivered job that finds the step `running` but no lease knows its executor died; one
 * that finds the lease still running waits for it to lapse or for the step to move on.
 *
 * Each acquisition has a token of its own (the holder's id and a random tail): the same executor can get a step's
 * job again (BullMQ hands a job back when a Redis failover outlasts its lock), and the first attempt, whose lease
 * lapsed meanwhile, must then fail to renew, and must not release the second attempt's lease when it ends.
 */
export class StepLeases {
  private readonly lock: RedisLock;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** This executor's id, stored as the lease's value. */
    private readonly holder: string,
  ) {
    this.lock = new RedisLock(redis);
  }

  /** Takes the lease if nobody holds it: its token, which renews and releases it, or null. */
  async acquire(runId: string, stepId: string, leaseMs: number): Promise<string | null> {
    const token = `${this.holder}:${randomBytes(6).toString('hex')}`;
    return this.lock.acquire(this.keys.stepLease(runId, stepId), leaseMs, token);
  }

  async renew(runId: string, stepId: string, token: string, leaseMs: number): Promise<boolean> {
    return this.lock.renew(this.keys.stepLease(runId, stepId), token, leaseMs);
  }

  async release(runId: string, stepId: string, token: string): Promise<void> {
    await this.lock.unlock(this.keys.stepLease(runId, stepId), token);
  }

  /** How long the lease still runs if nobody renews it; 0 when nobody holds it. */
  async remainingMs(runId: string, stepId: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.keys.stepLease(runId, stepId)));
  }
}
