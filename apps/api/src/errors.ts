import { NonRetryableError } from '@tundra/core';

/** The codes an API error answers with; each maps to one HTTP status. */
export const ApiErrorCode = {
  ValidationFailed: 'VALIDATION_FAILED',
  InvalidJson: 'INVALID_JSON',
  /** Not valid HTTP, or a connection that ended before the whole request arrived. */
  BadRequest: 'BAD_REQUEST',
  RequestTimeout: 'REQUEST_TIMEOUT',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  HeadersTooLarge: 'HEADERS_TOO_LARGE',
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
  /** A replay could not be handed to the ingester: no TUNDRA_INGESTER_URL, or it did not answer 200. */
  IngesterUnavailable: 'INGESTER_UNAVAILABLE',
  /** Redis cannot be reached: nothing was read or changed; try again shortly (`Retry-After`). */
  Unavailable: 'UNAVAILABLE',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  Internal: 'INTERNAL',
} as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

const statusOf = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  BAD_REQUEST: 400,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  HEADERS_TOO_LARGE: 431,
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
  INGESTER_UNAVAILABLE: 502,
  UNAVAILABLE: 503,
  METHOD_NOT_ALLOWED: 405,
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

/** The code of each status an error may be answered with, for errors that only know their status (Node's own). */
export function codeOfStatus(status: number): ApiErrorCode {
  const codes: Partial<Record<number, ApiErrorCode>> = {
    405: ApiErrorCode.MethodNotAllowed,
    408: ApiErrorCode.RequestTimeout,
    413: ApiErrorCode.PayloadTooLarge,
    415: ApiErrorCode.UnsupportedMediaType,
    431: ApiErrorCode.HeadersTooLarge,
  };
  return codes[status] ?? (status === 404 ? ApiErrorCode.NotFound : ApiErrorCode.BadRequest);
}

/** Seconds a client is told to wait (`Retry-After`) when Redis cannot be reached. */
export const unavailableRetryAfterSeconds = 5;

export function redisUnavailable(): ApiError {
  return new ApiError(
    ApiErrorCode.Unavailable,
    'Redis cannot be reached: nothing was read or changed; try again',
    {
      retryAfterSeconds: unavailableRetryAfterSeconds,
    },
  );
}

/** A resource that does not exist, or that the caller's token may not see (the two look the same on purpose). */
export function notFound(entity: string, id: string): ApiError {
  return new ApiError(ApiErrorCode.NotFound, `${entity} ${id} does not exist`, { entity, id });
}
