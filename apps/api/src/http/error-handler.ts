import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { ApiError, ApiErrorCode } from '../errors.js';

/** body-parser's errors carry a `type` and an HTTP status. */
function bodyParserError(error: unknown): { type: string; message: string } | null {
  if (typeof error !== 'object' || error === null || !('type' in error)) return null;
  const { type, message } = error as { type: unknown; message: unknown };
  return typeof type === 'string' && type.startsWith('entity.') ? { type, message: String(message) } : null;
}

function toApiError(error: unknown, logger: Logger, req: Request): ApiError {
  if (error instanceof ApiError) return error;
  const parser = bodyParserError(error);
  if (parser?.type === 'entity.parse.failed') {
    return new ApiError(ApiErrorCode.InvalidJson, `the body is not valid JSON: ${parser.message}`);
  }
  if (parser) return new ApiError(ApiErrorCode.ValidationFailed, `the body was refused: ${parser.message}`);
  logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
  return new ApiError(ApiErrorCode.Internal, 'internal error: the API logged the details');
}

/** The one place errors become responses: `{error: {code, message, details}}`, the same shape everywhere. */
export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const apiError = toApiError(error, logger, req);
    if (res.headersSent) {
      res.end();
      return;
    }
    if (apiError.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="tundra"');
    res.status(apiError.status).json({
      error: { code: apiError.code, message: apiError.message, details: apiError.details },
    });
  };
}
