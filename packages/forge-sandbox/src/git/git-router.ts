import { relative } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import { basicPassword } from '../http/basic-auth.js';
import { afterPush, type OpsContext } from '../model/operations.js';
import { atLeast } from '../model/types.js';
import { listBranches } from './bare-repo.js';
import { serveGitHttp } from './smart-http.js';

const gitPath = /^\/(.+?)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/** How each forge words git's refusals (the text git prints after `remote:`). */
export interface GitRefusals {
  realm: string;
  badCredentials: string;
  notFound: string;
  denied(repo: string, login: string): string;
}

/**
 * Git over smart HTTP at `/<repo>.git/...`, as the forges serve it: Basic auth whose password is a token (any user
 * name), a 404 for a repository the token cannot see, 403 for a push without write access. A push that lands
 * causes push events and moves open pull requests whose head is the pushed branch.
 */
export function gitRouter(ctx: OpsContext, refusals: GitRefusals): Router {
  const router = express.Router();
  const text = (res: Response, status: number, body: string) => {
    res.status(status).type('text/plain').send(`${body}\n`);
  };
  router.use(async (req: Request, res: Response, next) => {
    const match = gitPath.exec(req.path);
    if (!match) {
      next();
      return;
    }
    const [, repoPath, action] = match;
    const push = action === 'git-receive-pack' || req.query.service === 'git-receive-pack';
    const tokenValue = basicPassword(req.headers.authorization);
    if (tokenValue === null) {
      res.setHeader('WWW-Authenticate', `Basic realm="${refusals.realm}"`);
      text(res, 401, refusals.badCredentials);
      return;
    }
    const token = ctx.store.token(tokenValue);
    if (!token || token.revoked) {
      res.setHeader('WWW-Authenticate', `Basic realm="${refusals.realm}"`);
      text(res, 401, refusals.badCredentials);
      return;
    }
    const repo = ctx.store.repoByName(repoPath!);
    const access = repo ? ctx.store.access(repo, token.userId, token) : 'none';
    if (!repo || !atLeast(access, 'read')) {
      text(res, 404, refusals.notFound);
      return;
    }
    const user = ctx.store.user(token.userId);
    if (push && !atLeast(access, 'write')) {
      text(res, 403, refusals.denied(repo.fullName, user.login));
      return;
    }
    const before = action === 'git-receive-pack' ? await listBranches(repo.dir) : null;
    await serveGitHttp(req, res, {
      projectRoot: ctx.store.reposRoot,
      pathInfo: `/${relative(ctx.store.reposRoot, repo.dir)}/${action}`,
      remoteUser: user.login,
    });
    if (before) await afterPush(ctx, repo, user, before);
  });
  return router;
}
