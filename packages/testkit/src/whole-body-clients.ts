import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WholeBodyReply {
  status: number;
  body: string;
}

export type WholeBodySender = (
  url: string,
  body: Buffer,
  headers: Record<string, string>,
) => Promise<WholeBodyReply>;

const pythonUrllib = `
import json, sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1], data=open(sys.argv[2], 'rb').read(), headers=json.loads(sys.argv[3]), method='POST')
try:
    res = urllib.request.urlopen(req)
    status, body = res.status, res.read()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read()
print(status)
sys.stdout.write(body.decode())
`;

/** Runs `send` with the body in a file of its own, for the clients that read it from disk. */
async function withBodyFile<T>(body: Buffer, send: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'tundra-whole-body-'));
  try {
    const file = join(dir, 'body');
    await writeFile(file, body);
    return await send(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Ordinary HTTP clients, as real senders run them: each writes its whole body before it reads the answer (curl,
 * Python's urllib, which Taiga's `requests` sender behaves like, and Node's fetch). A server that answers and closes
 * while they still write makes them report a broken pipe instead of its status.
 */
export const wholeBodyClients: Record<string, WholeBodySender> = {
  curl: (url, body, headers) =>
    withBodyFile(body, async (file) => {
      const args = ['-sS', '-X', 'POST', '--data-binary', `@${file}`, '-w', '\n%{http_code}', url];
      for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
      const { stdout } = await run('curl', args);
      const at = stdout.lastIndexOf('\n');
      return { status: Number(stdout.slice(at + 1)), body: stdout.slice(0, at) };
    }),
  'python urllib': (url, body, headers) =>
    withBodyFile(body, async (file) => {
      const { stdout } = await run('python3', ['-c', pythonUrllib, url, file, JSON.stringify(headers)]);
      const at = stdout.indexOf('\n');
      return { status: Number(stdout.slice(0, at)), body: stdout.slice(at + 1) };
    }),
  'node fetch': async (url, body, headers) => {
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text() };
  },
};
