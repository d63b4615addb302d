import type { NextFunction, Request, Response } from 'express';
import { type ApiFailure, failures } from '../operations/failures.js';
import { sendFailure } from './respond.js';

/** Make the next `count` matching requests answer `status`, with the body Taiga (or its nginx) would send. */
export interface Fault {
  status: number;
  count: number;
  /** Only requests with this method (any when absent). */
  method?: string;
  /** Only requests whose path (under `/api/v1`, e.g. `/tasks/1`) matches. */
  pathPattern?: RegExp;
  /** Sent as `Retry-After` (and, for 429, Taiga's `X-Throttle-Wait-Seconds`). */
  retryAfterSeconds?: number;
}

const gatewayReasons: Record<number, string> = {
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

function faultAnswer(fault: Fault): ApiFailure {
  const retryAfter: Record<string, string> =
    fault.retryAfterSeconds === undefined
      ? {}
      : { 'Retry-After': String(Math.ceil(fault.retryAfterSeconds)) };
  const withRetry = (failure: ApiFailure): ApiFailure => ({
    ...failure,
    headers: { ...failure.headers, ...retryAfter },
  });
  switch (fault.status) {
    case 401:
      return failures.invalidToken();
    case 403:
      return failures.permissionDenied();
    case 404:
      return failures.http404('Not found.');
    case 429:
      return withRetry(failures.throttled(fault.retryAfterSeconds));
    case 500:
      // taiga-back's api_server_error for JSON requests when DEBUG is off.
      return withRetry({ status: 500, body: { error: 'Server application error' } });
    default:
      if (fault.status >= 500)
        return withRetry({ status: fault.status, body: { error: 'Server application error' } });
      return withRetry(failures.wrongArguments('Wrong arguments.'));
  }
}

/** Injected faults, consumed in order by the requests they match. */
export class FaultInjector {
  private readonly faults: { fault: Fault; remaining: number }[] = [];

  inject(fault: Fault): void {
    if (!Number.isInteger(fault.count) || fault.count < 1) throw new Error('a fault needs a positive count');
    this.faults.push({ fault, remaining: fault.count });
  }

  /** Express middleware answering the next matching request with its fault. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const match = this.faults.find(
      ({ fault, remaining }) =>
        remaining > 0 &&
        (fault.method === undefined || fault.method.toUpperCase() === req.method) &&
        (fault.pathPattern === undefined || fault.pathPattern.test(req.path)),
    );
    if (!match) {
      next();
      return;
    }
    match.remaining -= 1;
    const gatewayReason = gatewayReasons[match.fault.status];
    if (gatewayReason) {
      // nginx, in front of every Taiga deployment, answers these with an HTML page.
      if (match.fault.retryAfterSeconds !== undefined) {
        res.setHeader('Retry-After', String(Math.ceil(match.fault.retryAfterSeconds)));
      }
      res
        .status(match.fault.status)
        .type('text/html')
        .send(
          `<html>\r\n<head><title>${match.fault.status} ${gatewayReason}</title></head>\r\n<body>\r\n<center><h1>${match.fault.status} ${gatewayReason}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`,
        );
      return;
    }
    sendFailure(res, faultAnswer(match.fault));
  };
}
