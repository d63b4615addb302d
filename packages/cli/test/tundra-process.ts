import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { repoRoot } from '@tundra/testkit';

/** The checkout's `tundra` bin, as `pnpm exec tundra` runs it (from the sources; see bin/tundra.mjs). */
export const workspaceBin = join(repoRoot, 'packages/cli/bin/tundra.mjs');

export interface TundraOptions {
  /** The command and its first arguments; `node <workspaceBin>` unless given (e.g. an installed `tundra`). */
  command?: readonly [string, ...string[]];
  /** The working directory; the repository root unless given. */
  cwd?: string;
}

export interface TundraRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface TundraProcess {
  child: ChildProcess;
  /** Resolves once stdout contains `text`. */
  printed(text: string): Promise<void>;
  done: Promise<TundraRun>;
}

/** Runs the real `tundra` bin as a child process. */
export function spawnTundra(
  args: readonly string[],
  env: Record<string, string>,
  options: TundraOptions = {},
): TundraProcess {
  const [command, ...first] = options.command ?? [process.execPath, workspaceBin];
  const child = spawn(command, [...first, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: 'pipe',
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of [...waiters]) {
      if (stdout.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return {
    child,
    done,
    printed: (text) =>
      stdout.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            done.then((run) =>
              reject(new Error(`tundra exited (${run.code}) before printing ${text}: ${run.stderr}`)),
            );
          }),
  };
}

/** Runs `tundra` to completion. */
export function tundra(
  args: readonly string[],
  env: Record<string, string>,
  options: TundraOptions = {},
): Promise<TundraRun> {
  return spawnTundra(args, env, options).done;
}
