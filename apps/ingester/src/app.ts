import { mountOpsRoutes, type ReadinessCheck } from '@tundra/core/server';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { replayRoute } from './http/admin-route.js';
import { webhookErrorHandler, webhookRoute } from './http/webhook-route.js';
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

/** The ingester's express app (it does not listen): the four webhook endpoints, replay, and the ops routes. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  mountOpsRoutes(app, { app: 'ingester', registry: deps.registry, readiness: deps.readiness });
  app.post('/webhooks/taiga/:projectKey', ...webhookRoute('taiga', deps));
  app.post('/webhooks/github', ...webhookRoute('github', deps));
  app.post('/webhooks/gitlab', ...webhookRoute('gitlab', deps));
  app.post('/webhooks/ci', ...webhookRoute('ci', deps));
  app.post('/admin/inbox/replay', ...replayRoute({ replay: deps.replay, apiToken: deps.apiToken }));
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  app.use(webhookErrorHandler(deps));
  return app;
}
