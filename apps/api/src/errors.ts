import { NonRetryableError } from '@tundra/core';

/** The codes an API error answers with; each maps to one HTTP status. */
export const ApiErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  InvalidJson: 'INVALID_JSON',
  IdempotencyKeyRequired: 'IDEMPOTENCY_KEY_REQUIRED',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  IdempotencyKeyInUse: 'IDEMPOTENCY_KEY_IN_USE',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  TaigaItemNotFound: 'TAIGA_ITEM_NOT_FOUND',
  IllegalTransition: 'ILLEGAL_TRANSITION',
  Conflict: 'CONFLICT',
  AlreadyExists: 'ALREADY_EXISTS',
  ProjectBusy: 'PROJECT_BUSY',
  PreconditionFailed: 'PRECONDITION_FAILED',
  TaigaCheckFailed: 'TAIGA_CHECK_FAILED',
  TaigaUnavailable: 'TAIGA_UNAVAILABLE',
  Internal: 'INTERNAL',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

const statusOf = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_USE: 409,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TAIGA_ITEM_NOT_FOUND: 404,
  ILLEGAL_TRANSITION: 409,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  PROJECT_BUSY: 409,
  PRECONDITION_FAILED: 412,
  TAIGA_CHECK_FAILED: 422,
  TAIGA_UNAVAILABLE: 502,
  INTERNAL: 500,
} as const satisfies Record<ApiErrorCode, number>;

/** An error the API answers with as `{error: {code, message, details}}`; thrown by handlers, shaped in one place. */
export class ApiError extends NonRetryableError {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = statusOf[code];
  }
}

/** A resource that does not exist, or that the caller's token may not see (the two look the same on purpose). */
export function notFound(entity: string, id: string): ApiError {
  return new ApiError(ApiErrorCode.NotFound, `${entity} ${id} does not exist`, { entity, id });
}
