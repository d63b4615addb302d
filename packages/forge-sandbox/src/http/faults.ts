import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Make the next `count` matching API requests fail as the forge would: `429`/`403` with `rateLimit` are rate
 * limits (GitHub's primary limit, or its secondary limit; GitLab's 429), a 5xx is a server error.
 */
export interface Fault {
  status: number;
  count: number;
  rateLimit?: 'primary' | 'secondary';
  /** When the limit lifts: `Retry-After` and GitHub's `x-ratelimit-reset`. Default 1 s. */
  retryAfterSeconds?: number;
  /** Only requests with this method (any when absent). */
  method?: string;
  /** Only requests whose path under the API root (e.g. `/repos/o/r/pulls`) matches. */
  pathPattern?: RegExp;
}

export type FaultAnswer = (fault: Fault, res: Response) => void;

/** Injected faults, consumed in order by the requests they match. */
export class FaultInjector {
  private readonly faults: { fault: Fault; remaining: number }[] = [];

  inject(fault: Fault): void {
    if (!Number.isInteger(fault.count) || fault.count < 1) throw new Error('a fault needs a positive count');
    this.faults.push({ fault, remaining: fault.count });
  }

  clear(): void {
    this.faults.length = 0;
  }

  /** Express middleware answering the next matching request with `answer`. */
  middleware(answer: FaultAnswer): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
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
      answer(match.fault, res);
    };
  }
}
