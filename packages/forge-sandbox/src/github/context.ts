import type { Request, Response } from 'express';
import type { OpsContext } from '../model/operations.js';
import {
  type AccessLevel,
  atLeast,
  type RepoRecord,
  type TokenRecord,
  type UserRecord,
} from '../model/types.js';
import { githubErrors } from './respond.js';
import type { GithubView } from './serialize-pull.js';

export interface GithubRouteDeps {
  ctx: OpsContext;
  view: GithubView;
}

export interface Caller {
  token: TokenRecord;
  user: UserRecord;
}

/** The authenticated caller, set by the auth middleware; null for an anonymous request. */
export function caller(res: Response): Caller | null {
  return (res.locals.caller as Caller | undefined) ?? null;
}

/** What a fine-grained token needs for a route, named as GitHub names it in `x-accepted-github-permissions`. */
export type Permission = 'contents' | 'pull_requests' | 'issues' | 'checks' | 'actions' | 'metadata';

/**
 * The repository the path names, when the caller may `need` on it; otherwise answers as GitHub does (a private
 * repository the caller cannot see is a 404, one it can see but not write is a 403) and returns null.
 */
export function repoFor(
  deps: GithubRouteDeps,
  req: Request,
  res: Response,
  need: Exclude<AccessLevel, 'none'>,
  permission: Permission,
): { repo: RepoRecord; caller: Caller } | null {
  const who = caller(res);
  const repo = deps.ctx.store.repoByName(`${req.params.owner}/${req.params.repo}`);
  const access = repo && who ? deps.ctx.store.access(repo, who.user.id, who.token) : 'none';
  if (!repo || !who || !atLeast(access, 'read')) {
    githubErrors.notFound(res);
    return null;
  }
  if (!atLeast(access, need)) {
    githubErrors.forbidden(res, `${permission}=${need === 'read' ? 'read' : 'write'}`);
    return null;
  }
  return { repo, caller: who };
}

/** A positive integer path parameter, or null after answering 404 (GitHub's answer to `/pulls/abc`). */
export function intParam(req: Request, res: Response, name: string): number | null {
  const raw = req.params[name];
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
  githubErrors.notFound(res);
  return null;
}

export function stringField(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}
