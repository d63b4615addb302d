import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root, for spawning apps and scripts by path. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface AppProcess {
  child: ChildProcess;
  /** Every JSON log line printed so far (non-JSON lines are kept as `{ msg: line }`). */
  lines: Record<string, unknown>[];
  stderr: string[];
  /** Resolves with the first log line (already printed or still to come) that matches. */
  waitForLine(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Sends `signal` once (later calls only wait) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a TypeScript entry point of the repo as a real child process (from source, through tsx and the `source`
 * export condition), with JSON logs so tests can wait on what the app says instead of on the clock.
 */
export function spawnApp(
  entry: string,
  env: Record<string, string>,
  /** Keep only the last `maxLines` log lines (long runs under load); all of them by default. */
  options: { maxLines?: number } = {},
): AppProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', resolve(repoRoot, entry)],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TUNDRA_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{
    predicate: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { msg: text };
    }
    lines.push(line);
    if (options.maxLines !== undefined && lines.length > options.maxLines) lines.shift();
    for (const waiter of waiters) {
      if (waiter.predicate(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr! }).on('line', (text) => stderr.push(text));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  let signalled = false;

  return {
    child,
    lines,
    stderr,
    exited,
    waitForLine(predicate, timeoutMs = 30_000) {
      const seen = lines.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolvePromise, reject) => {
        const waiter = { predicate, resolve: resolvePromise };
        waiters.add(waiter);
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(
            new Error(`${entry} printed no matching line in ${timeoutMs} ms; stderr: ${stderr.join('\n')}`),
          );
        }, timeoutMs);
        exited.then((code) => {
          if (!waiters.has(waiter)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          reject(
            new Error(
              `${entry} exited with ${code} before printing a matching line; stderr: ${stderr.join('\n')}`,
            ),
          );
        });
      });
    },
    async stop(signal = 'SIGTERM') {
      // One signal only: a second one would turn a graceful stop into the app's forced exit (code 1).
      if (!signalled && child.exitCode === null && child.signalCode === null) {
        signalled = true;
        child.kill(signal);
      }
      return exited;
    },
  };
}
