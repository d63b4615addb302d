import type { Middleware } from 'openapi-fetch';
import { Counter, Histogram, type Registry } from 'prom-client';

/** The Taiga client's metrics. Labels are bounded: `endpoint` is the OpenAPI path template, never a real id. */
export interface TaigaMetrics {
  readonly requests: Counter<'endpoint' | 'method' | 'outcome'>;
  readonly duration: Histogram<'endpoint' | 'method' | 'outcome'>;
  readonly versionConflicts: Counter<'resource'>;
}

/** Registers the metrics on `registry`, or reuses them when another client registered them there first. */
export function createTaigaMetrics(registry: Registry): TaigaMetrics {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    requests:
      existing<Counter<'endpoint' | 'method' | 'outcome'>>('tundra_taiga_requests_total') ??
      new Counter({
        name: 'tundra_taiga_requests_total',
        help: 'HTTP requests to Taiga (each retry counts), by OpenAPI endpoint, method and outcome',
        labelNames: ['endpoint', 'method', 'outcome'],
        registers: [registry],
      }),
    duration:
      existing<Histogram<'endpoint' | 'method' | 'outcome'>>('tundra_taiga_request_duration_seconds') ??
      new Histogram({
        name: 'tundra_taiga_request_duration_seconds',
        help: 'Duration of one HTTP request to Taiga, by OpenAPI endpoint, method and outcome',
        labelNames: ['endpoint', 'method', 'outcome'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
    versionConflicts:
      existing<Counter<'resource'>>('tundra_taiga_version_conflicts_total') ??
      new Counter({
        name: 'tundra_taiga_version_conflicts_total',
        help: 'PATCHes Taiga refused for a stale version (each one is re-read and re-applied), by resource',
        labelNames: ['resource'],
        registers: [registry],
      }),
  };
}

/** The `outcome` label of an HTTP status. */
export function outcomeOfStatus(status: number): string {
  if (status >= 200 && status < 300) return 'success';
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 429:
      return 'throttled';
    default:
      return status >= 500 ? 'server_error' : 'client_error';
  }
}

/** The `outcome` label of a request that got no answer. */
export function outcomeOfFailure(error: unknown): string {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
    ? 'timeout'
    : 'network_error';
}

/**
 * Counts and times every HTTP request openapi-fetch sends, retries included. openapi-fetch hands middleware the
 * schema path, so the endpoint label is the template by construction.
 */
export function metricsMiddleware(
  metrics: TaigaMetrics,
  now: () => number = () => performance.now(),
): Middleware {
  const started = new Map<string, number>();
  const finish = (id: string, endpoint: string, method: string, outcome: string) => {
    const start = started.get(id);
    started.delete(id);
    metrics.requests.inc({ endpoint, method, outcome });
    if (start !== undefined) metrics.duration.observe({ endpoint, method, outcome }, (now() - start) / 1000);
  };
  return {
    onRequest({ id }) {
      started.set(id, now());
    },
    onResponse({ id, schemaPath, request, response }) {
      finish(id, schemaPath, request.method, outcomeOfStatus(response.status));
    },
    onError({ id, schemaPath, request, error }) {
      finish(id, schemaPath, request.method, outcomeOfFailure(error));
    },
  };
}
