import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  type JobName,
  type JobPayload,
  jobCatalog,
  parseJobPayload,
  type QueueName,
} from '../contracts/jobs.js';
import { backoffDelayMs } from '../rules/retry-backoff.js';

/** The BullMQ backoff type of every Tundra job: BullMQ's exponential has no cap, so the workers compute it. */
export const cappedBackoff = 'tundra-capped';

/**
 * The workers' `backoffStrategy`: the wait before a job's next attempt, from its catalog entry's policy. BullMQ
 * passes the attempts made so far, the failed one included.
 */
export function jobRetryDelayMs(name: string, attemptsMade: number): number {
  const definition = jobCatalog[name as JobName];
  // A job name outside the catalog has no policy: retry it at once rather than not at all.
  return definition ? backoffDelayMs(attemptsMade + 1, definition.backoff) : 0;
}

export interface EnqueueOptions {
  /** A deterministic id makes the enqueue idempotent: BullMQ keeps one job per id. */
  jobId?: string;
  delayMs?: number;
}

/**
 * Producers' view of the job catalog: `enqueue(name, payload)` parses the payload against its contract, picks the
 * queue and applies the catalog's retry policy, so no producer assembles BullMQ options by hand.
 */
export class JobQueues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: Redis,
    /** BullMQ key prefix; tests pass their own. */
    private readonly prefix: string,
  ) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    options: EnqueueOptions = {},
  ): Promise<string> {
    const definition = jobCatalog[name];
    const data = parseJobPayload(name, payload);
    const job = await this.queue(definition.queue).add(name, data, this.jobOptions(name, options));
    return job.id ?? '';
  }

  /** BullMQ options from the catalog; exported for producers that must add jobs inside a MULTI. */
  jobOptions(name: JobName, options: EnqueueOptions = {}): JobsOptions {
    const definition = jobCatalog[name];
    return {
      attempts: definition.attempts,
      backoff: { type: cappedBackoff, delay: definition.backoff.baseMs },
      removeOnComplete: { age: 24 * 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
      ...(options.jobId === undefined ? {} : { jobId: options.jobId }),
      ...(options.delayMs === undefined ? {} : { delay: options.delayMs }),
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
