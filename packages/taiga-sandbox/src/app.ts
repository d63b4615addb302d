import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { allowHeader } from './http/allow.js';
import { authenticate } from './http/authenticate.js';
import type { FaultInjector } from './http/faults.js';
import { latencyMiddleware, type SandboxLatency } from './http/latency.js';
import type { PaginationOptions } from './http/pagination.js';
import { sendFailure, sendJson } from './http/respond.js';
import type { SandboxCore } from './operations/core.js';
import { authRouter } from './routes/auth.js';
import { historyRouter } from './routes/history.js';
import { itemsRouter } from './routes/items.js';
import { membersRouter } from './routes/members.js';
import { projectsRouter } from './routes/projects.js';
import { type SandboxControl, sandboxAdminRouter } from './routes/sandbox-admin.js';
import { webhooksRouter } from './routes/webhooks.js';
import { wikiRouter } from './routes/wiki.js';

export interface SandboxAppDeps {
  core: SandboxCore;
  faults: FaultInjector;
  pagination: PaginationOptions;
  control: SandboxControl;
  /** Called after every request that may have changed the state (anything but GET and HEAD). */
  changed?: () => void;
  /** How long API requests take; none by default. */
  latency?: SandboxLatency;
}

/** The sandbox's express app, not listening: Taiga's API under `/api/v1`, the sandbox's controls under `/sandbox`. */
export function createSandboxApp(deps: SandboxAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Taiga parses any body as JSON whatever its content type says.
  app.use(express.json({ type: () => true, limit: '10mb' }));
  const { changed } = deps;
  if (changed) {
    app.use((req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' && req.method !== 'HEAD') res.on('finish', changed);
      next();
    });
  }
  app.use(sandboxAdminRouter(deps.control));

  const api = express.Router();
  api.use(allowHeader);
  if (deps.latency) api.use(latencyMiddleware(deps.latency));
  api.use(deps.faults.middleware);
  api.use(authenticate(deps.core));
  const routeDeps = { core: deps.core, pagination: deps.pagination };
  api.use(authRouter(routeDeps));
  api.use(projectsRouter(routeDeps));
  api.use(membersRouter(routeDeps));
  api.use(itemsRouter(routeDeps));
  api.use(historyRouter(routeDeps));
  api.use(webhooksRouter(routeDeps));
  api.use(wikiRouter(routeDeps));
  app.use('/api/v1', api);

  app.use((_req: Request, res: Response) => {
    sendJson(res, 404, { _error_message: 'Not found.' });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (error instanceof SyntaxError && 'body' in error) {
      sendFailure(res, {
        status: 400,
        body: {
          _error_message: `JSON parse error - ${error.message}`,
          _error_type: 'taiga.base.exceptions.ParseError',
        },
      });
      return;
    }
    deps.core.logger.error({ err: error }, 'sandbox request failed');
    sendJson(res, 500, { error: 'Server application error' });
  });
  return app;
}
