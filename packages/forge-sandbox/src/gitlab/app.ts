import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { gitRouter } from '../git/git-router.js';
import type { FaultInjector } from '../http/faults.js';
import { jsonBody } from '../http/json-body.js';
import type { RateWindow } from '../http/rate-window.js';
import type { GitlabCaller, GitlabRouteDeps } from './context.js';
import { gitlabErrors, gitlabFault } from './respond.js';
import { gitlabMergeRequestRoutes } from './routes-mr.js';
import { gitlabProjectRoutes } from './routes-project.js';

export interface GitlabAppDeps extends GitlabRouteDeps {
  faults: FaultInjector;
  rate: RateWindow;
  logger: Logger;
}

/** `PRIVATE-TOKEN: X` or `Authorization: Bearer X`, as GitLab takes a personal, project or OAuth token. */
function presentedToken(req: Request): string | null {
  const header = req.headers['private-token'];
  if (typeof header === 'string' && header !== '') return header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match ? match[1]! : null;
}

/** GitLab's REST API v4 under `/api/v4`, and git over HTTP at the root. */
export function createGitlabApp(deps: GitlabAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use(
    gitRouter(deps.ctx, {
      realm: 'GitLab',
      badCredentials:
        "HTTP Basic: Access denied. If a password was provided for Git authentication, the password was incorrect or you're required to use a token instead of a password.",
      notFound:
        "The project you were looking for could not be found or you don't have permission to view it.",
      denied: () => 'You are not allowed to push code to this project.',
    }),
  );
  const api = express.Router();
  api.use(deps.faults.middleware(gitlabFault));
  api.use((req: Request, res: Response, next: NextFunction) => {
    const value = presentedToken(req);
    if (value === null) {
      next();
      return;
    }
    const token = deps.ctx.store.token(value);
    if (!token || token.revoked) {
      gitlabErrors.unauthorized(res);
      return;
    }
    const rate = deps.rate.take(value);
    if (!rate.allowed) {
      gitlabFault(
        {
          status: 429,
          count: 1,
          rateLimit: 'primary',
          retryAfterSeconds: rate.reset - Math.floor(Date.now() / 1000),
        },
        res,
      );
      return;
    }
    res.locals.caller = { token, user: deps.ctx.store.user(token.userId) } satisfies GitlabCaller;
    next();
  });
  api.use(...jsonBody((res) => gitlabErrors.message(res, 400, '400 Bad request - JSON parse error')));
  api.use(express.urlencoded({ extended: true }));
  api.use(gitlabProjectRoutes(deps));
  api.use(gitlabMergeRequestRoutes(deps));
  api.use((_req: Request, res: Response) => gitlabErrors.message(res, 404, '404 Not Found'));
  api.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ err: error }, 'GitLab sandbox request failed');
    gitlabErrors.message(res, 500, '500 Internal Server Error');
  });
  app.use('/api/v4', api);
  return app;
}
