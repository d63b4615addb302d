import type { BulkJob } from '@tundra/core/server';

export interface JobBatchDeps {
  /** Adds jobs in one round trip per queue (`JobQueues.enqueueBulk`). */
  enqueue(jobs: readonly BulkJob[]): Promise<unknown>;
  /** Takes the deliveries out of the inbox's pending set (`Inbox.confirm`). */
  confirm(deliveryIds: readonly string[]): Promise<void>;
  /** A batch is in Redis: how long each of its deliveries waited since it was queued here (s). */
  onAdded?(delaysSeconds: readonly number[]): void;
  /** A batch that failed: its deliveries stay pending, and recovery re-drives them after the grace. */
  onError(error: unknown, deliveryIds: readonly string[]): void;
  /** How long an accepted delivery's jobs may wait for others' (ms). */
  windowMs: number;
  /** A batch is sent at once when it holds this many deliveries. */
  maxDeliveries: number;
}

/**
 * The jobs of accepted deliveries, added a few milliseconds after the sender was answered, many per round trip: the
 * transactional outbox. The answer waits only for the accept script, which recorded the delivery in the inbox and in
 * the pending set in Redis; this batch then adds the jobs (ids derived from the delivery ids) and confirms the deliveries
 * with one `ZREM`. If the process dies or Redis fails before that, the deliveries are still pending and recovery adds
 * their jobs after the grace: the deterministic job ids make a repeated add a no-op.
 */
export class JobBatch {
  private deliveries: string[] = [];
  /** When each delivery was queued (performance.now()). */
  private queuedAt: number[] = [];
  private jobs: BulkJob[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly deps: JobBatchDeps) {}

  /** Queues an accepted delivery's jobs (none: it is only confirmed). */
  add(deliveryId: string, jobs: readonly BulkJob[]): void {
    this.deliveries.push(deliveryId);
    this.queuedAt.push(performance.now());
    this.jobs.push(...jobs);
    if (this.deliveries.length >= this.deps.maxDeliveries) void this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => void this.flush(), this.deps.windowMs);
  }

  /** Sends what is gathered now; resolves once every batch sent so far is done (added and confirmed, or failed). */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const deliveries = this.deliveries;
    const jobs = this.jobs;
    const queuedAt = this.queuedAt;
    this.deliveries = [];
    this.queuedAt = [];
    this.jobs = [];
    if (deliveries.length > 0) {
      const sent = (async () => {
        if (jobs.length > 0) await this.deps.enqueue(jobs);
        const now = performance.now();
        this.deps.onAdded?.(queuedAt.map((at) => (now - at) / 1000));
        await this.deps.confirm(deliveries);
      })().catch((error: unknown) => this.deps.onError(error, deliveries));
      this.inFlight = Promise.all([this.inFlight, sent]).then(() => undefined);
    }
    return this.inFlight;
  }
}
