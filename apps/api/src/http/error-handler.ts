import { BodyRefusal, BodyRefusedError, discardBody, discardFactor, hasBody } from '@tundra/core/server';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import {
  ApiError,
  ApiErrorCode,
  codeOfStatus,
  redisUnavailable,
  unavailableRetryAfterSeconds,
} from '../errors.js';
import type { RedisHealth } from '../store/redis-health.js';

/** The 4xx status an error from express or its router carries (a path it could not decode, say), or null. */
function clientErrorStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, statusCode } = error as { status?: unknown; statusCode?: unknown };
  const value = typeof status === 'number' ? status : statusCode;
  return typeof value === 'number' && value >= 400 && value < 500 ? value : null;
}

function toApiError(error: unknown, logger: Logger, req: Request, health: RedisHealth): ApiError {
  if (error instanceof ApiError) return error;
  if (health.isOutage(error)) {
    logger.warn(
      { err: error, method: req.method, path: req.path },
      'request failed: RedisClient cannot be reached',
    );
    return redisUnavailable();
  }
  if (error instanceof BodyRefusedError) {
    const code =
      error.reason === BodyRefusal.MalformedJson ? ApiErrorCode.InvalidJson : codeOfStatus(error.status);
    return new ApiError(code, error.message, error.details);
  }
  // A request express refused is the client's mistake, never a 500.
  const status = clientErrorStatus(error);
  if (status !== null)
    return new ApiError(codeOfStatus(status), `the request was refused: ${(error as Error).message}`);
  logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
  return new ApiError(ApiErrorCode.Internal, 'internal error: the API logged the details');
}

/** The request body's limit and pause, to drain what a request refused before its body was read still sends. */
export interface UnreadBodyOptions {
  limitBytes: number;
  timeoutMs: number;
}

/**
 * The one place errors become responses: `{error: {code, message, details}}`, the same shape everywhere. A request
 * refused before its body was read (no token, a bad path) has the rest of its body drained first: answering and
 * closing while the sender still writes resets the connection, and the sender never reads the answer.
 */
export function errorHandler(logger: Logger, health: RedisHealth, body: UnreadBodyOptions) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const apiError = toApiError(error, logger, req, health);
    if (res.headersSent) {
      res.end();
      return;
    }
    const answer = () => {
      if (apiError.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="tundra"');
      if (apiError.code === ApiErrorCode.Unavailable)
        res.setHeader('Retry-After', unavailableRetryAfterSeconds);
      res.status(apiError.status).json({
        error: { code: apiError.code, message: apiError.message, details: apiError.details },
      });
    };
    if (!hasBody(req.headers) || req.complete) {
      answer();
      return;
    }
    void discardBody(req, { maxBytes: body.limitBytes * discardFactor, timeoutMs: body.timeoutMs }).then(
      answer,
    );
  };
}
