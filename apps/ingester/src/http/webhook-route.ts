import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  discardBody,
  discardFactor,
  jsonMediaTypeProblem,
  type RateLimitedLog,
  readBody,
  stalledMessage,
} from '@tundra/core/server';
import type { Logger } from 'pino';
import type { Source } from '../ingest/ingest-event.js';
import type { IngestResult, IngestService } from '../ingest/ingest-service.js';
import { type Rejection, RejectReason, reject } from '../ingest/rejection.js';
import type { IngestMetrics } from '../metrics.js';

export interface WebhookRouteDeps {
  service: IngestService;
  metrics: IngestMetrics;
  logger: Logger;
  /** Where refusals are logged: anyone can send them, so once per interval with a count. */
  rejectionLog: RateLimitedLog;
  maxBodyBytes: number;
  /** The longest pause between two pieces of a body (TUNDRA_HTTP_BODY_TIMEOUT_MS). */
  bodyTimeoutMs: number;
  /** How long a webhook waits for Redis before it is answered 503 with Retry-After (TUNDRA_INGEST_REDIS_WAIT_MS). */
  redisWaitMs: number;
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

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | number> = {},
): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      // A sender whose body stalled may still be writing: the connection cannot carry another request.
      ...(status === 408 ? { connection: 'close' } : {}),
      ...headers,
    })
    .end(text);
}

/** The body as bytes, a refusal, or null when the connection is gone (nobody is left to answer). */
async function receiveBody(req: IncomingMessage, deps: WebhookRouteDeps): Promise<Buffer | Rejection | null> {
  const problem = jsonMediaTypeProblem(req.headers['content-type'], req.headers['content-encoding']);
  if (problem !== null) {
    await discardBody(req, { maxBytes: deps.maxBodyBytes * discardFactor, timeoutMs: deps.bodyTimeoutMs });
    return reject(415, RejectReason.UnsupportedMediaType, problem);
  }
  const outcome = await readBody(req, { limitBytes: deps.maxBodyBytes, timeoutMs: deps.bodyTimeoutMs });
  switch (outcome.kind) {
    case 'body':
      return outcome.bytes;
    case 'too_large':
      return reject(413, RejectReason.TooLarge, 'body is larger than the limit');
    case 'stalled':
      return reject(408, RejectReason.Timeout, stalledMessage(outcome.timeoutMs));
    case 'gone':
      return null;
    default: {
      const unhandled: never = outcome;
      throw new Error(`unhandled body outcome ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Sends a result as JSON with its status, and counts it. */
function answer(
  res: ServerResponse,
  route: WebhookRoute,
  result: IngestResult,
  metrics: IngestMetrics,
): void {
  const { source } = route;
  const outcome = result.outcome === 'test' ? 'ignored' : result.outcome;
  metrics.received.inc({ source, kind: result.label, outcome });
  switch (result.outcome) {
    case 'accepted':
      if (result.unmatched) metrics.unmatched.inc({ source });
      // `eventId` is the deprecated name of `deliveryId`, kept for the callers that read it.
      sendJson(res, 202, {
        deliveryId: result.deliveryId,
        eventId: result.deliveryId,
        jobs: result.jobs,
        unmatched: result.unmatched,
      });
      return;
    case 'duplicate':
      sendJson(res, 200, { deliveryId: result.deliveryId, eventId: result.deliveryId, duplicate: true });
      return;
    case 'ignored':
      metrics.ignored.inc({ source, reason: result.reason });
      sendJson(res, 200, { ignored: true, reason: result.reason });
      return;
    case 'test':
      // The sender logs this answer (Taiga keeps it in the webhook's log): it says the key matched, for whom.
      sendJson(res, 200, {
        ok: true,
        test: true,
        source,
        ...(route.projectKey === null ? {} : { project: route.projectKey }),
        authenticated: true,
      });
      return;
    case 'rejected':
      metrics.rejections.inc({ source, reason: result.reason });
      sendJson(
        res,
        result.status,
        {
          error: result.reason,
          message: result.message,
          ...(result.issues ? { issues: result.issues } : {}),
        },
        result.retryAfterSeconds === undefined ? {} : { 'retry-after': result.retryAfterSeconds },
      );
      return;
    default: {
      const unreachable: never = result;
      throw new Error(`unhandled result ${JSON.stringify(unreachable)}`);
    }
  }
}

function unavailable(message: string, redisWaitMs: number) {
  return {
    ...reject(503, RejectReason.Unavailable, message),
    retryAfterSeconds: Math.ceil(redisWaitMs / 1000),
  };
}

/**
 * The ingest pipeline waits for Redis through an outage (its connection never gives up on a command): for Taiga,
 * which never retries, a short wait beats losing the event. Past `waitMs` the sender is told 503 with Retry-After,
 * so that its delivery log says why; the commands already sent may still complete once Redis is back, in which case
 * a redelivery is answered as a duplicate.
 */
async function withinRedisWait(ingested: Promise<IngestResult>, waitMs: number): Promise<IngestResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<IngestResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ...unavailable(
            `Redis did not answer within ${waitMs} ms: the delivery was not acknowledged; send it again`,
            waitMs,
          ),
          label: 'unknown',
        }),
      waitMs,
    );
  });
  try {
    return await Promise.race([ingested, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The four webhook endpoints, on node:http directly rather than through express: this is the hot path, and express's
 * routing and body parsing cost more CPU per webhook than the rest of the HTTP handling (see docs/performance.md).
 * Insist on JSON (415), read the raw body up to the limit (413), then hand it to the ingest pipeline, which checks
 * the signature on these raw bytes before anything parses them. Time and count every request.
 */
export function webhookHandler(deps: WebhookRouteDeps) {
  const { service, metrics, logger, rejectionLog } = deps;
  const receive = async (req: IncomingMessage, route: WebhookRoute): Promise<IngestResult | null> => {
    const body = await receiveBody(req, deps);
    if (body === null) return null;
    const result: IngestResult = Buffer.isBuffer(body)
      ? await withinRedisWait(
          service.ingest({
            source: route.source,
            projectKey: route.projectKey,
            headers: flatHeaders(req.headers),
            body,
            receivedAt: new Date(),
          }),
          deps.redisWaitMs,
        )
      : { ...body, label: 'unknown' };
    if (result.outcome === 'rejected') {
      // An unset secret is an operator's mistake (an error); the rest is what senders, or anyone, got wrong.
      const unset = result.reason === RejectReason.NoSecret;
      rejectionLog.log(
        unset ? 'error' : 'warn',
        `${route.source}:${result.reason}`,
        { source: route.source, reason: result.reason, message: result.message },
        unset ? 'webhook secret not configured' : 'webhook rejected',
      );
    }
    return result;
  };

  return async (req: IncomingMessage, res: ServerResponse, route: WebhookRoute): Promise<void> => {
    const stop = metrics.duration.startTimer({ source: route.source });
    let result: IngestResult | null;
    try {
      result = await receive(req, route);
    } catch (error) {
      // Redis refused the inbox write or the enqueue: nothing the sender can rely on was kept.
      logger.error({ err: error, source: route.source }, 'webhook could not be recorded');
      result = {
        ...unavailable('the delivery could not be recorded; nothing was kept', deps.redisWaitMs),
        label: 'unknown',
      };
    }
    // The connection went before the body was in: the HTTP layer answered and counted it, if anyone was left.
    if (result === null) return;
    answer(res, route, result, metrics);
    stop();
  };
}
