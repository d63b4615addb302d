import { queuePrefix } from '@tundra/core/server';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { TestRedis } from './test-redis.js';

/**
 * Resolves with a BullMQ job once it has finished (completed or failed). The job may not be added yet (a
 * transition's event is written before its effects are dispatched): it waits for BullMQ's "added" event. The
 * queue's event stream is read from where it stood before the job was looked up, so an add between the look-up and
 * the listener's first read is still seen (a listener starting at `$` would miss it).
 */
export async function waitForJob(
  redis: Pick<TestRedis, 'client' | 'prefix' | 'connect'>,
  queueName: string,
  jobId: string,
  timeoutMs = 60_000,
): Promise<Job> {
  const prefix = queuePrefix(redis.prefix);
  const queue = new Queue(queueName, { connection: redis.client, prefix });
  const [last] = (await redis.client.xrevrange(`${prefix}:${queueName}:events`, '+', '-', 'COUNT', 1)) as [
    string,
    string[],
  ][];
  const events = new QueueEvents(queueName, {
    connection: redis.connect(),
    prefix,
    lastEventId: last?.[0] ?? '0-0',
  });
  try {
    const added = new Promise<void>((resolve) => {
      const onAdded = ({ jobId: id }: { jobId: string }) => {
        if (id !== jobId) return;
        events.off('added', onAdded);
        resolve();
      };
      events.on('added', onAdded);
    });
    await events.waitUntilReady();
    if (!(await Job.fromId(queue, jobId))) await added;
    const job = await Job.fromId(queue, jobId);
    if (!job) throw new Error(`no job ${jobId} on ${queueName}`);
    await job.waitUntilFinished(events, timeoutMs).catch(() => undefined);
    return job;
  } finally {
    await Promise.all([queue.close(), events.close()]);
  }
}
