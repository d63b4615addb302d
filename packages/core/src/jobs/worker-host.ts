import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import {
  type JobName,
  type JobPayload,
  jobCatalog,
  parseJobPayload,
  type QueueName,
} from '../contracts/jobs.js';
import { TundraError } from '../errors.js';
import { runLogger } from '../logging/logger.js';
import { runInJobContext } from '../runtime/job-context.js';
import { queuePrefix } from '../store/keys.js';
import type { RedisClient } from '../store/redis-client.js';
import type { JobMetrics } from './job-metrics.js';
import { jobRetryDelayMs } from './job-queues.js';

export interface JobContext {
  job: Job;
  logger: Logger;
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, context: JobContext) => Promise<unknown>;
export type JobHandlers = { [N in JobName]?: JobHandler<N> };

export interface WorkerHostOptions {
  connection: RedisClient;
  /** Tundra's key prefix; BullMQ's is `queuePrefix` of it. */
  prefix: string;
  handlers: JobHandlers;
  concurrency: number;
  /** Per queue, where it differs from `concurrency`. */
  queueConcurrency?: Partial<Record<QueueName, number>>;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  logger: Logger;
  metrics: JobMetrics;
}

/**
 * The one place where Tundra's error types meet BullMQ: a non-retryable TundraError becomes BullMQ's
 * UnrecoverableError (no further attempts); anything else is retried per the job catalog's backoff.
 */
export function toBullmqError(error: unknown): Error {
  if (error instanceof TundraError && !error.retryable)
    return new UnrecoverableError(`${error.code}: ${error.message}`);
  return error instanceof Error ? error : new Error(String(error));
}

/** Whether the job is on its last attempt: if this one fails, BullMQ will not run it again. */
export function isLastAttempt(job: Pick<Job, 'attemptsMade' | 'opts'>): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * Whether `error`, thrown by the job's current attempt, ends the job for good: no retry can fix it (a non-retryable
 * TundraError, BullMQ's UnrecoverableError) or no attempt is left. A handler whose job drives a run or a step checks
 * this before letting the error go, and records the failure on the run instead, so the run is not left waiting on
 * a job that is gone.
 */
export function failsForGood(job: Pick<Job, 'attemptsMade' | 'opts'>, error: unknown): boolean {
  return toBullmqError(error) instanceof UnrecoverableError || isLastAttempt(job);
}

/** Starts one BullMQ worker per queue that has handlers; each job is parsed against its contract, then handled. */
export function startWorkers(options: WorkerHostOptions): { workers: Worker[]; close(): Promise<void> } {
  const byQueue = new Map<QueueName, JobName[]>();
  for (const name of Object.keys(options.handlers) as JobName[]) {
    const queue = jobCatalog[name].queue;
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), name]);
  }
  const workers = [...byQueue.keys()].map((queue) => {
    const worker = new Worker(queue, (job) => handle(options, queue, job), {
      connection: options.connection,
      prefix: queuePrefix(options.prefix),
      concurrency: options.queueConcurrency?.[queue] ?? options.concurrency,
      ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
      ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
      settings: {
        backoffStrategy: (attemptsMade, _type, _error, job) => jobRetryDelayMs(job?.name ?? '', attemptsMade),
      },
      autorun: true,
    });
    worker.on('error', (error) => options.logger.error({ err: error, queue }, 'worker error'));
    return worker;
  });
  return {
    workers,
    // Worker.close() waits for the jobs in progress to finish; a job cut off by a crash is handed back as stalled.
    close: async () => void (await Promise.all(workers.map((worker) => worker.close()))),
  };
}

async function handle(options: WorkerHostOptions, queue: QueueName, job: Job): Promise<unknown> {
  const name = job.name as JobName;
  const handler = options.handlers[name] as JobHandler<JobName> | undefined;
  const data = job.data as Partial<Record<string, unknown>>;
  const logger = runLogger(options.logger, {
    jobId: job.id,
    attempt: job.attemptsMade + 1,
    correlationId: typeof data.correlationId === 'string' ? data.correlationId : undefined,
    projectId: typeof data.projectId === 'string' ? data.projectId : undefined,
    protocolRunId: typeof data.protocolRunId === 'string' ? data.protocolRunId : undefined,
    stepRunId: typeof data.stepRunId === 'string' ? data.stepRunId : undefined,
  }).child({ queue, job: name });
  const stopTimer = options.metrics.duration.startTimer({ queue, name });
  try {
    if (!handler) throw new UnrecoverableError(`no handler for job '${name}' on queue ${queue}`);
    const correlationId = typeof data.correlationId === 'string' ? data.correlationId : undefined;
    const result = await runInJobContext({ logger, ...(correlationId ? { correlationId } : {}) }, () =>
      handler(parseJobPayload(name, job.data), { job, logger }),
    );
    options.metrics.jobs.inc({ queue, name, outcome: 'completed' });
    return result;
  } catch (error) {
    // A job that moved itself to delayed (waiting for a slot, say) is not a failure: BullMQ needs the error
    // thrown as is, and nothing is counted against the job.
    if (error instanceof DelayedError) {
      options.metrics.jobs.inc({ queue, name, outcome: 'delayed' });
      throw error;
    }
    const mapped = error instanceof UnrecoverableError ? error : toBullmqError(error);
    const final = mapped instanceof UnrecoverableError || isLastAttempt(job);
    const outcome = mapped instanceof UnrecoverableError ? 'unrecoverable' : final ? 'failed' : 'retried';
    options.metrics.jobs.inc({ queue, name, outcome });
    logger.warn({ err: error, outcome }, 'job failed');
    throw mapped;
  } finally {
    stopTimer();
  }
}
