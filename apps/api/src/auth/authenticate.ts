import type { NextFunction, Request, Response } from 'express';
import { ApiError, ApiErrorCode } from '../errors.js';
import type { Principal } from './principal.js';
import type { ProjectTokens } from './project-tokens.js';
import { tokensEqual } from './token-hash.js';

export interface AuthOptions {
  adminToken: string;
  projectTokens: ProjectTokens;
}

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
 * `Authorization: Bearer <TUNDRA_API_TOKEN>`. A project token never falls back to the bearer: a request acts as
 * exactly one principal.
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
    if (header === undefined) throw unauthorized('send Authorization: Bearer <token> or X-Project-Token');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !tokensEqual(match[1]!, options.adminToken))
      throw unauthorized('the bearer token is wrong');
    res.locals.principal = { kind: 'admin' } satisfies Principal;
    next();
  };
}
