import { Counter, Histogram, type Registry } from 'prom-client';

/** What happened to a pull/merge request, as `tundra_pull_requests_total` counts it. */
export type PullRequestEventLabel = 'opened' | 'updated' | 'merged' | 'closed';

/**
 * Delivery by pull request, one set per registry (the planner opens PRs and runs fix-ups, the QA app sees merges and
 * closes): PRs opened, updated, merged and closed; review rounds (fix-up steps, by what asked for them); the time
 * from a run's start to its PR, and from the PR to its merge.
 */
export interface DeliveryMetrics {
  pullRequests: Counter<'forge' | 'event'>;
  reviewRounds: Counter<'forge' | 'trigger'>;
  runToPullRequest: Histogram<'forge'>;
  pullRequestToMerge: Histogram<'forge'>;
}

const minute = 60;
const hour = 3600;

/** Registers the delivery metrics in `registry`, or returns the ones already there. */
export function deliveryMetrics(registry: Registry): DeliveryMetrics {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    pullRequests:
      existing<Counter<'forge' | 'event'>>('tundra_pull_requests_total') ??
      new Counter({
        name: 'tundra_pull_requests_total',
        help: 'Pull/merge requests Tundra opened or updated, and that people merged or closed, by forge.',
        labelNames: ['forge', 'event'],
        registers: [registry],
      }),
    reviewRounds:
      existing<Counter<'forge' | 'trigger'>>('tundra_review_rounds_total') ??
      new Counter({
        name: 'tundra_review_rounds_total',
        help: 'Fix-up steps appended to runs in review, by what asked for them (review, comment, command, ci).',
        labelNames: ['forge', 'trigger'],
        registers: [registry],
      }),
    runToPullRequest:
      existing<Histogram<'forge'>>('tundra_run_to_pull_request_seconds') ??
      new Histogram({
        name: 'tundra_run_to_pull_request_seconds',
        help: 'Time from a run’s creation to its pull/merge request being opened.',
        labelNames: ['forge'],
        buckets: [
          minute,
          5 * minute,
          15 * minute,
          30 * minute,
          hour,
          2 * hour,
          4 * hour,
          8 * hour,
          24 * hour,
        ],
        registers: [registry],
      }),
    pullRequestToMerge:
      existing<Histogram<'forge'>>('tundra_pull_request_to_merge_seconds') ??
      new Histogram({
        name: 'tundra_pull_request_to_merge_seconds',
        help: 'Time from a pull/merge request being opened by Tundra to its merge.',
        labelNames: ['forge'],
        buckets: [
          10 * minute,
          hour,
          4 * hour,
          8 * hour,
          24 * hour,
          3 * 24 * hour,
          7 * 24 * hour,
          14 * 24 * hour,
        ],
        registers: [registry],
      }),
  };
}
