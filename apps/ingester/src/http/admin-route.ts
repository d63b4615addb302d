import { formatZodIssues } from '@tundra/core';
import { jsonBody } from '@tundra/core/server';
import type { Request, RequestHandler, Response } from 'express';
import { ReplayRequest, type ReplayService } from '../ingest/replay.js';
import { bearerToken, safeEqual } from '../sources/verify.js';

/**
 * `POST /admin/inbox/replay` with `Authorization: Bearer $TUNDRA_API_TOKEN` (compared in constant time). Without a
 * configured token the endpoint refuses everyone.
 */
export function replayRoute(deps: {
  replay: ReplayService;
  apiToken: string | undefined;
  bodyTimeoutMs: number;
}): RequestHandler[] {
  const authorize: RequestHandler = (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    if (deps.apiToken === undefined || token === null || !safeEqual(token, deps.apiToken)) {
      res
        .status(401)
        .json({ error: 'unauthorized', message: 'send Authorization: Bearer <TUNDRA_API_TOKEN>' });
      return;
    }
    next();
  };
  const handle = async (req: Request, res: Response) => {
    const parsed = ReplayRequest.safeParse(req.body ?? {});
    if (!parsed.success) {
      res.status(400).json({
        error: 'invalid_request',
        message: 'bad replay request',
        issues: formatZodIssues(parsed.error),
      });
      return;
    }
    const result = await deps.replay.replay(parsed.data);
    if ('notFound' in result) {
      res.status(404).json({ error: 'not_found', message: `no inbox entry ${result.notFound}` });
      return;
    }
    res.status(200).json(result);
  };
  return [authorize, jsonBody({ limitBytes: 16_384, timeoutMs: deps.bodyTimeoutMs }), handle];
}
