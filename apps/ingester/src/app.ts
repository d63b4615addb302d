import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  BodyRefusedError,
  mountOpsRoutes,
  type RateLimitedLog,
  type ReadinessCheck,
} from '@tundra/core/server';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { replayRoute } from './http/admin-route.js';
import { matchWebhookRoute, webhookHandler } from './http/webhook-route.js';
import type { IngestService } from './ingest/ingest-service.js';
import type { ReplayService } from './ingest/replay.js';
import type { IngestMetrics } from './metrics.js';

export interface AppDeps {
  service: IngestService;
  replay: ReplayService;
  metrics: IngestMetrics;
  registry: Registry;
  logger: Logger;
  readiness: ReadinessCheck;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  rejectionLog: RateLimitedLog;
  /** How long a webhook waits for Redis before it is answered 503 with Retry-After. */
  redisWaitMs: number;
  apiToken: string | undefined;
}

/** The ingester's error shape, `{error: <reason>, message}`; also for what Node refuses (see `createHttpServer`). */
export function ingesterErrorBody(_status: number, reason: string, message: string) {
  return { error: reason, message };
}

/** Errors that reach express (a replay request's refused body, a bug) as the same JSON error shape. */
function jsonErrors(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof BodyRefusedError) {
      res.status(error.status).json(ingesterErrorBody(error.status, error.reason, error.message));
      return;
    }
    // A request express itself refused is the client's mistake, never a 500.
    const status =
      typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : null;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json(ingesterErrorBody(status, 'invalid_request', (error as Error).message));
      return;
    }
    logger.error({ err: error, path: req.path }, 'request failed');
    res.status(500).json(ingesterErrorBody(500, 'internal', 'internal error'));
  };
}

/**
 * The ingester's request listener (it does not listen): the four webhook endpoints on node:http (the hot path),
 * and an express app for replay, the ops routes and every other path.
 */
export function createRequestListener(deps: AppDeps): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  mountOpsRoutes(app, { app: 'ingester', registry: deps.registry, readiness: deps.readiness });
  app.post(
    '/admin/inbox/replay',
    ...replayRoute({ replay: deps.replay, apiToken: deps.apiToken, bodyTimeoutMs: deps.bodyTimeoutMs }),
  );
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  app.use(jsonErrors(deps.logger));

  const webhooks = webhookHandler(deps);
  return (req: IncomingMessage, res: ServerResponse) => {
    const route = matchWebhookRoute(req.method, req.url);
    if (!route) return app(req, res);
    // The handler answers every outcome itself; this only keeps a bug in answering from crashing the process.
    webhooks(req, res, route).catch((error: unknown) => {
      deps.logger.error({ err: error, source: route.source }, 'webhook handler failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  };
}
