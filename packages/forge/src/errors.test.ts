import { describe, expect, it } from 'vitest';
import {
  errorOfResponse,
  ForgeAuthError,
  ForgeNotFoundError,
  ForgePermissionError,
  ForgeRateLimitedError,
  ForgeRequestRefusedError,
  ForgeUnavailableError,
  isRateLimited,
  messageOf,
  PullRequestExistsError,
  retryAfterMs,
} from './errors.js';

const site = { forge: 'github' as const, operation: 'openPullRequest', repo: 'acme/widgets' };
const now = Date.parse('2026-01-01T00:00:00Z');

describe('retryAfterMs', () => {
  it.each([
    [{ 'retry-after': '7' }, 7000],
    [{ 'retry-after': 'Thu, 01 Jan 2026 00:00:30 GMT' }, 30_000],
    [{ 'x-ratelimit-reset': String(now / 1000 + 12) }, 12_000],
    [{ 'ratelimit-reset': String(now / 1000 + 3) }, 3000],
    [{}, null],
    [{ 'retry-after': 'soon' }, null],
  ])('reads %j as %s ms', (headers, expected) => {
    expect(retryAfterMs(headers, now)).toBe(expected);
  });
});

describe('errorOfResponse', () => {
  const failure = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
    status,
    headers,
    body,
  });

  it.each([
    [failure(401, { message: 'Bad credentials' }), ForgeAuthError],
    [failure(401, { message: '401 Unauthorized' }), ForgeAuthError],
    [
      failure(
        403,
        { message: 'API rate limit exceeded' },
        { 'x-ratelimit-remaining': '0', 'retry-after': '5' },
      ),
      ForgeRateLimitedError,
    ],
    [
      failure(403, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '60' }),
      ForgeRateLimitedError,
    ],
    [failure(429, 'Retry later\n', { 'retry-after': '2' }), ForgeRateLimitedError],
    [
      failure(
        403,
        { message: 'Resource not accessible by personal access token' },
        { 'x-accepted-github-permissions': 'pull_requests=write' },
      ),
      ForgePermissionError,
    ],
    [failure(404, { message: '404 Project Not Found' }), ForgeNotFoundError],
    [
      failure(422, {
        message: 'Validation Failed',
        errors: [{ message: 'A pull request already exists for acme:x.' }],
      }),
      PullRequestExistsError,
    ],
    [
      failure(409, { message: ['Another open merge request already exists for this source branch: !1'] }),
      PullRequestExistsError,
    ],
    [
      failure(422, { message: 'Validation Failed', errors: [{ field: 'head', code: 'invalid' }] }),
      ForgeRequestRefusedError,
    ],
    [failure(502, 'Bad gateway'), ForgeUnavailableError],
  ])('types %j', (response, type) => {
    expect(errorOfResponse(site, response, 'x')).toBeInstanceOf(type);
  });

  it('makes auth errors final and rate limits retryable no earlier than asked', () => {
    expect(errorOfResponse(site, failure(401, {})).retryable).toBe(false);
    const limited = errorOfResponse(site, failure(429, '', { 'retry-after': '9' }));
    expect(limited).toMatchObject({ retryable: true, retryAfterMs: 9000 });
  });

  it('names the permission a token lacks', () => {
    const error = errorOfResponse(
      site,
      failure(
        403,
        { message: 'Resource not accessible by personal access token' },
        { 'x-accepted-github-permissions': 'pull_requests=write' },
      ),
    );
    expect(error.message).toContain('the token needs pull_requests=write');
  });
});

describe('isRateLimited and messageOf', () => {
  it('tells a refusal from a rate limit on 403', () => {
    expect(isRateLimited({ status: 403, headers: {}, body: { message: 'Must have admin rights' } })).toBe(
      false,
    );
    expect(isRateLimited({ status: 403, headers: { 'x-ratelimit-remaining': '0' }, body: {} })).toBe(true);
  });

  it('reads GitHub and GitLab error bodies', () => {
    expect(
      messageOf({ message: 'Validation Failed', errors: [{ message: 'A pull request already exists' }] }),
    ).toBe('Validation Failed; A pull request already exists');
    expect(messageOf({ error: 'title is missing' })).toBe('title is missing');
    expect(messageOf({ message: { title: ['is too long'] } })).toBe('{"title":["is too long"]}');
  });
});
