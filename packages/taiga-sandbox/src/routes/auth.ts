import { Router } from 'express';
import { bodyOf, sendFailure, sendJson } from '../http/respond.js';
import { failures } from '../operations/failures.js';
import { serializeUserDetail } from '../serializers/users.js';
import type { RouteDeps } from './deps.js';

/** `POST /auth` (normal login) and `POST /auth/refresh`. */
export function authRouter({ core }: RouteDeps): Router {
  const router = Router();

  router.post('/auth', (req, res) => {
    const body = bodyOf(req);
    if (String(body.type ?? '').toLowerCase() !== 'normal') {
      sendFailure(res, failures.badRequestMessage('invalid login type'));
      return;
    }
    const missing = ['username', 'password'].filter(
      (field) => typeof body[field] !== 'string' || body[field] === '',
    );
    if (missing.length > 0) {
      sendFailure(
        res,
        failures.badRequest(Object.fromEntries(missing.map((field) => [field, ['This field is required.']]))),
      );
      return;
    }
    const user = core.store.userByUsername(String(body.username));
    if (!user?.isActive || user.password !== body.password) {
      sendFailure(res, failures.invalidCredentials());
      return;
    }
    const tokens = core.tokens.issuePair(user.id);
    sendJson(res, 200, {
      ...serializeUserDetail(user),
      refresh: tokens.refresh,
      auth_token: tokens.auth_token,
    });
  });

  router.post('/auth/refresh', (req, res) => {
    const { refresh } = bodyOf(req);
    if (typeof refresh !== 'string' || refresh === '') {
      sendFailure(res, failures.badRequest({ refresh: ['This field is required.'] }));
      return;
    }
    const tokens = core.tokens.rotate(refresh);
    if (!tokens) {
      sendFailure(res, failures.invalidRefreshToken());
      return;
    }
    sendJson(res, 200, { auth_token: tokens.auth_token, refresh: tokens.refresh });
  });
  return router;
}
