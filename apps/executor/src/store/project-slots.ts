import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RedisClient } from '@tundra/core/server';
import { defineScript, type Keys } from '@tundra/core/server';

export const acquireSlot = defineScript({
  name: 'acquire-slot',
  dir: join(dirname(fileURLToPath(import.meta.url)), 'lua'),
  keys: ['slots'],
  args: ['runId', 'limit', 'leaseMs'],
  decode: (reply) => Number(reply) === 1,
});

/**
 * The per-project limit on runs executing at once, kept in Redis so that every executor process honours it. A
 * run holds its slot while one of its steps executes; the slot's lease is renewed while the step runs, so a slot
 * of an executor that died frees itself.
 */
export class ProjectSlots {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Takes or renews the run's slot; false when the project is at its limit. */
  async acquire(input: {
    projectId: string;
    runId: string;
    limit: number;
    leaseMs: number;
  }): Promise<boolean> {
    return acquireSlot.run(
      this.redis,
      { slots: this.keys.projectSlots(input.projectId) },
      { runId: input.runId, limit: input.limit, leaseMs: input.leaseMs },
    );
  }

  async release(projectId: string, runId: string): Promise<void> {
    await this.redis.zrem(this.keys.projectSlots(projectId), runId);
  }

  /** The runs holding a slot now (expired leases included until the next acquire drops them). */
  holders(projectId: string): Promise<string[]> {
    return this.redis.zrange(this.keys.projectSlots(projectId), 0, -1);
  }
}
