import type { NextFunction, Request, Response } from 'express';
import { type ConsoleSessions, cookieValue, sessionCookieName } from '../console/session.js';
import { ApiError, ApiErrorCode } from '../errors.js';
import type { ProjectTokens } from '../store/project-tokens.js';
import type { Principal } from './principal.js';
import { tokensEqual } from './token-hash.js';

export interface AuthOptions {
  adminToken: string;
  projectTokens: ProjectTokens;
  /** The console's signed session cookies, accepted when a request has neither header. */
  sessions: ConsoleSessions;
  now: () => Date;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The principal of an authenticated request (set by `authenticate`). */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new Error('principalOf called on a route that is not authenticated');
  return principal;
}

function unauthorized(message: string): ApiError {
  return new ApiError(ApiErrorCode.Unauthorized, message);
}

/**
 * Authenticates with `X-Project-Token` (a token scoped to one project) when present, else with
 * `Authorization: Bearer <TUNDRA_API_TOKEN>`, else with the console's session cookie. A project token never falls
 * back to the bearer: a request acts as exactly one principal. A request that changes something with the cookie
 * must carry the session's CSRF token (`X-CSRF-Token`): the cookie alone is sent by the browser on its own.
 */
export function authenticate(options: AuthOptions) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const projectToken = req.get('x-project-token');
    if (projectToken !== undefined) {
      const owner = await options.projectTokens.verify(projectToken);
      if (!owner) throw unauthorized('the project token is unknown or revoked');
      res.locals.principal = {
        kind: 'project',
        projectId: owner.projectId,
        tokenName: owner.name,
      } satisfies Principal;
      return next();
    }
    const header = req.get('authorization');
    if (header === undefined) {
      res.locals.principal = await sessionPrincipal(options, req);
      return next();
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !tokensEqual(match[1]!, options.adminToken))
      throw unauthorized('the bearer token is wrong');
    res.locals.principal = { kind: 'admin' } satisfies Principal;
    next();
  };
}

async function sessionPrincipal(options: AuthOptions, req: Request): Promise<Principal> {
  const session = options.sessions.read(cookieValue(req.get('cookie'), sessionCookieName), options.now());
  if (!session)
    throw unauthorized('send Authorization: Bearer <token> or X-Project-Token, or sign in to the console');
  if (!safeMethods.has(req.method) && !options.sessions.csrfValid(session, req.get('x-csrf-token'))) {
    throw new ApiError(
      ApiErrorCode.Forbidden,
      'a change made with the console session needs its X-CSRF-Token',
    );
  }
  if (session.kind === 'admin') return { kind: 'admin' };
  const name = await options.projectTokens.nameOfHash(session.projectId, session.tokenHash);
  if (name === null) throw unauthorized('the project token of this session is unknown or revoked');
  return { kind: 'project', projectId: session.projectId, tokenName: name };
}
