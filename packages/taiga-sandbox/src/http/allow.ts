import type { NextFunction, Request, Response } from 'express';

const collection = 'GET, POST, HEAD, OPTIONS';
const detail = 'GET, PUT, PATCH, DELETE, HEAD, OPTIONS';
const readOnly = 'GET, HEAD, OPTIONS';
const postOnly = 'POST, OPTIONS';

/** The `Allow` header of each API route, as taiga-back's viewsets send it (first match wins). */
const allowByPath: [RegExp, string][] = [
  [/^\/auth(\/refresh)?\/?$/, postOnly],
  [/^\/(users\/me|projects\/by_slug)\/?$/, readOnly],
  [
    /^\/(webhooks\/\d+\/test|webhooklogs\/\d+\/resend|history\/\w+\/\d+\/(edit|delete)_comment)\/?$/,
    postOnly,
  ],
  [/^\/(history\/\w+\/\d+|webhooklogs)\/?$/, readOnly],
  [/^\/(projects|tasks|userstories|issues|webhooks|memberships|roles)\/\d+\/?$/, detail],
  [/^\/[\w-]+(\/by_ref)?\/?$/, collection],
];

/**
 * Sets `Allow` before anything can answer: taiga-back adds it to every response of a view, errors included (the
 * captured 401 carries it).
 */
export function allowHeader(req: Request, res: Response, next: NextFunction): void {
  const match = allowByPath.find(([pattern]) => pattern.test(req.path));
  if (match) res.setHeader('Allow', match[1]);
  next();
}
