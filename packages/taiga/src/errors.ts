import { NonRetryableError, TundraError } from '@tundra/core';

/** Where a failed call went: the OpenAPI path template (never a real id) and the method. */
export interface TaigaCallSite {
  readonly endpoint: string;
  readonly method: string;
}

function at(site: TaigaCallSite): string {
  return `${site.method} ${site.endpoint}`;
}

/** Taiga answered 404: the object does not exist, or the bot may not see it. */
export class TaigaNotFoundError extends NonRetryableError {
  readonly code = 'TAIGA_NOT_FOUND';
  constructor(
    readonly site: TaigaCallSite,
    readonly taigaMessage: string,
  ) {
    super(`Taiga ${at(site)}: not found (${taigaMessage})`);
  }
}

/** Taiga answered 403: the bot user's role lacks a permission. */
export class TaigaForbiddenError extends NonRetryableError {
  readonly code = 'TAIGA_FORBIDDEN';
  constructor(
    readonly site: TaigaCallSite,
    readonly taigaMessage: string,
  ) {
    super(`Taiga ${at(site)}: forbidden (${taigaMessage}); check the bot user's role in the project`);
  }
}

/** Taiga refused the request body (400). `fieldErrors` holds Taiga's messages by field. */
export class TaigaValidationError extends NonRetryableError {
  readonly code = 'TAIGA_VALIDATION';
  constructor(
    readonly site: TaigaCallSite,
    readonly fieldErrors: Readonly<Record<string, readonly string[]>>,
  ) {
    const detail = Object.entries(fieldErrors)
      .map(([field, messages]) => `${field}: ${messages.join(' ')}`)
      .join('; ');
    super(`Taiga ${at(site)}: invalid request (${detail || 'no detail'})`);
  }
}

/**
 * A PATCH kept meeting a newer version of the object (Taiga's 400 on `version`), after every re-read allowed.
 * Retryable: someone is editing the same item right now, so a later attempt will likely pass.
 */
export class TaigaConflictError extends TundraError {
  readonly code = 'TAIGA_CONFLICT';
  constructor(
    readonly site: TaigaCallSite,
    readonly attempts: number,
  ) {
    super(`Taiga ${at(site)}: version conflict on each of ${attempts} attempts`);
  }
}

/** The bot user cannot log in, or Taiga refused its fresh credentials. */
export class TaigaAuthError extends NonRetryableError {
  readonly code = 'TAIGA_AUTH';
  constructor(
    readonly site: TaigaCallSite,
    readonly taigaMessage: string,
  ) {
    super(`Taiga ${at(site)}: authentication failed (${taigaMessage}); check TUNDRA_TAIGA_USERNAME/PASSWORD`);
  }
}

/**
 * Taiga refused the bot's username and password at login (`401 invalid_credentials`; older Taigas answer 400). No
 * retry can fix it: the client does not ask again for `retryAfterMs` (repeated failed logins count towards Taiga's
 * `login-fail` throttle), and says which user and what Taiga answered.
 */
export class TaigaCredentialsError extends NonRetryableError {
  readonly code = 'TAIGA_CREDENTIALS';
  constructor(
    readonly site: TaigaCallSite,
    readonly username: string,
    readonly taigaMessage: string,
  ) {
    super(
      `Taiga refused the bot user '${username}' at login (${taigaMessage}); check TUNDRA_TAIGA_USERNAME and ` +
        'TUNDRA_TAIGA_PASSWORD, and that the user is active',
    );
  }
}

/**
 * Taiga stayed unreachable, slow, throttling or failing (5xx) for the whole retry budget. Retryable.
 * `mayHaveBeenApplied` is true when a write may have reached Taiga before it failed (a timeout or a 5xx on a
 * POST/PATCH): repeating such a write may repeat its effect (a comment, a created task).
 */
export class TaigaUnavailableError extends TundraError {
  readonly code = 'TAIGA_UNAVAILABLE';
  constructor(
    readonly site: TaigaCallSite,
    readonly lastFailure: string,
    readonly attempts: number,
    readonly mayHaveBeenApplied: boolean,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(`Taiga ${at(site)}: unavailable after ${attempts} attempt(s) (${lastFailure})`, options);
  }
}

/** Taiga answered something the contract does not foresee (e.g. 405, 413). */
export class TaigaUnexpectedResponseError extends NonRetryableError {
  readonly code = 'TAIGA_UNEXPECTED_RESPONSE';
  constructor(
    readonly site: TaigaCallSite,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`Taiga ${at(site)}: unexpected HTTP ${status}`);
  }
}

export type TaigaError =
  | TaigaNotFoundError
  | TaigaForbiddenError
  | TaigaValidationError
  | TaigaConflictError
  | TaigaAuthError
  | TaigaCredentialsError
  | TaigaUnavailableError
  | TaigaUnexpectedResponseError;
