import type { Response } from 'express';
import type { Fault } from '../http/faults.js';

/** GitLab's error bodies: `{"message": ...}` (a string, or a list or map of messages), or `{"error": ...}` for bad parameters. */
export const gitlabErrors = {
  unauthorized: (res: Response) => res.status(401).json({ message: '401 Unauthorized' }),
  forbidden: (res: Response) => res.status(403).json({ message: '403 Forbidden' }),
  projectNotFound: (res: Response) => res.status(404).json({ message: '404 Project Not Found' }),
  notFound: (res: Response, what = 'Not found') => res.status(404).json({ message: `404 ${what}` }),
  missing: (res: Response, fields: string[]) =>
    res.status(400).json({ error: fields.map((field) => `${field} is missing`).join(', ') }),
  invalid: (res: Response, field: string) => res.status(400).json({ error: `${field} is invalid` }),
  message: (res: Response, status: number, message: unknown) => res.status(status).json({ message }),
};

/**
 * An injected fault as GitLab answers it: a rate limit is a 429 with `Retry later` in plain text and the
 * `RateLimit-*` and `Retry-After` headers; a server error is GitLab's JSON `500 Internal Server Error`.
 */
export function gitlabFault(fault: Fault, res: Response) {
  const wait = Math.max(1, Math.ceil(fault.retryAfterSeconds ?? 1));
  if (fault.rateLimit !== undefined || fault.status === 429) {
    const reset = Math.ceil(Date.now() / 1000) + wait;
    res.setHeader('RateLimit-Name', 'throttle_authenticated_api');
    res.setHeader('RateLimit-Limit', '2000');
    res.setHeader('RateLimit-Observed', '2001');
    res.setHeader('RateLimit-Remaining', '0');
    res.setHeader('RateLimit-Reset', String(reset));
    res.setHeader('RateLimit-ResetTime', new Date(reset * 1000).toUTCString());
    res.setHeader('Retry-After', String(wait));
    res.status(429).type('text/plain').send('Retry later\n');
    return;
  }
  if (fault.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(wait));
  res
    .status(fault.status)
    .json({ message: `${fault.status} ${fault.status === 500 ? 'Internal Server Error' : 'Bad Gateway'}` });
}
