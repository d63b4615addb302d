import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Source } from '../ingest/ingest-event.js';
import type { IngestResult, IngestService } from '../ingest/ingest-service.js';
import { RejectReason, reject } from '../ingest/rejection.js';
import type { IngestMetrics } from '../metrics.js';
import { readBody } from './read-body.js';

export interface WebhookRouteDeps {
  service: IngestService;
  metrics: IngestMetrics;
  logger: Logger;
  maxBodyBytes: number;
}

/** Which webhook endpoint a request is for. */
export interface WebhookRoute {
  source: Source;
  /** The `:projectKey` of `/webhooks/taiga/:projectKey`; null for the other sources. */
  projectKey: string | null;
}

// Case-insensitive with an optional trailing slash, as express routes match.
const webhookPath = /^\/webhooks\/(?:taiga\/([^/]+)|(github|gitlab|ci))\/?$/i;

/** The webhook endpoint a request is for, or null: only POSTs to the four webhook paths are webhooks. */
export function matchWebhookRoute(method: string | undefined, url: string | undefined): WebhookRoute | null {
  if (method !== 'POST' || url === undefined) return null;
  const query = url.indexOf('?');
  const match = webhookPath.exec(query === -1 ? url : url.slice(0, query));
  if (!match) return null;
  if (match[1] === undefined) return { source: match[2]!.toLowerCase() as Source, projectKey: null };
  let projectKey = match[1];
  try {
    projectKey = decodeURIComponent(projectKey);
  } catch {
    // A malformed escape is kept as sent: no project has that key, so it is a 404 like any unknown one.
  }
  return { source: 'taiga', projectKey };
}

/** Header values as one string each, names in lower case (Node already lower-cases them). */
function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** `application/json` or an `application/*+json` type, parameters (charset) aside. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const end = contentType.indexOf(';');
  const type = (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/** Why the body cannot be read as JSON bytes (415), or null. Compressed bodies are refused, not inflated. */
function mediaTypeProblem(headers: IncomingHttpHeaders): string | null {
  if (!isJson(headers['content-type'])) return 'send Content-Type: application/json';
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity') {
    return `Content-Encoding ${encoding} is not supported: send the body uncompressed`;
  }
  return null;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
    })
    .end(text);
}

/** Sends a result as JSON with its status, and counts it. */
function answer(res: ServerResponse, source: Source, result: IngestResult, metrics: IngestMetrics): void {
  const outcome = result.outcome === 'test' ? 'ignored' : result.outcome;
  metrics.received.inc({ source, kind: result.label, outcome });
  switch (result.outcome) {
    case 'accepted':
      if (result.unmatched) metrics.unmatched.inc({ source });
      sendJson(res, 202, { eventId: result.eventId, jobs: result.jobs, unmatched: result.unmatched });
      return;
    case 'duplicate':
      sendJson(res, 200, { eventId: result.eventId, duplicate: true });
      return;
    case 'ignored':
      metrics.ignored.inc({ source, reason: result.reason });
      sendJson(res, 200, { ignored: true, reason: result.reason });
      return;
    case 'test':
      sendJson(res, 200, { ok: true });
      return;
    case 'rejected':
      metrics.rejections.inc({ source, reason: result.reason });
      sendJson(res, result.status, {
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
 * The four webhook endpoints, on node:http directly rather than through express: this is the hot path, and express's
 * routing and body parsing cost more CPU per webhook than the rest of the HTTP handling (see docs/performance.md).
 * Insist on JSON (415), read the raw body up to the limit (413), then hand it to the ingest pipeline, which checks
 * the signature on these raw bytes before anything parses them. Time and count every request.
 */
export function webhookHandler(deps: WebhookRouteDeps) {
  const { service, metrics, logger } = deps;
  const receive = async (req: IncomingMessage, route: WebhookRoute): Promise<IngestResult> => {
    const problem = mediaTypeProblem(req.headers);
    if (problem !== null) {
      req.resume();
      return { ...reject(415, RejectReason.UnsupportedMediaType, problem), label: 'unknown' };
    }
    const body = await readBody(req, deps.maxBodyBytes);
    if (!Buffer.isBuffer(body)) return { ...body, label: 'unknown' };
    const result = await service.ingest({
      source: route.source,
      projectKey: route.projectKey,
      headers: flatHeaders(req.headers),
      body,
      receivedAt: new Date(),
    });
    if (result.outcome === 'rejected' && result.reason === RejectReason.NoSecret) {
      logger.error({ source: route.source, message: result.message }, 'webhook secret not configured');
    } else if (result.outcome === 'rejected') {
      logger.warn(
        { source: route.source, reason: result.reason, message: result.message },
        'webhook rejected',
      );
    }
    return result;
  };

  return async (req: IncomingMessage, res: ServerResponse, route: WebhookRoute): Promise<void> => {
    const stop = metrics.duration.startTimer({ source: route.source });
    let result: IngestResult;
    try {
      result = await receive(req, route);
    } catch (error) {
      // Redis refused the inbox write or the enqueue: nothing the sender can rely on was kept.
      logger.error({ err: error, source: route.source }, 'webhook could not be recorded');
      result = {
        ...reject(503, RejectReason.Unavailable, 'the delivery could not be recorded; nothing was kept'),
        label: 'unknown',
      };
    }
    answer(res, route.source, result, metrics);
    stop();
  };
}
