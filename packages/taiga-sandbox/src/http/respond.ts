import type { Request, Response } from 'express';
import type { ApiFailure } from '../operations/failures.js';
import type { UserRecord } from '../state/types.js';
import { pythonJsonDumps } from '../webhooks/python-json.js';

/**
 * Writes a body as taiga-back's renderer does (Python `json.dumps` text, raw UTF-8) with its usual headers.
 */
export function sendJson(
  res: Response,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.status(status);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Language', 'en');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.send(Buffer.from(pythonJsonDumps(body), 'utf8'));
}

export function sendFailure(res: Response, failure: ApiFailure): void {
  sendJson(res, failure.status, failure.body, failure.headers);
}

/** The authenticated user of a request (set by the authentication middleware), or null when anonymous. */
export function actorOf(res: Response): UserRecord | null {
  return (res.locals.actor as UserRecord | undefined) ?? null;
}

/** A positive integer path or query parameter, or null. */
export function positiveInt(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return null;
  const parsed = Number(value);
  return parsed > 0 && Number.isSafeInteger(parsed) ? parsed : null;
}

/** A JSON object request body, or an empty one (Taiga treats a missing body as no fields). */
export function bodyOf(req: Request): Record<string, unknown> {
  const body: unknown = req.body;
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
