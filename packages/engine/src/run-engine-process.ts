import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type EngineResult, readResultFile } from './engine-result.js';
import { LineSplitter } from './line-splitter.js';
import { groupPollMs, signalGroup, trackGroup, untrackGroup } from './process-group.js';
import { describeGroup, type EngineGroup } from './process-identity.js';

/** Plain JavaScript, run by `node` as it is, from `src/` or (copied by the build) from `dist/`. */
const supervisorPath = join(dirname(fileURLToPath(import.meta.url)), 'supervisor', 'engine-supervisor.mjs');

export const EngineOutcome = {
  Succeeded: 'succeeded',
  Failed: 'failed',
  TimedOut: 'timed_out',
  Cancelled: 'cancelled',
} as const;
export type EngineOutcome = (typeof EngineOutcome)[keyof typeof EngineOutcome];

export type OutputStream = 'stdout' | 'stderr';

export interface EngineProcessOptions {
  /** The program and its arguments, run without a shell (say `bash -c ...` to get one). */
  command: readonly string[];
  cwd: string;
  /** The engine's whole environment: nothing is inherited implicitly. `TUNDRA_RESULT_FILE` (and
   * `TUNDRA_INSTRUCTIONS_FILE` with `instructions`) are added. */
  env: Record<string, string | undefined>;
  /** Written to a file outside the working directory; its path is `$TUNDRA_INSTRUCTIONS_FILE`. */
  instructions?: string;
  /** Written to the engine's stdin, which is then closed; without it the engine reads an empty stdin. */
  stdin?: string;
  timeoutMs: number;
  /** Aborting stops the engine's process group (a cancel, a pause, a shutdown). */
  signal?: AbortSignal;
  /** Each line the engine prints, in order per stream. Called synchronously: keep it cheap. */
  onLine?: (stream: OutputStream, line: string) => void;
  /** How long the group gets between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** How many of the last output lines to keep for summaries. */
  tailLines?: number;
  /** Keep stdout whole (plan engines answer on stdout), up to `maxStdoutBytes`. */
  captureStdout?: boolean;
  maxStdoutBytes?: number;
  /**
   * Called once the engine's process group exists, with what identifies it, so that it can be recorded and found
   * by another process if this one dies (see `killRecordedGroup`).
   */
  onSpawn?: (group: EngineGroup) => void;
}

export interface EngineProcessResult {
  outcome: EngineOutcome;
  exitCode: number | null;
  /** The signal that ended the engine, when one did. */
  signal: NodeJS.Signals | null;
  durationMs: number;
  /** The validated result file, when the engine wrote a valid one. */
  result: EngineResult | null;
  /** Why the engine did not succeed, for people; null on success. */
  reason: string | null;
  /** The last output lines, stdout and stderr interleaved as they arrived. */
  tail: string[];
  /** The whole stdout with `captureStdout`; null otherwise. */
  stdout: string | null;
}

const defaults = { killGraceMs: 10_000, tailLines: 50, maxStdoutBytes: 10 * 1024 * 1024 };

interface Supervised {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stoppedBy: 'timeout' | 'abort' | null;
  spawnError: Error | null;
  tail: string[];
  stdout: string | null;
  stdoutOverflow: boolean;
}

/**
 * Runs an engine program to completion as its own process group. On timeout or abort the whole group gets
 * SIGTERM, then SIGKILL after `killGraceMs`; processes the engine left behind when it exited are stopped the same
 * way. Resolves once the engine has exited and its output is read; never rejects for what the engine does.
 *
 * The group's leader is a small supervisor (`supervisor/engine-supervisor.mjs`) that runs the engine as its child
 * and holds a pipe to this process: when this process dies, even by SIGKILL, the pipe closes and the supervisor
 * stops the group the same way, so an engine never outlives its executor to write into a later attempt's work.
 */
export async function runEngineProcess(options: EngineProcessOptions): Promise<EngineProcessResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (options.signal?.aborted) {
    return finish('cancelled', 'cancelled before the engine started', null, null, elapsed(), [], null);
  }
  // Tundra's files live outside the working directory, so that committing the worktree never picks them up.
  const dir = await mkdtemp(join(tmpdir(), 'tundra-engine-'));
  try {
    const resultFile = join(dir, 'result.json');
    const env: Record<string, string | undefined> = { ...options.env, TUNDRA_RESULT_FILE: resultFile };
    if (options.instructions !== undefined) {
      env.TUNDRA_INSTRUCTIONS_FILE = join(dir, 'instructions.md');
      await writeFile(env.TUNDRA_INSTRUCTIONS_FILE, options.instructions, 'utf8');
    }
    const run = await supervise(options, env);
    const durationMs = elapsed();
    const end = (outcome: EngineOutcome, reason: string | null, result: EngineResult | null = null) =>
      finish(outcome, reason, run.exitCode, run.signal, durationMs, run.tail, run.stdout, result);

    if (run.stoppedBy === 'abort') return end('cancelled', `cancelled: ${abortReason(options.signal)}`);
    if (run.stoppedBy === 'timeout') {
      return end('timed_out', `timed out after ${Math.round(options.timeoutMs / 1000)} s`);
    }
    if (run.spawnError)
      return end('failed', `could not start ${options.command[0]}: ${run.spawnError.message}`);
    if (run.stdoutOverflow) {
      return end(
        'failed',
        `the engine printed more than ${options.maxStdoutBytes ?? defaults.maxStdoutBytes} bytes`,
      );
    }
    const read = await readResultFile(resultFile);
    if (read.kind === 'invalid') return end('failed', read.message);
    const result = read.kind === 'valid' ? read.result : null;
    const summary = result?.summary ? `: ${result.summary}` : '';
    if (run.exitCode !== 0) {
      const how = run.exitCode === null ? `was killed by ${run.signal}` : `exited with code ${run.exitCode}`;
      return end('failed', `the engine ${how}${summary}`, result);
    }
    if (result?.status === 'failed') return end('failed', `the engine reported a failure${summary}`, result);
    return end('succeeded', null, result);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function finish(
  outcome: EngineOutcome,
  reason: string | null,
  exitCode: number | null,
  signal: NodeJS.Signals | null,
  durationMs: number,
  tail: string[],
  stdout: string | null,
  result: EngineResult | null = null,
): EngineProcessResult {
  return { outcome, exitCode, signal, durationMs, result, reason, tail, stdout };
}

function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : 'stopped';
}

