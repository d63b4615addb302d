import { createServer, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Counter, type Registry } from 'prom-client';
import type { z } from 'zod';
import { envPositiveInt } from '../../config/load-config.js';
import type { RateLimitedLog } from '../rate-limited-log.js';

/** The HTTP timeouts of the apps that take requests from the network (ingester, API). */
export const httpEnv = {
  /** All of a request's headers must arrive within it. */
  TUNDRA_HTTP_HEADERS_TIMEOUT_MS: envPositiveInt.default(5_000),
  /** The longest pause between two pieces of a request's body. */
  TUNDRA_HTTP_BODY_TIMEOUT_MS: envPositiveInt.default(5_000),
  /** The whole request, headers and body, must arrive within it (a body that trickles in, say). */
  TUNDRA_HTTP_REQUEST_TIMEOUT_MS: envPositiveInt.default(15_000),
  /** An idle keep-alive connection is closed after it. */
  TUNDRA_HTTP_KEEP_ALIVE_TIMEOUT_MS: envPositiveInt.default(65_000),
  /** Refusals anyone can cause (no or wrong credentials, broken HTTP) are logged once per interval, with a count. */
  TUNDRA_REJECTION_LOG_INTERVAL_MS: envPositiveInt.default(60_000),
};
type HttpEnv = { [K in keyof typeof httpEnv]: z.infer<(typeof httpEnv)[K]> };

/** Node refuses a headers timeout longer than the request timeout: say so with the other config problems. */
export const httpTimeoutsConsistent = {
  check: (env: Record<string, unknown>) => {
    const headers = env.TUNDRA_HTTP_HEADERS_TIMEOUT_MS;
    const request = env.TUNDRA_HTTP_REQUEST_TIMEOUT_MS;
    // Either one invalid is reported on its own.
    return typeof headers !== 'number' || typeof request !== 'number' || headers <= request;
  },
  params: {
    path: ['TUNDRA_HTTP_REQUEST_TIMEOUT_MS'],
    message: 'must be at least TUNDRA_HTTP_HEADERS_TIMEOUT_MS',
    when: () => true,
  },
};

export interface HttpTimeouts {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export function httpTimeouts(env: HttpEnv): HttpTimeouts {
  return {
    headersTimeoutMs: env.TUNDRA_HTTP_HEADERS_TIMEOUT_MS,
    bodyTimeoutMs: env.TUNDRA_HTTP_BODY_TIMEOUT_MS,
    requestTimeoutMs: env.TUNDRA_HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: env.TUNDRA_HTTP_KEEP_ALIVE_TIMEOUT_MS,
  };
}

/** Why Node's HTTP parser or its timers refused a request, as answered and counted. */
const HttpRejection = {
  request_timeout: { status: 408, message: 'the request did not arrive in time' },
  headers_too_large: { status: 431, message: 'the request headers are too large' },
  too_large: { status: 413, message: 'the chunk extensions are too large' },
  incomplete_request: {
    status: 400,
    message:
      'the connection ended before the whole request arrived (a body shorter than its Content-Length?)',
  },
  malformed_request: { status: 400, message: 'the request is not valid HTTP/1.1' },
  method_not_allowed: { status: 405, message: 'CONNECT is not served here: this is not a proxy' },
} as const;
type HttpRejectionReason = keyof typeof HttpRejection;

const statusText: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
};

function reasonOf(code: string | undefined): HttpRejectionReason | null {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'request_timeout';
    case 'HPE_HEADER_OVERFLOW':
      return 'headers_too_large';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return 'too_large';
    case 'HPE_INVALID_EOF_STATE':
      return 'incomplete_request';
    default:
      // Any other parser error is a request that is not HTTP; anything else (a reset) left nobody to answer.
      return code?.startsWith('HPE_') ? 'malformed_request' : null;
  }
}

export interface HttpServerOptions {
  timeouts: HttpTimeouts;
  registry: Registry;
  log: RateLimitedLog;
  /** The app's JSON error body, so that a refusal by Node looks like the app's own. */
  errorBody(status: number, reason: string, message: string): unknown;
}

/**
 * An HTTP server with deliberate timeouts (Node's defaults hold a slow sender for 5 minutes) that answers what
 * Node itself refuses (a timeout, headers too large, broken HTTP, a body cut short) in the app's JSON error shape
 * instead of an empty body, counts it, and logs it without flooding the log. Timeouts are checked every 250 ms
 * (Node's default is every 30 s).
 */
export function createHttpServer(listener: RequestListener, options: HttpServerOptions): Server {
  const { timeouts } = options;
  const rejections = new Counter({
    name: 'tundra_http_rejections_total',
    help: 'Requests refused at the HTTP layer before the app could answer them (timeouts, headers too large, malformed HTTP, a body cut short), by reason.',
    labelNames: ['reason'] as const,
    registers: [options.registry],
  });
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(250, timeouts.headersTimeoutMs),
    },
    listener,
  );
  /**
   * Sockets already answered. Node's parser cannot read past its error and reports it again for each later piece
   * of the same request: those pieces are dropped, not taken for a second refusal that would close the socket at
   * once. A close with the sender's bytes still unread resets the connection, which can discard the answer before
   * it is sent and makes the sender's next write fail instead of letting it read the answer.
   */
  const refused = new WeakSet<Duplex>();
  /** Answers on the raw socket in the app's JSON error shape, counted and logged without flooding the log. */
  const refuse = (socket: Duplex, reason: HttpRejectionReason, parserError: string | undefined) => {
    refused.add(socket);
    const { status, message } = HttpRejection[reason];
    rejections.inc({ reason });
    options.log.log('warn', `http:${reason}`, { reason, status, parserError }, 'request refused');
    const body = JSON.stringify(options.errorBody(status, reason, message));
    socket.end(
      `HTTP/1.1 ${status} ${statusText[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
    // What the sender still writes is read and dropped for a second (its writes are not refused, and it reads
    // the answer), then the connection goes whether or not it has stopped.
    setTimeout(() => socket.destroy(), 1_000).unref();
  };
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (refused.has(socket)) return;
    const reason = reasonOf(error.code);
    // A response the app already began cannot be replaced; a socket that cannot be written to has nobody to tell.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent: boolean } })._httpMessage;
    if (reason === null || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    refuse(socket, reason, error.code);
  });
  // Node hands CONNECT to this event, never to the app, and drops the connection when nothing listens.
  server.on('connect', (_req, socket: Duplex) => refuse(socket, 'method_not_allowed', undefined));
  return server;
}
