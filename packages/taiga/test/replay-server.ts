import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiCapture, loadApiCapture } from './fixtures/index.js';

/** A request the replay server received. */
export interface Received {
  method: string;
  /** Path and query under `/api/v1`, e.g. `/tasks?project=1`. */
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Never answer: the client's timeout must fire. */
  hang?: boolean;
}

/** What to answer to `METHOD /path` (query ignored): one reply per request, the last one repeating. */
export type Script = Record<string, Reply[]>;

/** A capture's recorded response as a reply. */
export function replyFrom(name: string, patch?: (capture: ApiCapture) => void): Reply {
  const capture = loadApiCapture(name);
  patch?.(capture);
  const headers = Object.fromEntries(
    Object.entries(capture.response.headers).filter(([key]) => key.toLowerCase() !== 'content-length'),
  );
  return { status: capture.response.status, headers, body: capture.response.body };
}

/**
 * A loopback HTTP server on port 0 that answers from a script of replies (mostly the captures) and records every
 * request, so tests exercise the client over real HTTP against the real wire format.
 */
export async function startReplayServer(script: Script) {
  const received: Received[] = [];
  const served = new Map<string, number>();
  const hanging = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = (req.url ?? '').replace(/^\/api\/v1/, '');
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({
        method: req.method ?? '',
        url,
        headers: req.headers,
        body: raw === '' ? null : JSON.parse(raw),
      });
      const key = `${req.method} ${url.split('?')[0]}`;
      const replies = script[key];
      if (replies === undefined || replies.length === 0) {
        res.writeHead(418, { 'content-type': 'application/json' }).end(JSON.stringify({ unscripted: key }));
        return;
      }
      const index = served.get(key) ?? 0;
      served.set(key, index + 1);
      const reply = replies[Math.min(index, replies.length - 1)]!;
      if (reply.hang) {
        hanging.add(req);
        return;
      }
      const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** The requests for `METHOD /path`. */
    requests(method: string, path: string) {
      return received.filter((request) => request.method === method && request.url.split('?')[0] === path);
    },
    async stop() {
      for (const req of hanging) req.socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
