import type { BulkJob } from '@tundra/core/server';

export interface JobBatchDeps {
  /** Adds jobs in one round trip per queue (`JobQueues.enqueueBulk`). */
  enqueue(jobs: readonly BulkJob[]): Promise<unknown>;
  /** Takes the events out of the inbox's pending set (`Inbox.confirm`). */
  confirm(eventIds: readonly string[]): Promise<void>;
  /** A batch is in Redis: how long each of its events waited since it was queued here (s). */
  onAdded?(delaysSeconds: readonly number[]): void;
  /** A batch that failed: its events stay pending, and recovery re-drives them after the grace. */
  onError(error: unknown, eventIds: readonly string[]): void;
  /** How long an accepted event's jobs may wait for others' (ms). */
  windowMs: number;
  /** A batch is sent at once when it holds this many events. */
  maxEvents: number;
}

/**
 * The jobs of accepted events, added a few milliseconds after the sender was answered, many per round trip: the
 * transactional outbox. The answer waits only for the accept script, which recorded the event in the inbox and in
 * the pending set in Redis; this batch then adds the jobs (ids derived from the event ids) and confirms the events
 * with one `ZREM`. If the process dies or Redis fails before that, the events are still pending and recovery adds
 * their jobs after the grace: the deterministic job ids make a repeated add a no-op.
 */
export class JobBatch {
  private events: string[] = [];
  /** When each event was queued (performance.now()). */
  private queuedAt: number[] = [];
  private jobs: BulkJob[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly deps: JobBatchDeps) {}

  /** Queues an accepted event's jobs (none: it is only confirmed). */
  add(eventId: string, jobs: readonly BulkJob[]): void {
    this.events.push(eventId);
    this.queuedAt.push(performance.now());
    this.jobs.push(...jobs);
    if (this.events.length >= this.deps.maxEvents) void this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => void this.flush(), this.deps.windowMs);
  }

  /** Sends what is gathered now; resolves once every batch sent so far is done (added and confirmed, or failed). */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const events = this.events;
    const jobs = this.jobs;
    const queuedAt = this.queuedAt;
    this.events = [];
    this.queuedAt = [];
    this.jobs = [];
    if (events.length > 0) {
      const sent = (async () => {
        if (jobs.length > 0) await this.deps.enqueue(jobs);
        const now = performance.now();
        this.deps.onAdded?.(queuedAt.map((at) => (now - at) / 1000));
        await this.deps.confirm(events);
      })().catch((error: unknown) => this.deps.onError(error, events));
      this.inFlight = Promise.all([this.inFlight, sent]).then(() => undefined);
    }
    return this.inFlight;
  }
}
