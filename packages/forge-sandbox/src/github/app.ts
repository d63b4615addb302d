import { randomBytes } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { gitRouter } from '../git/git-router.js';
import type { FaultInjector } from '../http/faults.js';
import { jsonBody } from '../http/json-body.js';
import type { RateWindow } from '../http/rate-window.js';
import type { Caller, GithubRouteDeps } from './context.js';
import { githubError, githubErrors, githubFault, githubHeaders } from './respond.js';
import { githubPullRoutes } from './routes-pulls.js';
import { githubLogRoutes, githubRepoRoutes } from './routes-repo.js';

export interface GithubAppDeps extends GithubRouteDeps {
  faults: FaultInjector;
  rate: RateWindow;
  logger: Logger;
}

/** `Authorization: token X` or `Bearer X`, as GitHub takes a personal access token. */
function presentedToken(header: string | undefined): string | null {
  const match = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/** GitHub's REST API under `/api/v3`, git over HTTP at the root, and the signed job log downloads. */
export function createGithubApp(deps: GithubAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const logSecret = randomBytes(16).toString('hex');
  app.use(
    gitRouter(deps.ctx, {
      realm: 'GitHub',
      badCredentials:
        'remote: Invalid username or token. Password authentication is not supported for Git operations.',
      notFound: 'remote: Repository not found.',
      denied: (repo, login) => `remote: Permission to ${repo}.git denied to ${login}.`,
    }),
  );
  app.use(githubLogRoutes(deps, logSecret));

  const api = express.Router();
  api.use(deps.faults.middleware(githubFault));
  api.use((req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    const value = presentedToken(req.headers.authorization);
    if (value === null) {
      githubHeaders(res, { limit: 60, remaining: 59, reset: Math.ceil(Date.now() / 1000) + 3600 });
      next();
      return;
    }
    const token = deps.ctx.store.token(value);
    if (!token || token.revoked) {
      githubErrors.badCredentials(res);
      return;
    }
    const rate = deps.rate.take(value);
    githubHeaders(res, { limit: deps.rate.limit, remaining: rate.remaining, reset: rate.reset });
    if (!rate.allowed) {
      githubError(res, 403, `API rate limit exceeded for user ID ${token.userId}.`);
      return;
    }
    res.locals.caller = { token, user: deps.ctx.store.user(token.userId) } satisfies Caller;
    next();
  });
  api.use(...jsonBody((res, message) => githubError(res, 400, `Problems parsing JSON: ${message}`)));
  api.use(githubRepoRoutes(deps, logSecret));
  api.use(githubPullRoutes(deps));
  api.use((_req: Request, res: Response) => githubErrors.notFound(res));
  api.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    deps.logger.error({ err: error }, 'GitHub sandbox request failed');
    githubError(res, 500, 'Server Error');
  });
  app.use('/api/v3', api);
  return app;
}
