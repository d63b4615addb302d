import { ContractViolationError, formatZodIssues } from '@tundra/core';
import type { Keys, RedisClient } from '@tundra/core/server';
import { z } from 'zod';
import type { CiVerdict } from '../ci-verdicts.js';

const StoredCiVerdict = z.object({
  outcome: z.enum(['success', 'failure']),
  url: z.string().nullable(),
  at: z.string(),
  sourceEventId: z.string(),
}) satisfies z.ZodType<CiVerdict>;

/**
 * How long a run's CI verdicts are kept after the last one was recorded. Nothing deletes a run's keys when it
 * ends, so the hash expires on its own; a verdict only matters while a step of the run can still come back to its
 * commit (a blocked step retried days later, say), and past this the step waits for CI as it would without one.
 */
export const ciVerdictTtlSeconds = 30 * 24 * 3600;

/**
 * CI's last verdict on each commit of a run, in one hash per run (`keys.runCiVerdicts`). The last result reported
 * for a commit wins: a re-run of the pipeline on the same tree replaces the verdict it gave before.
 */
export class CiVerdictStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlSeconds: number = ciVerdictTtlSeconds,
  ) {}

  /** Records `verdict` for `sha` and keeps the run's verdicts for another TTL. */
  async record(runId: string, sha: string, verdict: CiVerdict): Promise<void> {
    const key = this.keys.runCiVerdicts(runId);
    // One transaction: a verdict is never left without its expiry.
    const replies = await this.redis
      .multi()
      .hset(key, sha, JSON.stringify(verdict))
      .expire(key, this.ttlSeconds)
      .exec();
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }

  /** CI's verdict on `sha`, or null when CI has not reported on that commit (or it was too long ago). */
  async get(runId: string, sha: string): Promise<CiVerdict | null> {
    const raw = await this.redis.hget(this.keys.runCiVerdicts(runId), sha);
    if (raw === null) return null;
    // A value that does not parse is a bug or a foreign writer: failing the job says so, a retry would not help.
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new ContractViolationError('stored CI verdict', [String(error)]);
    }
    const parsed = StoredCiVerdict.safeParse(value);
    if (!parsed.success) throw new ContractViolationError('stored CI verdict', formatZodIssues(parsed.error));
    return parsed.data;
  }
}
