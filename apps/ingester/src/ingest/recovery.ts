import type { Logger } from 'pino';
import type { IngestMetrics } from '../metrics.js';
import type { Inbox } from '../store/inbox.js';
import type { IngestService } from './ingest-service.js';

export interface RecoveryDeps {
  inbox: Inbox;
  service: IngestService;
  metrics: IngestMetrics;
  logger: Logger;
  /** Most entries re-driven per pass. */
  batchSize?: number;
}

/**
 * Re-drives inbox entries whose jobs were never confirmed: the ingester died (or lost Redis) between recording an
 * event and enqueueing its jobs. The jobs' ids come from the entry id, so a job that did get added is not added
 * twice. Returns how many entries were re-driven.
 */
export async function recoverPending(deps: RecoveryDeps): Promise<number> {
  const ids = await deps.inbox.claimPending(deps.batchSize ?? 100);
  for (const id of ids) {
    const entry = await deps.inbox.get(id);
    if (!entry) {
      // Trimmed from the inbox (older than its age cap) before anyone re-drove it: nothing left to do.
      deps.logger.error({ deliveryId: id }, 'pending inbox entry no longer exists; its jobs may be missing');
      await deps.inbox.confirm(id);
      continue;
    }
    const result = await deps.service.redrive(entry, { kind: 'recover', entryId: id });
    deps.metrics.recovered.inc();
    if (result.outcome !== 'accepted') {
      deps.logger.error(
        { deliveryId: id, outcome: result.outcome },
        'pending inbox entry could not be re-driven; dropped',
      );
      await deps.inbox.confirm(id);
    } else {
      deps.logger.warn(
        { deliveryId: id, jobs: result.jobs },
        'recovered inbox entry whose jobs were not confirmed',
      );
    }
  }
  return ids.length;
}

/** Runs `recoverPending` now and then every `intervalMs` until stopped; a failed pass is logged and retried later. */
export function startRecoveryLoop(deps: RecoveryDeps & { intervalMs: number }): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const pass = () => {
    if (stopped) return;
    running = (async () => {
      // Keep going while passes come back full, so a backlog drains without waiting for the next tick.
      while (!stopped && (await recoverPending(deps)) === (deps.batchSize ?? 100));
    })().catch((error: unknown) => deps.logger.warn({ err: error }, 'inbox recovery pass failed'));
  };
  pass();
  const timer = setInterval(pass, deps.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
