import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { type BackoffPolicy, backoffDelayMs } from '@tundra/core';

export interface ChildSpec {
  name: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string>;
  /** The line that says the process is up (its readiness message). */
  ready: RegExp;
  /** Called with that line when the process first prints it. */
  onReady?: (line: string) => void;
}

export interface SupervisorOptions {
  /** The wait before each restart in a row: the first waits `baseMs`, each next one twice as long, up to `maxMs`. */
  backoff: BackoffPolicy;
  /** A process that ran this long before it died starts its restarts from the first delay again. */
  stableMs: number;
  /** Where output goes, one line at a time (every line prefixed with the process name). */
  write: (line: string) => void;
}

/** Exit code of an app whose configuration is invalid: restarting it cannot help. */
const configRefused = 2;

interface Supervised {
  spec: ChildSpec;
  child: ChildProcess;
  startedAt: number;
  restarts: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * The processes `pnpm start` runs. Each gets its own process group, so a Ctrl-C at the terminal reaches only
 * `pnpm start`, which stops them in reverse order of start (apps before the services they use). A process that
 * dies is started again after a backoff, and its output says so; one that refuses its configuration (exit code 2)
 * is not, and the supervisor gives up.
 */
export class Supervisor {
  private readonly processes: Supervised[] = [];
  private stopping = false;

  constructor(
    private readonly cwd: string,
    private readonly options: SupervisorOptions,
    /** Called when a process cannot be kept running (it refused its configuration after start). */
    private readonly onGiveUp: (error: Error) => void = () => undefined,
  ) {}

  /** Starts a process and resolves once it printed its ready line; rejects if it refuses its configuration. */
  start(spec: ChildSpec): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry: Supervised = { spec, child: this.spawn(spec), startedAt: Date.now(), restarts: 0 };
      this.processes.push(entry);
      this.say(spec.name, `started (pid ${entry.child.pid})`);
      let ready = false;
      const watch = (child: ChildProcess) => {
        this.lines(entry, child, (line) => {
          if (!ready && spec.ready.test(line)) {
            ready = true;
            spec.onReady?.(line);
            resolve();
          }
        });
        // 'close' comes once the process exited and its output was read to the end.
        child.once('close', (code, signal) => {
          const gaveUp = this.exited(entry, code, signal, watch);
          if (gaveUp && !ready) reject(gaveUp);
          else if (gaveUp) this.onGiveUp(gaveUp);
        });
      };
      watch(entry.child);
    });
  }

  /** The pid of a running process, by name. */
  pid(name: string): number | undefined {
    return this.processes.find((p) => p.spec.name === name)?.child.pid;
  }

  /** Stops every process with SIGTERM, last started first, each waited for; nothing is restarted from now on. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const entry of [...this.processes].reverse()) {
      clearTimeout(entry.restartTimer);
      const { child } = entry;
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<string>((resolve) =>
        child.once('close', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
      );
      child.kill('SIGTERM');
      this.say(entry.spec.name, `stopped (${await exited})`);
    }
  }

  private spawn(spec: ChildSpec): ChildProcess {
    return spawn(spec.command, spec.args, {
      cwd: this.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  }

  private lines(entry: Supervised, child: ChildProcess, onLine: (line: string) => void): void {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => {
        this.say(entry.spec.name, line);
        onLine(line);
      });
    }
  }

  /** Handles an exit: a restart after the backoff, or the error to give up with. */
  private exited(
    entry: Supervised,
    code: number | null,
    signal: NodeJS.Signals | null,
    watch: (child: ChildProcess) => void,
  ): Error | null {
    if (this.stopping) return null;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (code === configRefused) {
      this.say(entry.spec.name, `exited (${how}): its configuration is refused, so it is not restarted`);
      return new Error(`${entry.spec.name} exited (${how}): fix its configuration`);
    }
    if (Date.now() - entry.startedAt >= this.options.stableMs) entry.restarts = 0;
    entry.restarts++;
    const delayMs = backoffDelayMs(entry.restarts + 1, this.options.backoff);
    this.say(
      entry.spec.name,
      `exited (${how}); restarting in ${delayMs / 1000} s (restart ${entry.restarts})`,
    );
    entry.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      entry.child = this.spawn(entry.spec);
      entry.startedAt = Date.now();
      this.say(entry.spec.name, `restarted (pid ${entry.child.pid})`);
      watch(entry.child);
    }, delayMs);
    return null;
  }

  private say(name: string, line: string): void {
    this.options.write(`${name.padEnd(9)}| ${line}`);
  }
}
