import type { BulkJob } from '@tundra/core/server';
import { describe, expect, it } from 'vitest';
import { JobBatch, type JobBatchDeps } from './job-batch.js';

const job = (projectId: string): BulkJob => ({
  name: 'reconcile',
  payload: { projectId },
  options: { jobId: `reconcile-${projectId}` },
});

/** A batch whose Redis side is recorded: what was enqueued and confirmed, in calls. */
function recorded(overrides: Partial<JobBatchDeps> = {}) {
  const calls = { enqueued: [] as BulkJob[][], confirmed: [] as string[][], failed: [] as string[][] };
  const batch = new JobBatch({
    enqueue: async (jobs) => {
      calls.enqueued.push([...jobs]);
    },
    confirm: async (ids) => {
      calls.confirmed.push([...ids]);
    },
    onError: (_error, ids) => calls.failed.push([...ids]),
    windowMs: 60_000,
    maxDeliveries: 3,
    ...overrides,
  });
  return { batch, calls };
}

describe('JobBatch', () => {
  it('adds the jobs of the events gathered so far in one call, then confirms them in one call', async () => {
    const { batch, calls } = recorded();
    batch.add('1-0', [job('a')]);
    batch.add('2-0', []);
    await batch.flush();
    expect(calls.enqueued).toEqual([[job('a')]]);
    expect(calls.confirmed).toEqual([['1-0', '2-0']]);
    await batch.flush();
    expect(calls.enqueued).toHaveLength(1);
  });

  it('sends a full batch at once, without waiting for the window', async () => {
    const { batch, calls } = recorded();
    for (const id of ['1-0', '2-0', '3-0']) batch.add(id, [job(id)]);
    await batch.flush();
    expect(calls.enqueued).toEqual([[job('1-0'), job('2-0'), job('3-0')]]);
  });

  it('sends what it gathered when the window ends', async () => {
    let confirmed: (ids: readonly string[]) => void = () => {};
    const sent = new Promise<readonly string[]>((resolve) => {
      confirmed = resolve;
    });
    const { batch } = recorded({
      windowMs: 1,
      confirm: async (ids) => confirmed(ids),
    });
    batch.add('1-0', [job('a')]);
    expect(await sent).toEqual(['1-0']);
  });

  it('leaves the events of a failed batch unconfirmed and reports them', async () => {
    const { batch, calls } = recorded({
      enqueue: () => Promise.reject(new Error('Redis is gone')),
    });
    batch.add('1-0', [job('a')]);
    await batch.flush();
    expect(calls.confirmed).toEqual([]);
    expect(calls.failed).toEqual([['1-0']]);
  });

  it('tells how long each event waited for its jobs', async () => {
    const delays: number[] = [];
    const { batch } = recorded({ onAdded: (seconds) => delays.push(...seconds) });
    batch.add('1-0', [job('a')]);
    batch.add('2-0', [job('b')]);
    await batch.flush();
    expect(delays).toHaveLength(2);
    expect(delays.every((seconds) => seconds >= 0)).toBe(true);
  });
});
