import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';

/** How a request's bytes go out: all at once, or a few bytes at a time (a slow sender), possibly never finished. */
export interface Delivery {
  bytes: Buffer;
  /** Send `chunkBytes` every `intervalMs` instead of all at once. */
  slow?: { chunkBytes: number; intervalMs: number };
  /** Stop sending after this many bytes and wait (a body shorter than its Content-Length, a stalled upload). */
  stopAfter?: number;
}

export interface RawAnswer {
  /** null when the server closed (or the cap passed) without an answer. */
  status: number | null;
  headers: Record<string, string>;
  body: string;
  ms: number;
  /** The server had not answered or closed by the cap: it held the connection. */
  held: boolean;
  error: string | null;
}

/**
 * One request over a raw TCP connection, so that it can be anything (bad header bytes, lies about its length,
 * sent slowly). Reads until the server closes, or until the answer it announced is complete, or until `capMs`.
 */
export function rawRequest(port: number, delivery: Delivery, capMs: number): Promise<RawAnswer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const received: Buffer[] = [];
    let settled = false;
    let sender: NodeJS.Timeout | undefined;
    const finish = (held: boolean, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(cap);
      clearInterval(sender);
      socket.destroy();
      resolve({ ...parse(Buffer.concat(received)), ms: performance.now() - started, held, error });
    };
    const cap = setTimeout(() => finish(true, null), capMs);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (complete(Buffer.concat(received))) finish(false, null);
    });
    socket.on('end', () => finish(false, null));
    socket.on('close', () => finish(false, null));
    socket.on('error', (error) => finish(false, error.message));
    socket.on('connect', () => {
      const limit = Math.min(delivery.bytes.length, delivery.stopAfter ?? delivery.bytes.length);
      if (!delivery.slow) {
        socket.write(delivery.bytes.subarray(0, limit));
        return;
      }
      let offset = 0;
      const { chunkBytes, intervalMs } = delivery.slow;
      sender = setInterval(() => {
        if (offset >= limit || socket.destroyed) {
          clearInterval(sender);
          return;
        }
        socket.write(delivery.bytes.subarray(offset, Math.min(limit, offset + chunkBytes)));
        offset += chunkBytes;
      }, intervalMs);
    });
  });
}

const headerEnd = Buffer.from('\r\n\r\n');

/** Whether the bytes hold a whole answer: headers, and the body their Content-Length (or chunking) announces. */
function complete(data: Buffer): boolean {
  const end = data.indexOf(headerEnd);
  if (end === -1) return false;
  const head = data.subarray(0, end).toString('latin1').toLowerCase();
  // A live tail that was let in never ends: its headers are the answer.
  if (/\r\ncontent-type:\s*text\/event-stream/.test(head)) return true;
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (length) return data.length - end - 4 >= Number(length[1]);
  if (/\r\ntransfer-encoding:\s*chunked/.test(head)) return data.subarray(end).includes('\r\n0\r\n\r\n');
  return false;
}

function parse(data: Buffer): Omit<RawAnswer, 'ms' | 'held' | 'error'> {
  const end = data.indexOf(headerEnd);
  if (end === -1) return { status: null, headers: {}, body: '' };
  const [statusLine, ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = data.subarray(end + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = unchunk(body);
  return { status: status ? Number(status[1]) : null, headers, body: body.toString('utf8') };
}

function unchunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** An HTTP/1.1 request as bytes; `headers` go out as given (names, values and order untouched). */
export function requestBytes(
  method: string,
  target: string | Buffer,
  headers: readonly (readonly [string, string | Buffer])[],
  body: Buffer = Buffer.alloc(0),
): Buffer {
  const parts: Buffer[] = [Buffer.from(`${method} `, 'latin1')];
  parts.push(typeof target === 'string' ? Buffer.from(target, 'latin1') : target);
  parts.push(Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n', 'latin1'));
  for (const [name, value] of headers) {
    parts.push(
      Buffer.from(`${name}: `, 'latin1'),
      typeof value === 'string' ? Buffer.from(value, 'latin1') : value,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from('\r\n'), body);
  return Buffer.concat(parts);
}
