import type { RedisClient } from '@tundra/core/server';
import { type Keys, RedisLock } from '@tundra/core/server';

/**
 * "A live executor works on this step": a lock with a TTL that the executor renews while the engine runs, held in
 * this executor's name. A redelivered job that finds the step `running` but no lease knows its executor died; one
 * that finds the lease still running waits for it to lapse or for the step to move on.
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

  /** Takes the lease if nobody holds it. */
  async acquire(runId: string, stepId: string, leaseMs: number): Promise<boolean> {
    return (await this.lock.acquire(this.keys.stepLease(runId, stepId), leaseMs, this.holder)) !== null;
  }

  async renew(runId: string, stepId: string, leaseMs: number): Promise<boolean> {
    return this.lock.renew(this.keys.stepLease(runId, stepId), this.holder, leaseMs);
  }

  async release(runId: string, stepId: string): Promise<void> {
    await this.lock.unlock(this.keys.stepLease(runId, stepId), this.holder);
  }

  /** How long the lease still runs if nobody renews it; 0 when nobody holds it. */
  async remainingMs(runId: string, stepId: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.keys.stepLease(runId, stepId)));
  }
}
