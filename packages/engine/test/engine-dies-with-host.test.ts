import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tundra-engine-host-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const host = resolve(import.meta.dirname, 'engine-host.ts');

/**
 * An engine that ignores SIGTERM and a grandchild in its group, both holding the write end of a FIFO: the test's
 * read of the FIFO ends (EOF) exactly when every one of them is gone, an event to wait on instead of the clock.
 */
const engine = [
  'bash',
  '-c',
  'exec 3>"$ENGINE_FIFO"; trap "" TERM; sleep 600 & echo "pgid $(ps -o pgid= $$)"; wait',
];

describe('an engine whose executor is killed with SIGKILL', () => {
  it('dies with it, its whole process group included', async () => {
    const fifo = join(dir, 'lifeline');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', host, ...engine], {
      env: { ...process.env, ENGINE_FIFO: fifo },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let pgid = 0;
    try {
      const started = new Promise<void>((resolveStarted) =>
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const match = /^pgid\s*(\d+)$/.exec(line);
          if (match) {
            pgid = Number(match[1]);
            resolveStarted();
          }
        }),
      );
      // Opening the FIFO for reading waits for the engine to open it for writing.
      const reader = createReadStream(fifo);
      const opened = once(reader, 'open');
      const engineGone = once(reader, 'end').then(() => 'gone');
      reader.resume();
      await Promise.all([started, opened]);

      child.kill('SIGKILL');
      await once(child, 'exit');
      // The read ends once no process of the group holds the FIFO any more; before the fix it never did.
      const outlived = new Promise((resolveTimer) =>
        setTimeout(() => resolveTimer('the engine outlived its executor'), 20_000),
      );
      expect(await Promise.race([engineGone, outlived])).toBe('gone');
    } finally {
      child.kill('SIGKILL');
      if (pgid > 0) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          // Gone already: what the test wants.
        }
      }
    }
  });
});
