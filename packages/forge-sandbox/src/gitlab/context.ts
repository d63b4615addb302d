import type { Request, Response } from 'express';
import type { OpsContext } from '../model/operations.js';
import {
  type AccessLevel,
  atLeast,
  type PullRecord,
  type RepoRecord,
  type TokenRecord,
  type UserRecord,
} from '../model/types.js';
import { gitlabErrors } from './respond.js';
import type { GitlabView } from './serialize.js';

export interface GitlabRouteDeps {
  ctx: OpsContext;
  view: GitlabView;
}

export interface GitlabCaller {
  token: TokenRecord;
  user: UserRecord;
}

export function gitlabCaller(res: Response): GitlabCaller | null {
  return (res.locals.caller as GitlabCaller | undefined) ?? null;
}

/** `:id` is a project's numeric id or its URL-encoded path (`group%2Fproject`), as GitLab takes either. */
export function projectFor(
  deps: GitlabRouteDeps,
  req: Request,
  res: Response,
  need: Exclude<AccessLevel, 'none'>,
): { repo: RepoRecord; caller: GitlabCaller } | null {
  const who = gitlabCaller(res);
  const id = String(req.params.id);
  const repo = /^\d+$/.test(id) ? deps.ctx.store.repoById(Number(id)) : deps.ctx.store.repoByName(id);
  const access = repo && who ? deps.ctx.store.access(repo, who.user.id, who.token) : 'none';
  if (!repo || !who || !atLeast(access, 'read')) {
    gitlabErrors.projectNotFound(res);
    return null;
  }
  if (!atLeast(access, need)) {
    gitlabErrors.forbidden(res);
    return null;
  }
  return { repo, caller: who };
}

export function mergeRequestFor(
  deps: GitlabRouteDeps,
  req: Request,
  res: Response,
  need: Exclude<AccessLevel, 'none'>,
): { repo: RepoRecord; caller: GitlabCaller; pull: PullRecord } | null {
  const found = projectFor(deps, req, res, need);
  if (!found) return null;
  const iid = String(req.params.iid);
  const pull = /^\d+$/.test(iid) ? deps.ctx.store.pull(found.repo.id, Number(iid)) : undefined;
  if (!pull) {
    gitlabErrors.notFound(res);
    return null;
  }
  return { ...found, pull };
}

/** A string parameter from the JSON or form body, or the query string (GitLab reads all three). */
export function param(req: Request, name: string): string | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name] ?? req.query[name];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A list parameter: a JSON array, or a comma-separated string. */
export function listParam(req: Request, name: string): string[] | undefined {
  const value = (req.body as Record<string, unknown> | undefined)?.[name] ?? req.query[name];
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  if (typeof value === 'number') return [String(value)];
  return undefined;
}
