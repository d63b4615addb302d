import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type DemoSeed,
  startTaigaSandbox,
  type TaigaSandbox,
  type TaigaSandboxOptions,
} from '../src/index.js';

export { type ApiCapture, loadCapture, type WebhookCapture } from '../../taiga/test/fixtures/index.js';

/** A received webhook: headers in wire order, the raw body bytes. */
export interface ReceivedWebhook {
  rawHeaders: [string, string][];
  header(name: string): string | undefined;
  rawBody: Buffer;
}

/** A loopback webhook receiver; `next()` resolves with the next POST (or one already received and not taken). */
export interface Receiver {
  url: string;
  next(): Promise<ReceivedWebhook>;
  /** POSTs received so far and not yet taken by `next()`. */
  pending(): number;
  setStatus(status: number): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const queue: ReceivedWebhook[] = [];
  const waiters: ((hook: ReceivedWebhook) => void)[] = [];
  let status = 200;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawHeaders: [string, string][] = [];
      for (let index = 0; index < req.rawHeaders.length; index += 2) {
        rawHeaders.push([req.rawHeaders[index] as string, req.rawHeaders[index + 1] as string]);
      }
      const hook: ReceivedWebhook = {
        rawHeaders,
        header: (name) => rawHeaders.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1],
        rawBody: Buffer.concat(chunks),
      };
      res.statusCode = status;
      res.end('ok');
      const waiter = waiters.shift();
      if (waiter) waiter(hook);
      else queue.push(hook);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    next: () => {
      const ready = queue.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiters.push(resolve));
    },
    pending: () => queue.length,
    setStatus: (next) => {
      status = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface Harness {
  sandbox: TaigaSandbox;
  seed: DemoSeed;
  receiver: Receiver;
  api: string;
  /** Logs in and returns the `Authorization` header of that user. */
  login(username: string, password: string): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startHarness(options: TaigaSandboxOptions = {}): Promise<Harness> {
  const receiver = await startReceiver();
  const sandbox = await startTaigaSandbox(options);
  const seed = await sandbox.seedDemo({ webhookUrl: receiver.url, webhookKey: 'secret123' });
  const api = `${sandbox.url}/api/v1`;
  return {
    sandbox,
    seed,
    receiver,
    api,
    async login(username, password) {
      const response = await fetch(`${api}/auth`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'normal', username, password }),
      });
      const body = (await response.json()) as { auth_token: string };
      return { Authorization: `Bearer ${body.auth_token}`, 'Content-Type': 'application/json' };
    },
    async stop() {
      await sandbox.stop();
      await receiver.close();
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<JsonResponse> {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/**
 * Differences between the structure of a real Taiga body and the sandbox's: missing or extra keys, differing
 * types. A `null` on either side, or an empty array, matches anything (values that naturally differ between runs).
 * With `ordered`, object keys must also come in the same order (webhook bodies are byte-compared by some receivers).
 */
export function shapeDifferences(expected: unknown, actual: unknown, ordered = false, path = '$'): string[] {
  if (expected === null || actual === null) return [];
  if (Array.isArray(expected) || Array.isArray(actual)) {
    if (!Array.isArray(expected) || !Array.isArray(actual)) return [`${path}: array vs ${typeof actual}`];
    if (expected.length === 0 || actual.length === 0) return [];
    return shapeDifferences(expected[0], actual[0], ordered, `${path}[0]`);
  }
  if (typeof expected === 'object' && typeof actual === 'object') {
    const expectedKeys = Object.keys(expected as object);
    const actualKeys = Object.keys(actual as object);
    const differences = [
      ...expectedKeys.filter((key) => !actualKeys.includes(key)).map((key) => `${path}.${key}: missing`),
      ...actualKeys
        .filter((key) => !expectedKeys.includes(key))
        .map((key) => `${path}.${key}: not in Taiga's body`),
    ];
    if (ordered && differences.length === 0 && expectedKeys.join() !== actualKeys.join()) {
      differences.push(`${path}: key order ${actualKeys.join()} instead of ${expectedKeys.join()}`);
    }
    for (const key of expectedKeys.filter((candidate) => actualKeys.includes(candidate))) {
      differences.push(
        ...shapeDifferences(
          (expected as Record<string, unknown>)[key],
          (actual as Record<string, unknown>)[key],
          ordered,
          `${path}.${key}`,
        ),
      );
    }
    return differences;
  }
  return typeof expected === typeof actual ? [] : [`${path}: ${typeof expected} vs ${typeof actual}`];
}
