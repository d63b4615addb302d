import type { NextFunction, Request, Response } from 'express';
import type { SandboxCore } from '../operations/core.js';
import { failures, wwwAuthenticate } from '../operations/failures.js';
import { sendFailure } from './respond.js';

/**
 * taiga-back's JWTAuthentication, run for every API request (login included): no `Authorization: Bearer` header
 * means anonymous; a Bearer token that is unknown or expired answers 401 `token_not_valid` right away.
 */
export function authenticate(core: SandboxCore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('authorization');
    const parts = header?.trim().split(/\s+/) ?? [];
    if (parts.length === 0 || parts[0] !== 'Bearer') {
      next();
      return;
    }
    if (parts.length !== 2) {
      sendFailure(res, {
        status: 401,
        headers: wwwAuthenticate,
        body: {
          detail: 'Authorization header must contain two space-delimited values',
          code: 'bad_authorization_header',
        },
      });
      return;
    }
    const userId = core.tokens.userOfAccessToken(parts[1] as string);
    const user = userId === null ? undefined : core.store.users.get(userId);
    if (!user?.isActive) {
      sendFailure(res, failures.invalidToken());
      return;
    }
    res.locals.actor = user;
    next();
  };
}
