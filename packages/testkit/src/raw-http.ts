import { connect } from 'node:net';

export interface RawReply {
  /** 0 when the server closed the connection without answering. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** From the first byte sent to the connection's close. */
  elapsedMs: number;
}

export interface RawRequestOptions {
  /** Half-close the connection once `payload` is sent (the sender says it has nothing more). */
  end?: boolean;
  /** Give up (and fail) when the server has not closed the connection by then; 30 s by default. */
  timeoutMs?: number;
}

/**
 * Sends bytes over a plain TCP connection and reads the server's answer until it closes the connection: for the
 * requests fetch refuses to send (bad header characters, bodies shorter than their Content-Length, a broken
 * chunked encoding, stalls).
 */
export function rawRequest(
  url: string,
  payload: string | Buffer,
  options: RawRequestOptions = {},
): Promise<RawReply> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(payload);
      if (options.end) socket.end();
    });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${options.timeoutMs ?? 30_000} ms`));
    }, options.timeoutMs ?? 30_000);
    socket.on('data', (chunk) => chunks.push(chunk));
    // A reset after the answer was read is the server closing a connection it stopped reading: not a failure.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
        headers,
        body: rest.join('\r\n\r\n'),
        elapsedMs: performance.now() - started,
      });
    });
  });
}
