import { createTestRedis, type TestRedis } from '@tundra/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueName } from '../contracts/jobs.js';
import { ContractViolationError } from '../errors.js';
import { JobQueues } from './job-queues.js';

let redis: TestRedis;
let queues: JobQueues;
beforeAll(async () => {
  redis = await createTestRedis();
  queues = new JobQueues(redis.connect(), redis.prefix);
});
afterAll(async () => {
  await queues?.close();
  await redis?.stop();
});

describe('JobQueues.enqueueBulk', () => {
  it('adds jobs of several queues in order, with the catalog options, and adds a known id only once', async () => {
    const jobs = [
      { name: 'reconcile', payload: { projectId: 'a' }, options: { jobId: 'bulk-a' } },
      { name: 'reconcile', payload: { projectId: 'b' }, options: { jobId: 'bulk-b' } },
      { name: 'reconcile', payload: { projectId: null }, options: { jobId: 'bulk-c' } },
    ] as const;
    expect(await queues.enqueueBulk(jobs)).toEqual(['bulk-a', 'bulk-b', 'bulk-c']);
    // Again, as recovery would after a lost confirmation: the same ids, no second job.
    expect(await queues.enqueueBulk(jobs.slice(0, 1))).toEqual(['bulk-a']);
    const queued = await queues.queue(QueueName.Reconcile).getJobs(['waiting']);
    expect(queued.map((job) => job.id).sort()).toEqual(['bulk-a', 'bulk-b', 'bulk-c']);
    expect(queued.find((job) => job.id === 'bulk-b')?.data).toEqual({ projectId: 'b' });
    expect(queued[0]?.opts.attempts).toBe(queues.jobOptions('reconcile').attempts);
  });

  it('refuses a payload that breaks its contract before adding anything', async () => {
    await expect(
      queues.enqueueBulk([
        { name: 'reconcile', payload: { projectId: 'ok' }, options: { jobId: 'bulk-ok' } },
        { name: 'reconcile', payload: { projectId: 42 } as never },
      ]),
    ).rejects.toBeInstanceOf(ContractViolationError);
    expect(await queues.queue(QueueName.Reconcile).getJob('bulk-ok')).toBeUndefined();
  });
});
