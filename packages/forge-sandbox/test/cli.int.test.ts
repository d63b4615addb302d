import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** `forge-sandbox serve` as a real process: its controls over HTTP, a clean stop, and its state kept in --data-dir. */

const bin = fileURLToPath(new URL('../bin/forge-sandbox.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'forge-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function serve(): Promise<{ child: ChildProcess; urls: { github: string; gitlab: string } }> {
  const child = spawn(process.execPath, [bin, 'serve', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, urls: JSON.parse(line) };
}

async function admin(base: string, path: string, body?: unknown) {
  const response = await fetch(`${base}/_sandbox${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as any };
}

describe('forge-sandbox serve', () => {
  it('takes its controls over HTTP, stops on SIGTERM with 0, and starts again with the same state', async () => {
    const first = await serve();
    const gh = first.urls.github;
    expect((await admin(gh, '/repos', { fullName: 'acme/widgets' })).status).toBe(200);
    expect(
      (await admin(gh, '/members', { repo: 'acme/widgets', login: 'alice', role: 'write' })).status,
    ).toBe(200);
    const { json } = await admin(gh, '/tokens', { login: 'alice', access: 'write' });
    expect(json.token).toMatch(/^github_pat_/);
    expect(
      (await admin(gh, '/act', { as: 'alice', repo: 'acme/widgets', number: 1, action: 'merge' })).json.error,
    ).toMatch(/no pull request 1/);
    expect((await admin(gh, '/repos', {})).json.error).toBe('missing fullName');
    first.child.kill('SIGTERM');
    const [code] = await once(first.child, 'exit');
    expect(code).toBe(0);

    const second = await serve();
    const repo = await fetch(`${second.urls.github}/api/v3/repos/acme/widgets`, {
      headers: { authorization: `token ${json.token}` },
    });
    expect(repo.status).toBe(200);
    expect(((await repo.json()) as any).permissions.push).toBe(true);
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
  });
});
