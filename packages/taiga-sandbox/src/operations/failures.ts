/**
 * Taiga's error answers, as taiga-back's exception handler writes them: an `APIException` with a string detail
 * becomes `{_error_message, _error_type}`, one with a dict detail is the dict itself, an Http404 is
 * `{_error_message}` alone.
 */

export interface ApiFailure {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = <T = never>(failure: ApiFailure): Outcome<T> => ({ ok: false, failure });

/** The header every 401 carries: the JWT authenticator's `authenticate_header`. */
export const wwwAuthenticate = { 'WWW-Authenticate': 'Bearer realm="api"' };

function apiException(
  status: number,
  type: string,
  message: string,
  headers?: Record<string, string>,
): ApiFailure {
  return {
    status,
    body: { _error_message: message, _error_type: `taiga.base.exceptions.${type}` },
    ...(headers ? { headers } : {}),
  };
}

/** The model names taiga-back's `get_object_or_404` messages use. */
export const ModelName = {
  task: 'Task',
  userstory: 'UserStory',
  issue: 'Issue',
  project: 'Project',
  membership: 'Membership',
  role: 'Role',
  webhook: 'Webhook',
  webhookLog: 'WebhookLog',
  wikiPage: 'WikiPage',
} as const;
export type ModelName = (typeof ModelName)[keyof typeof ModelName];

export const failures = {
  notFound: (model: ModelName): ApiFailure => ({
    status: 404,
    body: { _error_message: `No ${model} matches the given query.` },
  }),
  http404: (message: string): ApiFailure => ({ status: 404, body: { _error_message: message } }),
  /** An access token that is unknown or expired (simplejwt's InvalidToken, as captured). */
  invalidToken: (): ApiFailure => ({
    status: 401,
    headers: wwwAuthenticate,
    body: {
      detail: 'Given token not valid for any token type',
      code: 'token_not_valid',
      messages: [
        { token_class: 'AccessToken', token_type: 'access', message: 'Token is invalid or expired' },
      ],
    },
  }),
  /** `POST /auth` with a wrong password or an unknown or inactive user (taiga-back 6's `login`, as replayed). */
  invalidCredentials: (): ApiFailure => ({
    status: 401,
    headers: wwwAuthenticate,
    body: { detail: 'No active account found with the given credentials', code: 'invalid_credentials' },
  }),
  invalidRefreshToken: (): ApiFailure => ({
    status: 401,
    headers: wwwAuthenticate,
    body: { detail: 'Token is invalid or expired', code: 'token_not_valid' },
  }),
  notAuthenticated: (): ApiFailure =>
    apiException(401, 'NotAuthenticated', 'Authentication credentials were not provided.', wwwAuthenticate),
  permissionDenied: (): ApiFailure =>
    apiException(403, 'PermissionDenied', 'You do not have permission to perform this action.'),
  wrongArguments: (message: string): ApiFailure => apiException(400, 'WrongArguments', message),
  badRequestMessage: (message: string): ApiFailure => apiException(400, 'BadRequest', message),
  /** A validation failure: `{field: ["message"]}` or another dict detail, as is. */
  badRequest: (detail: Record<string, unknown>): ApiFailure => ({ status: 400, body: detail }),
  throttled: (waitSeconds: number | undefined): ApiFailure =>
    apiException(
      429,
      'Throttled',
      waitSeconds === undefined
        ? 'Request was throttled.'
        : `Request was throttled.Expected available in ${waitSeconds} second${waitSeconds === 1 ? '' : 's'}.`,
      waitSeconds === undefined ? undefined : { 'X-Throttle-Wait-Seconds': String(Math.ceil(waitSeconds)) },
    ),
} as const;