async function supervise(
  options: EngineProcessOptions,
  env: Record<string, string | undefined>,
): Promise<Supervised> {
  const killGraceMs = options.killGraceMs ?? defaults.killGraceMs;
  const maxStdoutBytes = options.maxStdoutBytes ?? defaults.maxStdoutBytes;
  const tail: string[] = [];
  const tailLines = options.tailLines ?? defaults.tailLines;
  const stdoutChunks: Buffer[] = [];
  let stdoutBytes = 0;
  let stdoutOverflow = false;
  const [program, ...args] = options.command;
  if (!program) throw new Error('an engine command needs a program');

  const child = spawn(process.execPath, [supervisorPath, String(killGraceMs), program, ...args], {
    cwd: options.cwd,
    env,
    detached: true,
    // fd 3 is the supervisor's lifeline: it reports a failed start on it, and its end-of-file means we died.
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'],
  });
  const spawnFailed = new Promise<Error>((resolve) => child.on('error', resolve));
  // The supervisor started, but the engine may not have: it then reports why on fd 3 and exits 127.
  let engineSpawnError: Error | null = null;
  let reported = '';
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
    reported += chunk.toString('utf8');
    const end = reported.indexOf('\n');
    if (end !== -1 && engineSpawnError === null) {
      engineSpawnError = new Error((JSON.parse(reported.slice(0, end)) as { spawnError: string }).spawnError);
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));

  const splitters = (['stdout', 'stderr'] as const).map((stream) => {
    const splitter = new LineSplitter((line) => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      options.onLine?.(stream, line);
    });
    const source = child[stream]!;
    source.on('data', (chunk: Buffer) => {
      splitter.push(chunk);
      if (stream === 'stdout' && options.captureStdout && !stdoutOverflow) {
        stdoutBytes += chunk.length;
        if (stdoutBytes > maxStdoutBytes) stdoutOverflow = true;
        else stdoutChunks.push(chunk);
      }
    });
    source.on('end', () => splitter.end());
    return source;
  });
  if (child.stdin) {
    // An engine that never reads its stdin closes the pipe early; that is not an error of the engine.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin);
  }

  const spawned = new Promise<null>((resolve) => child.once('spawn', () => resolve(null)));
  const spawnError = await Promise.race([spawned, spawnFailed]);
  const pid = child.pid;
  if (spawnError || pid === undefined) {
    return {
      exitCode: null,
      signal: null,
      stoppedBy: null,
      spawnError: spawnError ?? new Error('no process id'),
      tail,
      stdout: null,
      stdoutOverflow,
    };
  }
  return supervised();

  async function supervised(): Promise<Supervised> {
    const leader = pid as number;
    trackGroup(leader);
    options.onSpawn?.(describeGroup(leader));
    let stoppedBy: Supervised['stoppedBy'] = null;
    let leaderExited = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'timeout' | 'abort') => {
      if (stoppedBy || leaderExited) return;
      stoppedBy = why;
      signalGroup(leader, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(leader, 'SIGKILL'), killGraceMs);
    };
    const timeout = setTimeout(() => stop('timeout'), options.timeoutMs);
    const onAbort = () => stop('abort');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    try {
      const { code, signal } = await exited;
      leaderExited = true;
      clearTimeout(timeout);
      await reapGroup(leader, killGraceMs);
      // A process that left the group (setsid) may still hold the pipes open: stop reading after the grace.
      const forced = setTimeout(() => {
        for (const source of splitters) source.destroy();
      }, killGraceMs);
      await closed;
      clearTimeout(forced);
      return {
        exitCode: code,
        signal,
        stoppedBy,
        spawnError: engineSpawnError,
        tail,
        stdout: options.captureStdout ? Buffer.concat(stdoutChunks).toString('utf8') : null,
        stdoutOverflow,
      };
    } finally {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      untrackGroup(leader);
    }
  }
}

/**
 * Stops what is left of a group whose leader has exited: background processes the engine started, or the rest
 * of a group being stopped. SIGTERM, a grace period, then SIGKILL.
 */
async function reapGroup(pgid: number, killGraceMs: number): Promise<void> {
  if (!signalGroup(pgid, 0)) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + killGraceMs;
  while (Date.now() < deadline) {
    await delay(groupPollMs);
    if (!signalGroup(pgid, 0)) return;
  }
  signalGroup(pgid, 'SIGKILL');
}
