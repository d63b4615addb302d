import {
  TaigaAuthError,
  type TaigaCallSite,
  TaigaForbiddenError,
  TaigaNotFoundError,
  TaigaUnexpectedResponseError,
  TaigaValidationError,
} from './errors.js';

/** Taiga's answer to a PATCH whose `version` is stale on a field changed since (HTTP 400, never 409). */
export function isVersionConflict(status: number, body: unknown): boolean {
  return status === 400 && isRecord(body) && typeof body.version === 'string';
}

/** Taiga's error body reduced to one human sentence. */
export function taigaMessage(body: unknown): string {
  if (isRecord(body)) {
    for (const key of ['_error_message', 'detail', 'error'] as const) {
      const value = body[key];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  return typeof body === 'string' && body !== '' ? body.slice(0, 200) : 'no detail';
}

/**
 * Taiga's field errors: `{"field": ["message", ...]}`, with a lone string where Taiga sends one (`version`,
 * `_error_message`, `error`). Anything else nests under `_body`.
 */
export function fieldErrors(body: unknown): Record<string, string[]> {
  if (!isRecord(body)) return { _body: [taigaMessage(body)] };
  return Object.fromEntries(
    Object.entries(body).map(([field, value]) => [
      field,
      Array.isArray(value)
        ? value.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)))
        : [typeof value === 'string' ? value : JSON.stringify(value)],
    ]),
  );
}

/**
 * The typed error for a final 4xx answer. 429 and 5xx are retried by the caller and never reach here; a 401 does
 * only after a fresh login was refused too.
 */
export function mapClientError(
  site: TaigaCallSite,
  status: number,
  body: unknown,
):
  | TaigaValidationError
  | TaigaAuthError
  | TaigaForbiddenError
  | TaigaNotFoundError
  | TaigaUnexpectedResponseError {
  switch (status) {
    case 400:
      return new TaigaValidationError(site, fieldErrors(body));
    case 401:
      return new TaigaAuthError(site, taigaMessage(body));
    case 403:
      return new TaigaForbiddenError(site, taigaMessage(body));
    case 404:
      return new TaigaNotFoundError(site, taigaMessage(body));
    default:
      return new TaigaUnexpectedResponseError(site, status, body);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
