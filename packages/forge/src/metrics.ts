import { Counter, Histogram, type Registry } from 'prom-client';
import type { Forge } from './types.js';

/** Forge request metrics. Labels are bounded: `endpoint` is the API's path template, never a real id. */
export interface ForgeMetrics {
  readonly requests: Counter<'forge' | 'endpoint' | 'method' | 'outcome'>;
  readonly duration: Histogram<'forge' | 'endpoint' | 'method' | 'outcome'>;
}

/** Registers the metrics on `registry`, or reuses them when another client registered them there first. */
export function createForgeMetrics(registry: Registry): ForgeMetrics {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  const labelNames = ['forge', 'endpoint', 'method', 'outcome'] as const;
  return {
    requests:
      existing<ForgeMetrics['requests']>('tundra_forge_requests_total') ??
      new Counter({
        name: 'tundra_forge_requests_total',
        help: 'HTTP requests to GitHub or GitLab (each retry counts), by forge, API path template, method and outcome',
        labelNames,
        registers: [registry],
      }),
    duration:
      existing<ForgeMetrics['duration']>('tundra_forge_request_duration_seconds') ??
      new Histogram({
        name: 'tundra_forge_request_duration_seconds',
        help: 'Duration of one HTTP request to GitHub or GitLab, by forge, API path template, method and outcome',
        labelNames,
        buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
  };
}

/** The `outcome` label of an HTTP answer. */
export function outcomeOfStatus(status: number, headers: Headers): string {
  if (status >= 200 && status < 400) return 'success';
  if (status === 429 || (status === 403 && headers.get('x-ratelimit-remaining') === '0'))
    return 'rate_limited';
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
    case 422:
      return 'conflict';
    default:
      return status >= 500 ? 'server_error' : 'client_error';
  }
}

// The API paths the clients call, as templates; anything else is counted as `other`.
const templates: Record<Forge, readonly string[]> = {
  github: [
    '/user',
    '/repos/{owner}/{repo}',
    '/repos/{owner}/{repo}/pulls',
    '/repos/{owner}/{repo}/pulls/{pull_number}',
    '/repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    '/repos/{owner}/{repo}/pulls/{pull_number}/comments',
    '/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies',
    '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    '/repos/{owner}/{repo}/issues/{issue_number}/comments',
    '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    '/repos/{owner}/{repo}/git/refs/{ref*}',
    '/repos/{owner}/{repo}/commits/{ref}/check-runs',
    '/repos/{owner}/{repo}/actions/jobs/{job_id}/logs',
    '/repos/{owner}/{repo}/collaborators/{username}/permission',
  ],
  gitlab: [
    '/user',
    '/users',
    '/projects/{id}',
    '/projects/{id}/merge_requests',
    '/projects/{id}/merge_requests/{iid}',
    '/projects/{id}/merge_requests/{iid}/notes',
    '/projects/{id}/merge_requests/{iid}/discussions',
    '/projects/{id}/merge_requests/{iid}/discussions/{discussion_id}/notes',
    '/projects/{id}/merge_requests/{iid}/reviewers',
    '/projects/{id}/merge_requests/{iid}/approvals',
    '/projects/{id}/members/all/{user_id}',
    '/projects/{id}/repository/branches/{branch*}',
    '/projects/{id}/pipelines',
    '/projects/{id}/pipelines/{pipeline_id}/jobs',
    '/projects/{id}/jobs/{job_id}/trace',
  ],
};

const matchers = Object.fromEntries(
  Object.entries(templates).map(([forge, list]) => [
    forge,
    list.map((template) => ({
      template,
      regex: new RegExp(`^${template.replace(/\{[^}]+\*\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    })),
  ]),
) as Record<Forge, { template: string; regex: RegExp }[]>;

/** The template of an API path (the part after `/api/v3` or `/api/v4`), or `other`. */
export function endpointOf(forge: Forge, apiPath: string): string {
  return matchers[forge].find(({ regex }) => regex.test(apiPath))?.template ?? 'other';
}

/**
 * A `fetch` that counts and times every request (retries included: both clients retry through it) and gives each
 * one a time limit. Paths outside `apiPrefix` (GitHub's log redirects) are labelled `other`.
 */
export function instrumentedFetch(options: {
  forge: Forge;
  apiPrefix: string;
  metrics: ForgeMetrics;
  timeoutMs: number;
  now?: () => number;
}): typeof fetch {
  const now = options.now ?? (() => performance.now());
  return async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    const endpoint = path.startsWith(options.apiPrefix)
      ? endpointOf(options.forge, path.slice(options.apiPrefix.length))
      : 'other';
    const labels = { forge: options.forge, endpoint, method: request.method };
    const started = now();
    const signal = init?.signal
      ? AbortSignal.any([init.signal, AbortSignal.timeout(options.timeoutMs)])
      : AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await fetch(request, { signal });
      const outcome = outcomeOfStatus(response.status, response.headers);
      options.metrics.requests.inc({ ...labels, outcome });
      options.metrics.duration.observe({ ...labels, outcome }, (now() - started) / 1000);
      return response;
    } catch (error) {
      const outcome =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
          ? 'timeout'
          : 'network_error';
      options.metrics.requests.inc({ ...labels, outcome });
      options.metrics.duration.observe({ ...labels, outcome }, (now() - started) / 1000);
      throw error;
    }
  };
}
