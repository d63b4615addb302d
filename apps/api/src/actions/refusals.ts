import { ApiError, ApiErrorCode } from '../errors.js';

/** 409 for an action the current state does not allow, naming the state and what is allowed instead. */
export function illegalAction(
  entity: string,
  action: string,
  state: string,
  allowedActions: readonly string[],
  extra: Record<string, unknown> = {},
): ApiError {
  return new ApiError(
    ApiErrorCode.IllegalTransition,
    `cannot ${action} a ${entity} that is ${state}; ` +
      (allowedActions.length > 0 ? `allowed: ${allowedActions.join(', ')}` : 'no action is allowed now'),
    { state, allowedActions, ...extra },
  );
}

/** 409 when the record changed between reading and writing, or is not at the version the caller expected. */
export function staleAction(entity: string, state: string, version: number): ApiError {
  return new ApiError(
    ApiErrorCode.Conflict,
    `the ${entity} changed meanwhile (now ${state}, version ${version}): look at it again and retry`,
    { state, version },
  );
}
