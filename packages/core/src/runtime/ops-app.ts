import express, { type Express, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';

/** A check that says whether the app can do its work now (Redis reachable, queues open). */
export type ReadinessCheck = () => Promise<{ ready: boolean; checks: Record<string, boolean | string> }>;

export interface OpsRoutesOptions {
  app: string;
  registry: Registry;
  readiness: ReadinessCheck;
}

/**
 * `/health` (the process is up), `/ready` (it can do its work) and `/metrics` (Prometheus). Mounted by every app:
 * the ingester on its public server, the workers on a small server of their own.
 */
export function mountOpsRoutes(app: Express, options: OpsRoutesOptions): void {
  app.get('/health', (_req: Request, res: Response) => {
    res.json({ status: 'ok', app: options.app });
  });
  app.get('/ready', async (_req: Request, res: Response) => {
    const result = await options.readiness().catch((error: unknown) => ({
      ready: false,
      checks: { error: error instanceof Error ? error.message : String(error) },
    }));
    res.status(result.ready ? 200 : 503).json({ status: result.ready ? 'ready' : 'not_ready', ...result });
  });
  app.get('/metrics', async (_req: Request, res: Response) => {
    res.type(options.registry.contentType).send(await options.registry.metrics());
  });
}

/** An express app with only the ops routes, for the worker apps. */
export function createOpsApp(options: OpsRoutesOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  mountOpsRoutes(app, options);
  return app;
}
