import { createTestRedis, type TestRedis, waitForJob } from '@tundra/testkit';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../contracts/jobs.js';
import { createJobMetrics } from './job-metrics.js';
import { JobQueues, jobRetryDelayMs } from './job-queues.js';
import { startWorkers } from './worker-host.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await createTestRedis();
});
afterAll(async () => redis?.stop());

describe('job retries', () => {
  it('wait exponentially from the catalog base, never longer than its cap', () => {
    // taiga.write_back: 1 s, doubling, at most 60 s.
    expect([1, 2, 3, 6, 7, 20].map((made) => jobRetryDelayMs('taiga.write_back', made))).toEqual([
      1_000, 2_000, 4_000, 32_000, 60_000, 60_000,
    ]);
    expect(jobRetryDelayMs('no.such.job', 3)).toBe(0);
  });

  it("are scheduled by the workers' capped strategy (BullMQ has no such type of its own)", async () => {
    const queues = new JobQueues(redis.connect(), redis.prefix);
    let calls = 0;
    const workers = startWorkers({
      connection: redis.connect(),
      prefix: redis.prefix,
      concurrency: 1,
      logger: pino({ level: 'silent' }),
      metrics: createJobMetrics(new Registry()),
      handlers: {
        reconcile: async () => {
          calls++;
          if (calls === 1) throw new Error('Taiga is down');
          return { outcome: 'done' };
        },
      },
    });
    try {
      const jobId = 'retry-capped';
      // reconcile's policy waits 1 s before its second attempt; the test allows two attempts.
      await queues
        .queue(QueueName.Reconcile)
        .add('reconcile', { projectId: null }, { ...queues.jobOptions('reconcile', { jobId }), attempts: 2 });
      await waitForJob(redis, QueueName.Reconcile, jobId);
      const job = (await queues.queue(QueueName.Reconcile).getJob(jobId))!;
      expect(job.opts.backoff).toEqual({ type: 'tundra-capped', delay: 1_000 });
      // Retried once (BullMQ would have thrown on the unknown type without the strategy) and done.
      expect(await job.getState()).toBe('completed');
      expect({ attemptsMade: job.attemptsMade, returnvalue: job.returnvalue }).toEqual({
        attemptsMade: 2,
        returnvalue: { outcome: 'done' },
      });
    } finally {
      await workers.close();
      await queues.close();
    }
  });
});

describe('worker concurrency', () => {
  it("is the app's for each queue, unless the queue has its own", async () => {
    const workers = startWorkers({
      connection: redis.connect(),
      prefix: redis.prefix,
      concurrency: 2,
      queueConcurrency: { [QueueName.WriteBack]: 16 },
      logger: pino({ level: 'silent' }),
      metrics: createJobMetrics(new Registry()),
      handlers: { reconcile: async () => ({}), 'taiga.write_back': async () => ({}) },
    });
    try {
      // Closed only once running: a worker closed while it still connects rejects with nobody to hear it.
      await Promise.all(workers.workers.map((worker) => worker.waitUntilReady()));
      const of = (queue: QueueName) =>
        workers.workers.find((worker) => worker.name === queue)?.opts.concurrency;
      expect({ reconcile: of(QueueName.Reconcile), writeBack: of(QueueName.WriteBack) }).toEqual({
        reconcile: 2,
        writeBack: 16,
      });
    } finally {
      await workers.close();
    }
  });
});
