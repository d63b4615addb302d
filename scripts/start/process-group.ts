import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * The child processes `pnpm start` runs: output prefixed with the process name, stopped in reverse order of
 * start (apps before the services they use) on Ctrl-C, and everything stopped when one of them dies.
 */
export class ProcessGroup {
  private readonly children: { name: string; child: ChildProcess }[] = [];
  private readonly lineWaiters = new Map<
    ChildProcess,
    { pattern: RegExp; resolve: (line: string) => void }[]
  >();
  private stopping = false;

  constructor(private readonly cwd: string) {}

  start(
    name: string,
    command: string,
    args: readonly string[],
    env: Record<string, string> = {},
  ): ChildProcess {
    // Own process group: a Ctrl-C at the terminal reaches only `pnpm start`, which stops apps before Redis.
    const child = spawn(command, args, {
      cwd: this.cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => {
        console.log(`${name.padEnd(9)}| ${line}`);
        const waiters = this.lineWaiters.get(child) ?? [];
        for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      });
    }
    child.on('exit', (code, signal) => {
      console.log(`${name.padEnd(9)}| exited (${signal ?? code})`);
      if (!this.stopping) void this.stopAll(1);
    });
    this.children.push({ name, child });
    return child;
  }

  /** Resolves with the first line the process prints that matches (its readiness message). */
  waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
    return new Promise((resolve) => {
      const waiters = this.lineWaiters.get(child) ?? [];
      waiters.push({ pattern, resolve });
      this.lineWaiters.set(child, waiters);
    });
  }

  async stopAll(code: number): Promise<never> {
    this.stopping = true;
    for (const { child } of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    process.exit(code);
  }
}
