import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from '@tundra/core/server';

export type ItemKind = 'tasks' | 'userstories';

export interface ConflictProxyOptions {
  /** Base URL of the Taiga to forward to. */
  target: string;
  /** A person's edit of the same item and field, made before Tundra's PATCH reaches Taiga. */
  editFirst(kind: ItemKind, id: number, body: { status: number; version: number }): Promise<void>;
}

export interface ConflictProxy {
  url: string;
  /** Resolves once the person's edit was made and Tundra's PATCH forwarded behind it. */
  conflicted: Promise<void>;
  stop(): Promise<void>;
}

const hopByHop = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'content-encoding',
]);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A pass-through proxy in front of Taiga that stages one real version conflict: the first time Tundra PATCHes an
 * item's status, a person changes that status first, so Tundra's PATCH carries a version Taiga no longer has.
 */
export async function startConflictProxy(options: ConflictProxyOptions): Promise<ConflictProxy> {
  let staged = false;
  let markConflicted: () => void = () => undefined;
  const conflicted = new Promise<void>((resolve) => {
    markConflicted = resolve;
  });

  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const match = /^\/api\/v1\/(tasks|userstories)\/(\d+)$/.exec((req.url ?? '').split('?')[0] ?? '');
    let stagedNow = false;
    if (!staged && req.method === 'PATCH' && match) {
      const patch = JSON.parse(body.toString('utf8')) as { status?: number; version?: number };
      if (typeof patch.status === 'number' && typeof patch.version === 'number') {
        staged = true;
        stagedNow = true;
        await options.editFirst(match[1] as ItemKind, Number(match[2]), {
          status: patch.status,
          version: patch.version,
        });
      }
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers)
        .filter(([name, value]) => !hopByHop.has(name) && typeof value === 'string')
        .map(([name, value]) => [name, value as string]),
    );
    const answer = await fetch(`${options.target}${req.url}`, {
      method: req.method ?? 'GET',
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
    const payload = Buffer.from(await answer.arrayBuffer());
    answer.headers.forEach((value, name) => {
      if (!hopByHop.has(name)) res.setHeader(name, value);
    });
    res.statusCode = answer.status;
    res.end(payload);
    if (stagedNow) markConflicted();
  };

  const server = createServer((req, res) => {
    forward(req, res).catch((error: unknown) => {
      res.statusCode = 502;
      res.end(JSON.stringify({ error: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, conflicted, stop: () => closeServer(server) };
}
