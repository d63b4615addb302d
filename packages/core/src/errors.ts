/**
 * Tundra's error hierarchy. Every error carries a literal `code`; retry behaviour is in the type, so the one place
 * that talks to BullMQ (see `server/jobs/retry-policy.ts`) can decide without parsing messages.
 */
export abstract class TundraError extends Error {
  abstract readonly code: string;
  /** Whether trying the same operation again may succeed. */
  readonly retryable: boolean = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A failure that no retry can fix: bad input, a refused transition, a missing record. */
export abstract class NonRetryableError extends TundraError {
  override readonly retryable = false;
}

/** A failure that may pass later, no earlier than `retryAfterMs`. */
export class RetryAfterError extends TundraError {
  readonly code = 'RETRY_AFTER';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Input that does not match its contract (a job payload, a config value, a stored record). */
export class ContractViolationError extends NonRetryableError {
  readonly code = 'CONTRACT_VIOLATION';
  constructor(
    readonly contract: string,
    readonly issues: readonly string[],
  ) {
    super(`${contract} is invalid: ${issues.join('; ')}`);
  }
}
