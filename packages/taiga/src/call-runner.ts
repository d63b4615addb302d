import type { Logger } from 'pino';
import { nextRetryDelayMs, parseRetryAfterMs, type RetryPolicy } from './backoff.js';
import { isVersionConflict, mapClientError } from './error-mapping.js';
import { type TaigaCallSite, TaigaUnavailableError, TaigaUnexpectedResponseError } from './errors.js';
import { StaleVersionError } from './stale-version-error.js';

/**
 * Whether a call may be sent again after a failure that might have reached Taiga.
 * - `idempotent`: reads, login, refresh, a versioned PATCH without a comment (a replay meets Taiga's version check
 *   and the caller's re-read), editing a comment's text. Retried on network errors, timeouts, 429 and 5xx.
 * - `unsafe`: creates, a PATCH carrying a comment, webhook test/resend: a replay could repeat the effect. Retried
 *   only when Taiga surely did not act: a connection never made, 429, 503.
 */
export type RetryMode = 'idempotent' | 'unsafe';

export interface CallSpec extends TaigaCallSite {
  readonly retry: RetryMode;
  /** The token source for `Authorization`; null for login and refresh themselves. */
  readonly auth: TokenSource | null;
}

export interface TokenSource {
  accessToken(): Promise<string>;
  /** Replace `stale` (the token a 401 answered) with a fresh one; concurrent callers share one renewal. */
  renew(stale: string): Promise<void>;
}

export interface SendInit {
  readonly signal: AbortSignal;
  readonly headers: Record<string, string>;
}

/** What openapi-fetch returns. */
export interface Sent<D> {
  readonly data?: D;
  readonly error?: unknown;
  readonly response: Response;
}

export interface CallRunnerOptions {
  readonly policy: RetryPolicy;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export type CallRunner = <D>(
  spec: CallSpec,
  send: (init: SendInit) => Promise<Sent<D>>,
) => Promise<{ data: D; response: Response }>;

// Errors raised before a connection exists: the request never left, so even a write may be sent again.
const notSentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Sends calls with a per-attempt timeout, retries within the policy's budget, and one token renewal on 401. */
export function createCallRunner(options: CallRunnerOptions): CallRunner {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const site = (spec: CallSpec): TaigaCallSite => ({ endpoint: spec.endpoint, method: spec.method });

  return async function call<D>(spec: CallSpec, send: (init: SendInit) => Promise<Sent<D>>) {
    const began = now();
    let attempt = 0;
    let renewed = false;
    for (;;) {
      attempt += 1;
      const token = spec.auth === null ? null : await spec.auth.accessToken();
      const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
      let failure: {
        reason: string;
        retry: boolean;
        mayHaveBeenApplied: boolean;
        retryAfterMs: number | null;
        cause?: unknown;
      };
      try {
        const sent = await send({ signal: AbortSignal.timeout(options.timeoutMs), headers });
        const { status } = sent.response;
        if (sent.response.ok) return { data: sent.data as D, response: sent.response };
        if (status === 401 && spec.auth !== null && token !== null && !renewed) {
          // An expired token is the common case (24 h lifetime); renew once, then a 401 is a real refusal.
          renewed = true;
          await spec.auth.renew(token);
          continue;
        }
        if (status === 429 || status >= 500) {
          failure = {
            reason: `HTTP ${status}`,
            retry: spec.retry === 'idempotent' || status === 429 || status === 503,
            mayHaveBeenApplied: spec.retry === 'unsafe' && status !== 429 && status !== 503,
            retryAfterMs: parseRetryAfterMs(sent.response.headers.get('retry-after'), now()),
          };
        } else if (isVersionConflict(status, sent.error)) {
          throw new StaleVersionError(site(spec));
        } else if (status >= 400) {
          throw mapClientError(site(spec), status, sent.error);
        } else {
          throw new TaigaUnexpectedResponseError(site(spec), status, sent.error);
        }
      } catch (error) {
        if (!isTransportError(error)) throw error;
        const notSent = notSentCodes.has(errorCode(error) ?? '');
        failure = {
          reason: describe(error),
          retry: spec.retry === 'idempotent' || notSent,
          mayHaveBeenApplied: spec.retry === 'unsafe' && !notSent,
          retryAfterMs: null,
          cause: error,
        };
      }
      const delay = failure.retry
        ? nextRetryDelayMs(
            options.policy,
            { attempt, elapsedMs: now() - began, retryAfterMs: failure.retryAfterMs },
            random,
          )
        : null;
      if (delay === null) {
        throw new TaigaUnavailableError(
          site(spec),
          failure.reason,
          attempt,
          failure.mayHaveBeenApplied,
          failure.retryAfterMs ?? undefined,
          { cause: failure.cause },
        );
      }
      options.logger.warn(
        { endpoint: spec.endpoint, method: spec.method, attempt, delayMs: delay, reason: failure.reason },
        'Taiga call failed; retrying',
      );
      await sleep(delay);
    }
  };
}

// fetch rejects with a TypeError for network failures and a DOMException for timeouts and aborts; everything
// else thrown inside the loop is one of ours and passes through.
function isTransportError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  );
}

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out';
  const code = errorCode(error);
  return code ?? (error instanceof Error ? error.message : String(error));
}
