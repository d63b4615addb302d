import type { NextFunction, Request, Response } from 'express';
import { NonRetryableError } from '../../errors.js';
import { hasBody, jsonMediaTypeProblem } from './media-type.js';
import { discardBody, discardFactor, readBody } from './read-body.js';

/** Why a request body was refused: each app answers these in its own error shape. */
export const BodyRefusal = {
  UnsupportedMediaType: 'unsupported_media_type',
  TooLarge: 'too_large',
  Timeout: 'timeout',
  MalformedJson: 'malformed_json',
} as const;
export type BodyRefusal = (typeof BodyRefusal)[keyof typeof BodyRefusal];

/** A request body `jsonBody` refused, with the status to answer. */
export class BodyRefusedError extends NonRetryableError {
  readonly code = 'BODY_REFUSED';
  constructor(
    readonly status: 400 | 408 | 413 | 415,
    readonly reason: BodyRefusal,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface JsonBodyOptions {
  limitBytes: number;
  /** The longest pause between two pieces of the body (TUNDRA_HTTP_BODY_TIMEOUT_MS). */
  timeoutMs: number;
}

/**
 * Express middleware that reads the JSON body of a request that carries one into `req.body`: 415 for any media type
 * but `application/json` (charset utf-8), 413 past the limit, 408 for a body that stalls (the connection is then
 * closed: the sender may still be writing), 400 for bytes that are not JSON, each as a `BodyRefusedError`. A
 * request without a body gets none. Express's own parser takes lookalike media types and has no body timeout.
 */
export function jsonBody(options: JsonBodyOptions) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!hasBody(req.headers)) return next();
    const problem = jsonMediaTypeProblem(req.headers['content-type'], req.headers['content-encoding']);
    if (problem !== null) {
      await discardBody(req, { maxBytes: options.limitBytes * discardFactor, timeoutMs: options.timeoutMs });
      throw new BodyRefusedError(415, BodyRefusal.UnsupportedMediaType, problem);
    }
    const outcome = await readBody(req, options);
    switch (outcome.kind) {
      case 'body':
        try {
          req.body = JSON.parse(outcome.bytes.toString('utf8'));
        } catch (error) {
          throw new BodyRefusedError(
            400,
            BodyRefusal.MalformedJson,
            `the body is not valid JSON: ${(error as Error).message}`,
          );
        }
        return next();
      case 'too_large':
        throw new BodyRefusedError(
          413,
          BodyRefusal.TooLarge,
          `the body is larger than ${outcome.limitBytes} bytes`,
          {
            limitBytes: outcome.limitBytes,
          },
        );
      case 'stalled':
        res.setHeader('Connection', 'close');
        throw new BodyRefusedError(408, BodyRefusal.Timeout, stalledMessage(outcome.timeoutMs), {
          timeoutMs: outcome.timeoutMs,
        });
      case 'gone':
        // The sender left, or the HTTP layer refused the request and answered it: nobody is left to answer.
        return;
      default: {
        const unhandled: never = outcome;
        throw new Error(`unhandled body outcome ${JSON.stringify(unhandled)}`);
      }
    }
  };
}

/** What a sender whose body stalled is told. */
export function stalledMessage(timeoutMs: number): string {
  return `the body stopped arriving for ${timeoutMs} ms (shorter than its Content-Length?)`;
}
