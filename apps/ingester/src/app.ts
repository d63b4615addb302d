import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { mountOpsRoutes, type ReadinessCheck } from '@tundra/core/server';
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
  apiToken: string | undefined;
}

/** Errors that reach express (a replay request's unreadable body, a bug) as the same JSON error shape. */
function jsonErrors(logger: Logger) {
  return (
    error: { status?: number; type?: string; message: string },
    req: Request,
    res: Response,
    _next: NextFunction,
  ) => {
    const status = error.status ?? 500;
    if (status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
    const code = status === 413 ? 'too_large' : status >= 500 ? 'internal' : 'invalid_request';
    res.status(status).json({ error: code, message: status >= 500 ? 'internal error' : error.message });
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
  app.post('/admin/inbox/replay', ...replayRoute({ replay: deps.replay, apiToken: deps.apiToken }));
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
