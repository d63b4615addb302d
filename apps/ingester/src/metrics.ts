import { Counter, Histogram, type Registry } from 'prom-client';

/** The ingester's metrics. Every label is bounded: sources, kinds and reasons come from fixed lists. */
export function createIngestMetrics(registry: Registry) {
  return {
    received: new Counter({
      name: 'tundra_webhooks_received_total',
      help: 'Webhooks received, by source, kind and outcome (accepted, duplicate, ignored, rejected).',
      labelNames: ['source', 'kind', 'outcome'] as const,
      registers: [registry],
    }),
    rejections: new Counter({
      name: 'tundra_webhook_rejections_total',
      help: 'Webhooks rejected, by source and reason.',
      labelNames: ['source', 'reason'] as const,
      registers: [registry],
    }),
    ignored: new Counter({
      name: 'tundra_webhooks_ignored_total',
      help: 'Webhooks dropped before the inbox (the bot user, item types or changes no rule reads), by source and reason.',
      labelNames: ['source', 'reason'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'tundra_ingest_duration_seconds',
      help: 'Time from a webhook request arriving to its answer, by source.',
      labelNames: ['source'] as const,
      buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    jobsAddedDelay: new Histogram({
      name: 'tundra_ingest_jobs_added_delay_seconds',
      help: 'Time from a webhook being recorded in the inbox (and answered) to its jobs being added, in batches after the answer.',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
      registers: [registry],
    }),
    unmatched: new Counter({
      name: 'tundra_inbox_unmatched_total',
      help: 'Accepted events that no routing rule applied to (recorded in the inbox, no job), by source.',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    replays: new Counter({
      name: 'tundra_inbox_replays_total',
      help: 'Inbox entries an operator re-drove.',
      registers: [registry],
    }),
    recovered: new Counter({
      name: 'tundra_inbox_recovered_total',
      help: 'Inbox entries re-driven at start or by the periodic recovery because their jobs were never confirmed.',
      registers: [registry],
    }),
  };
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
