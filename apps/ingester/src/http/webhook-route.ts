import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Source } from '../ingest/ingest-event.js';
import type { IngestResult, IngestService } from '../ingest/ingest-service.js';
import { RejectReason, reject } from '../ingest/rejection.js';
import type { IngestMetrics } from '../metrics.js';

export interface WebhookRouteDeps {
  service: IngestService;
  metrics: IngestMetrics;
  logger: Logger;
  maxBodyBytes: number;
}

/** Header values as one string each, names in lower case (Node already lower-cases them). */
export function flatHeaders(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Sends a result as JSON with its status, and counts it. */
export function answer(res: Response, source: Source, result: IngestResult, metrics: IngestMetrics): void {
  const outcome = result.outcome === 'test' ? 'ignored' : result.outcome;
  metrics.received.inc({ source, kind: result.label, outcome });
  switch (result.outcome) {
    case 'accepted':
      if (result.unmatched) metrics.unmatched.inc({ source });
      res.status(202).json({ eventId: result.eventId, jobs: result.jobs, unmatched: result.unmatched });
      return;
    case 'duplicate':
      res.status(200).json({ eventId: result.eventId, duplicate: true });
      return;
    case 'ignored':
      metrics.ignored.inc({ source, reason: result.reason });
      res.status(200).json({ ignored: true, reason: result.reason });
      return;
    case 'test':
      res.status(200).json({ ok: true });
      return;
    case 'rejected':
      metrics.rejections.inc({ source, reason: result.reason });
      res.status(result.status).json({
        error: result.reason,
        message: result.message,
        ...(result.issues ? { issues: result.issues } : {}),
      });
      return;
    default: {
      const unreachable: never = result;
      throw new Error(`unhandled result ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * The handlers of one webhook endpoint: time the request, insist on JSON (415), read the raw body up to the limit
 * (413), then hand it to the ingest pipeline. The signature is checked on these raw bytes before anything parses them.
 */
export function webhookRoute(source: Source, deps: WebhookRouteDeps): RequestHandler[] {
  const timeRequest: RequestHandler = (_req, res, next) => {
    const stop = deps.metrics.duration.startTimer({ source });
    res.once('finish', () => stop());
    res.locals.source = source;
    next();
  };
  const requireJson: RequestHandler = (req, res, next) => {
    if (req.is('application/json') || req.is('application/*+json')) return next();
    const result = {
      ...reject(415, RejectReason.UnsupportedMediaType, 'send Content-Type: application/json'),
      label: 'unknown',
    };
    answer(res, source, result, deps.metrics);
  };
  const rawBody = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  const handle = async (req: Request, res: Response) => {
    const result = await deps.service.ingest({
      source,
      projectKey: typeof req.params.projectKey === 'string' ? req.params.projectKey : null,
      headers: flatHeaders(req),
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      receivedAt: new Date(),
    });
    if (result.outcome === 'rejected' && result.reason === RejectReason.NoSecret) {
      deps.logger.error({ source, message: result.message }, 'webhook secret not configured');
    } else if (result.outcome === 'rejected') {
      deps.logger.warn({ source, reason: result.reason, message: result.message }, 'webhook rejected');
    }
    answer(res, source, result, deps.metrics);
  };
  return [timeRequest, requireJson, rawBody, handle];
}

interface BodyParserError {
  type?: string;
  status?: number;
  message: string;
}

/**
 * Errors that reach express: body-parser's (413 too large, 400 a broken stream, 415 an unknown charset) answered as
 * JSON rejections and counted; anything else (Redis down) is a 503, because nothing was recorded.
 */
export function webhookErrorHandler(deps: Pick<WebhookRouteDeps, 'metrics' | 'logger'>) {
  return (error: BodyParserError, req: Request, res: Response, _next: NextFunction) => {
    const source = (res.locals.source as Source | undefined) ?? null;
    const status = error.status ?? 500;
    let result: ReturnType<typeof reject>;
    if (error.type === 'entity.too.large') {
      result = reject(413, RejectReason.TooLarge, 'body is larger than the limit');
    } else if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
      result = reject(415, RejectReason.UnsupportedMediaType, error.message);
    } else if (status >= 400 && status < 500) {
      result = reject(400, RejectReason.MalformedJson, error.message);
    } else {
      deps.logger.error({ err: error, source, path: req.path }, 'request failed');
      result = reject(503, RejectReason.Unavailable, 'the delivery could not be recorded; nothing was kept');
    }
    if (source === null) {
      res.status(result.status).json({ error: result.reason, message: result.message });
      return;
    }
    answer(res, source, { ...result, label: 'unknown' }, deps.metrics);
  };
}
