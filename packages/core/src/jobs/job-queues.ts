import type { Writable } from 'node:stream';
import { type JobsOptions, Queue } from 'bullmq';
import {
  type JobName,
  type JobPayload,
  jobCatalog,
  parseJobPayload,
  type QueueName,
} from '../contracts/jobs.js';
import { backoffDelayMs } from '../rules/retry-backoff.js';
import { queuePrefix } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';

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

/** One job of `enqueueBulk`. */
export type BulkJob = {
  [N in JobName]: { name: N; payload: JobPayload<N>; options?: EnqueueOptions };
}[JobName];

/**
 * Producers' view of the job catalog: `enqueue(name, payload)` parses the payload against its contract, picks the
 * queue and applies the catalog's retry policy, so no producer assembles BullMQ options by hand.
 */
export class JobQueues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(
    private readonly connection: RedisClient,
    /** Tundra's key prefix (BullMQ's is derived from it: `queuePrefix`); tests pass their own. */
    private readonly prefix: string,
  ) {}

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: queuePrefix(this.prefix) });
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

  /**
   * Adds many jobs with one write to Redis: each is a plain BullMQ add (not all-or-nothing, so give each a
   * deterministic `jobId` and an add can be repeated), sent while the connection's socket is corked, which is uncorked
   * once they are all written. BullMQ's `addBulk` builds an ioredis pipeline (which copies every script BullMQ defines
   * onto itself): measured, 1.3 to 2.6 times this CPU per job in batches of 1 to 20, 1.3 times in batches of 50. Every payload is parsed first, as `enqueue`
   * parses it: one that breaks its contract throws before anything is sent. Resolves with the ids, in order.
   */
  async enqueueBulk(jobs: readonly BulkJob[]): Promise<string[]> {
    const parsed = jobs.map((job) => ({
      queue: this.queue(jobCatalog[job.name].queue),
      name: job.name,
      data: parseJobPayload(job.name, job.payload),
      opts: this.jobOptions(job.name, job.options),
    }));
    // A Cluster has a socket per node and none to cork: there the adds go out as they come.
    const socket = 'stream' in this.connection ? (this.connection.stream as Writable) : undefined;
    socket?.cork();
    const added = parsed.map(({ queue, name, data, opts }) => queue.add(name, data, opts));
    // The adds reach the socket a few promise turns after they are called; setImmediate runs after all of them.
    setImmediate(() => socket?.uncork());
    return (await Promise.all(added)).map((job) => job.id ?? '');
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
