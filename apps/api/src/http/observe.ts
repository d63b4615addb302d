import type { RateLimitedLog } from '@tundra/core/server';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Principal } from '../auth/principal.js';
import { principalName } from '../auth/principal.js';

/**
 * Logs each request and counts it by route template (never the URL: ids would make the label unbounded).
 * Live tails are counted when they end, so their duration is the connection's life. A request refused for want of
 * a valid token is counted like any other but logged through `rejections`, once per interval with a count: anyone
 * can send them. A connection that closed before the API answered is counted with status `closed`.
 */
export function observeRequests(logger: Logger, registry: Registry, rejections: RateLimitedLog) {
  const requests = new Counter({
    name: 'tundra_api_requests_total',
    help: 'API requests, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tundra_api_request_duration_seconds',
    help: 'Time to answer an API request, by method and route template.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    const stop = duration.startTimer();
    res.on('close', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      const status = res.headersSent ? String(res.statusCode) : 'closed';
      requests.inc({ method: req.method, route, status });
      stop({ method: req.method, route });
      const principal = res.locals.principal as Principal | undefined;
      const fields = {
        method: req.method,
        path: req.originalUrl,
        status,
        principal: principal ? principalName(principal) : null,
      };
      if (res.statusCode === 401)
        rejections.log('warn', 'unauthorized', fields, 'request without a valid token');
      else logger.info(fields, 'request');
    });
    next();
  };
}
