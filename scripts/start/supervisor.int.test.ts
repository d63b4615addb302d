import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Supervisor } from './supervisor.js';

const dir = mkdtempSync(join(tmpdir(), 'tundra-supervisor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A program that says it is ready, then crashes after `crashAfterMs` (0: never) unless a file says to stay up. */
const program = join(dir, 'app.mjs');
writeFileSync(
  program,
  `import { existsSync } from 'node:fs';
process.on('SIGTERM', () => { console.log('stopping cleanly'); process.exit(0); });
console.log('app is ready');
const crashAfter = Number(process.argv[2]);
if (crashAfter > 0 && !existsSync(process.argv[3])) setTimeout(() => process.exit(3), crashAfter);
setInterval(() => {}, 1000);
`,
);

function output() {
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  return {
    lines,
    write: (line: string) => {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    },
    next: (pattern: RegExp) => new Promise<string>((resolve) => waiters.push({ pattern, resolve })),
  };
}

/** A supervisor writing to `out`, restarting after `baseMs` doubling up to `maxMs`. */
function supervisorOf(out: ReturnType<typeof output>, baseMs = 50, maxMs = 50) {
  return new Supervisor(dir, { backoff: { baseMs, maxMs }, stableMs: 60_000, write: out.write });
}

/** The test program as a supervised process: crashing after `crashAfterMs` until `healed` exists (0: never). */
const app = (name: string, crashAfterMs = 0, healed = '') => ({
  name,
  command: process.execPath,
  args: [program, String(crashAfterMs), healed],
  ready: /is ready/,
});

describe('Supervisor', () => {
  it('restarts a process that crashes, with growing delays, and says so', async () => {
    const out = output();
    const healed = join(dir, 'healed');
    const supervisor = supervisorOf(out, 100, 400);
    await supervisor.start(app('flaky', 50, healed));
    await out.next(/flaky\s+\| exited \(code 3\); restarting in 0\.4 s \(restart 3\)/);
    writeFileSync(healed, '');
    expect(out.lines.filter((l) => l.includes('restarting in')).slice(0, 3)).toEqual([
      expect.stringContaining('exited (code 3); restarting in 0.1 s (restart 1)'),
      expect.stringContaining('exited (code 3); restarting in 0.2 s (restart 2)'),
      expect.stringContaining('exited (code 3); restarting in 0.4 s (restart 3)'),
    ]);
    await out.next(/flaky\s+\| app is ready/);
    await supervisor.stop();
    expect(out.lines.at(-2)).toMatch(/flaky\s+\| stopping cleanly/);
    expect(out.lines.at(-1)).toMatch(/flaky\s+\| stopped \(code 0\)$/);
  });

  it('restarts a process killed with SIGKILL', async () => {
    const out = output();
    const supervisor = supervisorOf(out);
    await supervisor.start(app('victim'));
    const pid = supervisor.pid('victim')!;
    const restarted = out.next(/victim\s+\| exited \(signal SIGKILL\); restarting in 0\.05 s \(restart 1\)/);
    process.kill(pid, 'SIGKILL');
    await restarted;
    await out.next(/victim\s+\| app is ready/);
    expect(supervisor.pid('victim')).not.toBe(pid);
    await supervisor.stop();
  });

  it('stops everything in reverse order of start, and restarts nothing while stopping', async () => {
    const out = output();
    const supervisor = supervisorOf(out);
    for (const name of ['first', 'second', 'third']) await supervisor.start(app(name));
    await supervisor.stop();
    const stopped = out.lines.filter((l) => l.includes('| stopped (code 0)')).map((l) => l.split(' ')[0]);
    expect(stopped).toEqual(['third', 'second', 'first']);
    expect(out.lines.some((l) => l.includes('restarting'))).toBe(false);
  });

  it('does not restart a process that refuses its configuration (exit code 2): it gives up', async () => {
    const out = output();
    const supervisor = supervisorOf(out);
    const failed = supervisor.start({
      name: 'misconfigured',
      command: process.execPath,
      args: ['-e', 'console.error("bad config"); process.exit(2)'],
      ready: /is ready/,
    });
    await expect(failed).rejects.toThrow(/misconfigured exited \(code 2\)/);
    expect(out.lines.some((l) => l.includes('restarting'))).toBe(false);
    await supervisor.stop();
  });
});
