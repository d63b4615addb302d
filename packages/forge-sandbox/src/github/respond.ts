import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { Fault } from '../http/faults.js';

const docs = 'https://docs.github.com/rest';

/** GitHub's JSON error body: a message, where the docs are, and (since 2023) the status as a string. */
export function githubError(
  res: Response,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
) {
  res.status(status).json({ message, ...extra, documentation_url: docs, status: String(status) });
}

export const githubErrors = {
  badCredentials: (res: Response) => githubError(res, 401, 'Bad credentials'),
  requiresAuth: (res: Response) => githubError(res, 401, 'Requires authentication'),
  notFound: (res: Response) => githubError(res, 404, 'Not Found'),
  forbidden: (res: Response, permission: string) => {
    res.setHeader('x-accepted-github-permissions', permission);
    githubError(res, 403, 'Resource not accessible by personal access token');
  },
  validation: (res: Response, errors: Record<string, unknown>[], message = 'Validation Failed') =>
    githubError(res, 422, message, { errors }),
};

/** Headers GitHub's API puts on every answer. */
export function githubHeaders(res: Response, rate: { limit: number; remaining: number; reset: number }) {
  res.setHeader('x-github-media-type', 'github.v3; format=json');
  res.setHeader('x-github-api-version-selected', '2022-11-28');
  res.setHeader('x-github-request-id', randomBytes(8).toString('hex').toUpperCase());
  res.setHeader('x-ratelimit-limit', String(rate.limit));
  res.setHeader('x-ratelimit-remaining', String(rate.remaining));
  res.setHeader('x-ratelimit-reset', String(rate.reset));
  res.setHeader('x-ratelimit-used', String(rate.limit - rate.remaining));
  res.setHeader('x-ratelimit-resource', 'core');
}

/**
 * An injected fault as GitHub answers it. Primary rate limit: 403 (or 429) with `x-ratelimit-remaining: 0` and
 * the reset time; secondary: 403 (or 429) with `retry-after`. Server errors carry GitHub's unicorn-less JSON.
 */
export function githubFault(fault: Fault, res: Response) {
  const wait = Math.max(1, Math.ceil(fault.retryAfterSeconds ?? 1));
  const reset = Math.ceil(Date.now() / 1000) + wait;
  if (fault.rateLimit === 'primary') {
    githubHeaders(res, { limit: 5000, remaining: 0, reset });
    res.setHeader('retry-after', String(wait));
    githubError(
      res,
      fault.status,
      'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.',
      {},
    );
    return;
  }
  if (fault.rateLimit === 'secondary') {
    githubHeaders(res, { limit: 5000, remaining: 4999, reset });
    res.setHeader('retry-after', String(wait));
    githubError(
      res,
      fault.status,
      'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
    );
    return;
  }
  if (fault.status >= 500) {
    if (fault.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(wait));
    githubError(res, fault.status, fault.status === 502 ? 'Server Error' : 'Service Unavailable');
    return;
  }
  githubError(res, fault.status, 'Sandbox fault');
}
