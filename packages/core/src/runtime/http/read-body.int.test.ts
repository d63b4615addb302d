import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BodyOutcome, readBody } from './read-body.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A sender in a process of its own: it sends the request's head, waits for `go` to exist, sends the body, and
 * creates `sent` once the kernel has taken it.
 */
const sender = `
const net = require('node:net'), fs = require('node:fs');
const [port, go, sent] = process.argv.slice(1);
const body = Buffer.alloc(64 * 1024, 'x');
const socket = net.connect(Number(port), '127.0.0.1', () => {
  socket.write('POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: ' + body.length + '\\r\\n\\r\\n');
  const wait = setInterval(() => {
    if (!fs.existsSync(go)) return;
    clearInterval(wait);
    socket.write(body, () => fs.writeFileSync(sent, ''));
  }, 5);
});
socket.on('data', () => socket.destroy());
socket.on('error', () => {});
`;

describe('readBody', () => {
  it('does not take a stall of its own process for a sender that paused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tundra-read-body-'));
    dirs.push(dir);
    const go = join(dir, 'go');
    const sent = join(dir, 'sent');
    const timeoutMs = 100;
    const outcome = new Promise<BodyOutcome>((resolve) => {
      const server = createServer((req: IncomingMessage, res) => {
        const reading = readBody(req, { limitBytes: 1_048_576, timeoutMs });
        const armedAt = Date.now();
        // This process now stalls (as under a long GC) while the whole body arrives, until the pause timer is
        // overdue: the bytes are waiting in the kernel when the timer comes due.
        writeFileSync(go, '');
        while (!existsSync(sent) || Date.now() - armedAt < timeoutMs * 3) {
          /* busy: the event loop is blocked on purpose */
        }
        void reading.then((result) => {
          res.end();
          server.close();
          resolve(result);
        });
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        spawn(process.execPath, ['-e', sender, String(port), go, sent], { stdio: 'ignore' });
      });
    });
    const result = await outcome;
    expect(result.kind).toBe('body');
    expect(result.kind === 'body' ? result.bytes.length : 0).toBe(64 * 1024);
  });
});
