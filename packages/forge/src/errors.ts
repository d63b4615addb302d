import { NonRetryableError, RetryAfterError, TundraError } from '@tundra/core';
import type { Forge } from './types.js';

/** Where a failed call went: the forge, the operation of `ForgeClient`, and the repository. */
export interface ForgeCallSite {
  forge: Forge;
  operation: string;
  repo: string;
}

const at = (site: ForgeCallSite) => `${site.forge} ${site.operation} on ${site.repo}`;

/**
 * The token is missing, wrong, expired or revoked (401). No retry helps until someone replaces it, so the run
 * blocks with this message as its reason.
 */
export class ForgeAuthError extends NonRetryableError {
  readonly code = 'FORGE_AUTH';
  constructor(
    readonly site: ForgeCallSite,
    readonly forgeMessage: string,
  ) {
    super(
      `${at(site)}: the token was refused (${forgeMessage}); replace it in the variable the project's tokenRef names`,
    );
  }
}

/** The token works but may not do this (403 without a rate limit): a missing permission or scope. */
export class ForgePermissionError extends NonRetryableError {
  readonly code = 'FORGE_FORBIDDEN';
  constructor(
    readonly site: ForgeCallSite,
    readonly forgeMessage: string,
    /** GitHub's `x-accepted-github-permissions`, e.g. `pull_requests=write`. */
    readonly needed: string | null,
  ) {
    super(`${at(site)}: forbidden (${forgeMessage})${needed ? `; the token needs ${needed}` : ''}`);
  }
}

/** The repository, pull request, branch or job does not exist, or the token cannot see it (404). */
export class ForgeNotFoundError extends NonRetryableError {
  readonly code = 'FORGE_NOT_FOUND';
  constructor(
    readonly site: ForgeCallSite,
    readonly forgeMessage: string,
  ) {
    super(`${at(site)}: not found (${forgeMessage}); check the repository and that the token can see it`);
  }
}

/** A pull request from this head is open already (GitHub's 422, GitLab's 409): find it instead of opening one. */
export class PullRequestExistsError extends NonRetryableError {
  readonly code = 'FORGE_PULL_REQUEST_EXISTS';
  constructor(
    readonly site: ForgeCallSite,
    readonly head: string,
  ) {
    super(`${at(site)}: a pull request from ${head} exists already`);
  }
}

/** The forge refused the request's content (400/405/409/422): a retry of the same request fails the same way. */
export class ForgeRequestRefusedError extends NonRetryableError {
  readonly code = 'FORGE_REFUSED';
  constructor(
    readonly site: ForgeCallSite,
    readonly status: number,
    readonly forgeMessage: string,
  ) {
    super(`${at(site)}: refused with HTTP ${status} (${forgeMessage})`);
  }
}

/** Rate limited past the client's retry budget: try again no earlier than `retryAfterMs`. */
export class ForgeRateLimitedError extends RetryAfterError {
  constructor(
    readonly site: ForgeCallSite,
    retryAfterMs: number,
  ) {
    super(`${at(site)}: rate limited; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);
  }
}

/** The forge stayed unreachable or failing (5xx, timeouts) for the whole retry budget. Retryable. */
export class ForgeUnavailableError extends TundraError {
  readonly code = 'FORGE_UNAVAILABLE';
  constructor(
    readonly site: ForgeCallSite,
    readonly lastFailure: string,
    options?: { cause?: unknown },
  ) {
    super(`${at(site)}: unavailable (${lastFailure})`, options);
  }
}

export type ForgeError =
  | ForgeAuthError
  | ForgePermissionError
  | ForgeNotFoundError
  | PullRequestExistsError
  | ForgeRequestRefusedError
  | ForgeRateLimitedError
  | ForgeUnavailableError;

/** A response the client could not use: its status, headers and (parsed) body. */
export interface FailedResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

/** A `Retry-After` (seconds or HTTP date), or GitHub's `x-ratelimit-reset` (epoch seconds), in ms from `now`. */
export function retryAfterMs(headers: Record<string, string | undefined>, now = Date.now()): number | null {
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && retryAfter.trim() !== '') {
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = headers['x-ratelimit-reset'] ?? headers['ratelimit-reset'];
  if (reset !== undefined && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  return null;
}

/** Whether a 403/429 is a rate limit (both forges' signs) rather than a refusal. */
export function isRateLimited(failure: FailedResponse): boolean {
  if (failure.status === 429) return true;
  if (failure.status !== 403) return false;
  const message = messageOf(failure.body);
  return failure.headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message);
}

/** The human part of a forge's error body: GitHub's `message` and `errors`, GitLab's `message` or `error`. */
export function messageOf(body: unknown): string {
  if (typeof body === 'string') return body.trim().slice(0, 300);
  if (body === null || typeof body !== 'object') return '';
  const record = body as { message?: unknown; error?: unknown; errors?: unknown };
  const parts: string[] = [];
  const push = (value: unknown) => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value))
      for (const item of value)
        push(
          typeof item === 'object' && item !== null
            ? ((item as { message?: unknown }).message ?? JSON.stringify(item))
            : item,
        );
    else if (value !== undefined && value !== null) parts.push(JSON.stringify(value));
  };
  push(record.message);
  push(record.error);
  push(record.errors);
  return parts.join('; ');
}

/** The typed error of a failed response (rate limits aside, which the caller decides about). */
export function errorOfResponse(site: ForgeCallSite, failure: FailedResponse, head?: string): ForgeError {
  const message = messageOf(failure.body);
  if (failure.status === 401) return new ForgeAuthError(site, message || 'HTTP 401');
  if (isRateLimited(failure)) return new ForgeRateLimitedError(site, retryAfterMs(failure.headers) ?? 60_000);
  if (failure.status === 403)
    return new ForgePermissionError(site, message, failure.headers['x-accepted-github-permissions'] ?? null);
  if (failure.status === 404) return new ForgeNotFoundError(site, message || 'HTTP 404');
  if (
    head !== undefined &&
    /already exists/i.test(message) &&
    (failure.status === 422 || failure.status === 409)
  ) {
    return new PullRequestExistsError(site, head);
  }
  if (failure.status >= 500) return new ForgeUnavailableError(site, `HTTP ${failure.status}`);
  return new ForgeRequestRefusedError(site, failure.status, message);
}
