import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackReceiver {
  /** The incoming-webhook URL to configure (`http://127.0.0.1:PORT/services/T000/B000/XXXX`). */
  url: string;
  /** Every JSON body posted, oldest first. */
  messages(): unknown[];
  /** Resolves once `count` messages have arrived. */
  waitFor(count: number): Promise<unknown[]>;
  stop(): Promise<void>;
}

/**
 * A Slack-compatible incoming webhook on loopback: it answers a JSON POST `200 ok` as Slack does, `400
 * invalid_payload` to anything else, keeps what it got, and appends each message as one JSON line to `logFile`.
 */
export async function startSlackReceiver(options: { logFile?: string } = {}): Promise<SlackReceiver> {
  const received: unknown[] = [];
  const waiters: { count: number; resolve: (messages: unknown[]) => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
        return;
      }
      received.push(body);
      if (options.logFile)
        appendFileSync(options.logFile, `${JSON.stringify({ at: new Date().toISOString(), body })}\n`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve([...received]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/services/T000/B000/XXXX`,
    messages: () => [...received],
    waitFor: (count) =>
      received.length >= count
        ? Promise.resolve([...received])
        : new Promise((resolve) => waiters.push({ count, resolve })),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
