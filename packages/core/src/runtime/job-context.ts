import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

/** What code running inside a job knows about it without being told: its run's correlation id and its logger. */
export interface JobContextValue {
  correlationId?: string;
  logger: Logger;
}

const storage = new AsyncLocalStorage<JobContextValue>();

/** Runs `work` with `value` as the job context of everything it calls, awaits included. */
export function runInJobContext<T>(value: JobContextValue, work: () => T): T {
  return storage.run(value, work);
}

/**
 * The context of the job this code runs in, if any. Clients deep below a handler (the Taiga client) use it to log
 * with the job's ids and to send the correlation id along, without every call passing them by hand.
 */
export function currentJobContext(): JobContextValue | undefined {
  return storage.getStore();
}
