import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineRunner } from './engine-runner.js';
import { runEngineProcess } from './run-engine-process.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tundra-engine-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an executable bash script into the test directory and returns its argv. */
function script(name: string, body: string): string[] {
  const path = join(dir, name);
  writeFileSync(path, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(path, 0o755);
  return [path];
}

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/**
 * Whether a process still runs. A killed grandchild is reparented to PID 1, which may reap it late: until then
 * it is a zombie, which has exited (signal 0 still reaches it, so /proc tells the two apart).
 */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves with the pids an engine prints as `pid <n>` once it has printed `count` of them. */
function pidCollector(count: number) {
  const pids: number[] = [];
  let resolve!: (pids: number[]) => void;
  const ready = new Promise<number[]>((r) => {
    resolve = r;
  });
  return {
    ready,
    onLine: (_stream: string, line: string) => {
      const match = /^pid (\d+)$/.exec(line);
      if (match) pids.push(Number(match[1]));
      if (pids.length === count) resolve(pids);
    },
  };
}

/** An engine that starts a grandchild `sleep` in its group, prints both pids and waits. */
const sleeper = (trap = '') => `${trap}
sleep 300 &
echo "pid $$"
echo "pid $!"
wait`;

describe('runEngineProcess', () => {
  it('succeeds on exit code 0 without a result file, streaming lines in order', async () => {
    const lines: string[] = [];
    const result = await runEngineProcess({
      command: script('ok.sh', 'echo one\necho two >&2\necho three\nprintf "no newline"'),
      cwd: dir,
      env,
      timeoutMs: 10_000,
      onLine: (stream, line) => lines.push(`${stream}:${line}`),
    });
    expect(result).toMatchObject({
      outcome: 'succeeded',
      exitCode: 0,
      signal: null,
      result: null,
      reason: null,
    });
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual([
      'stdout:one',
      'stdout:three',
      'stdout:no newline',
    ]);
    expect(lines).toContain('stderr:two');
    expect(result.tail).toHaveLength(4);
  });

  it('fails on a non-zero exit code and keeps the tail', async () => {
    const result = await runEngineProcess({
      command: script('fail.sh', 'for i in $(seq 1 100); do echo "line $i"; done\nexit 3'),
      cwd: dir,
      env,
      timeoutMs: 10_000,
      tailLines: 5,
    });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3, reason: 'the engine exited with code 3' });
    expect(result.tail).toEqual(['line 96', 'line 97', 'line 98', 'line 99', 'line 100']);
  });

  it('passes instructions in a file and stdin, and reads a valid result file', async () => {
    const result = await runEngineProcess({
      command: script(
        'result.sh',
        `read -r first
echo "stdin: $first"
echo "instructions: $(cat "$TUNDRA_INSTRUCTIONS_FILE")"
cat > "$TUNDRA_RESULT_FILE" <<JSON
{"status":"succeeded","summary":"did the thing","tokens":{"input":120,"output":30},"costUsd":0.5}
JSON`,
      ),
      cwd: dir,
      env,
      stdin: 'from stdin\n',
      instructions: 'Add a README',
      timeoutMs: 10_000,
      captureStdout: true,
    });
    expect(result).toMatchObject({
      outcome: 'succeeded',
      result: {
        status: 'succeeded',
        summary: 'did the thing',
        tokens: { input: 120, output: 30 },
        costUsd: 0.5,
      },
    });
    expect(result.stdout).toBe('stdin: from stdin\ninstructions: Add a README\n');
  });

  it('fails when the engine reports a failure in its result file, even with exit code 0', async () => {
    const result = await runEngineProcess({
      command: script(
        'reported.sh',
        `echo '{"status":"failed","summary":"tests do not pass"}' > "$TUNDRA_RESULT_FILE"`,
      ),
      cwd: dir,
      env,
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({
      outcome: 'failed',
      exitCode: 0,
      reason: 'the engine reported a failure: tests do not pass',
    });
  });

  it('fails with the validation message when the result file is invalid', async () => {
    const result = await runEngineProcess({
      command: script('bad-result.sh', `echo '{"status":"great"}' > "$TUNDRA_RESULT_FILE"`),
      cwd: dir,
      env,
      timeoutMs: 10_000,
    });
    expect(result.outcome).toBe('failed');
    expect(result.result).toBeNull();
    expect(result.reason).toMatch(/^result file is invalid: status: /);
  });

  it('fails when the program does not exist', async () => {
    const result = await runEngineProcess({
      command: [join(dir, 'no-such-engine')],
      cwd: dir,
      env,
      timeoutMs: 10_000,
    });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/could not start .*ENOENT/);
  });

  it('on timeout kills the whole process group, grandchildren included', async () => {
    const pids = pidCollector(2);
    const result = await runEngineProcess({
      command: script('slow.sh', sleeper()),
      cwd: dir,
      env,
      timeoutMs: 500,
      killGraceMs: 2_000,
      onLine: pids.onLine,
    });
    expect(result.outcome).toBe('timed_out');
    expect(result.reason).toBe('timed out after 1 s');
    const [engine, grandchild] = await pids.ready;
    expect(isRunning(engine!)).toBe(false);
    expect(isRunning(grandchild!)).toBe(false);
  });

  it('stops the group when aborted, within a bounded time', async () => {
    const pids = pidCollector(2);
    const controller = new AbortController();
    const running = runEngineProcess({
      command: script('abortable.sh', sleeper()),
      cwd: dir,
      env,
      timeoutMs: 60_000,
      killGraceMs: 2_000,
      signal: controller.signal,
      onLine: pids.onLine,
    });
    const [engine, grandchild] = await pids.ready;
    const abortedAt = Date.now();
    controller.abort('cancelled by a test');
    const result = await running;
    expect(Date.now() - abortedAt).toBeLessThan(3_000);
    expect(result).toMatchObject({
      outcome: 'cancelled',
      reason: 'cancelled: cancelled by a test',
      signal: 'SIGTERM',
    });
    expect(isRunning(engine!)).toBe(false);
    expect(isRunning(grandchild!)).toBe(false);
  });

  it('SIGKILLs a group that ignores SIGTERM once the grace period is over', async () => {
    const pids = pidCollector(2);
    const controller = new AbortController();
    const running = runEngineProcess({
      command: script('stubborn.sh', sleeper("trap '' TERM")),
      cwd: dir,
      env,
      timeoutMs: 60_000,
      killGraceMs: 300,
      signal: controller.signal,
      onLine: pids.onLine,
    });
    const [engine, grandchild] = await pids.ready;
    controller.abort();
    const result = await running;
    expect(result).toMatchObject({ outcome: 'cancelled', signal: 'SIGKILL' });
    expect(isRunning(engine!)).toBe(false);
    expect(isRunning(grandchild!)).toBe(false);
  });

  it('stops background processes an engine leaves behind when it exits', async () => {
    const pids = pidCollector(1);
    const result = await runEngineProcess({
      command: script('leaky.sh', 'sleep 300 &\necho "pid $!"\nexit 0'),
      cwd: dir,
      env,
      timeoutMs: 10_000,
      killGraceMs: 2_000,
      onLine: pids.onLine,
    });
    expect(result.outcome).toBe('succeeded');
    const [orphan] = await pids.ready;
    expect(isRunning(orphan!)).toBe(false);
  });
});

describe('createEngineRunner', () => {
  it('counts runs, tokens and cost by engine name and kind', async () => {
    const registry = new Registry();
    const runner = createEngineRunner({ registry });
    const command = script(
      'metered.sh',
      `echo '{"status":"succeeded","tokens":{"input":7,"output":3},"costUsd":0.25}' > "$TUNDRA_RESULT_FILE"`,
    );
    await runner.run({
      kind: 'exec',
      command: [...command, 'a secret prompt'],
      cwd: dir,
      env,
      timeoutMs: 10_000,
    });
    await runner.run({
      kind: 'exec',
      command: script('metered-fail.sh', 'exit 1'),
      cwd: dir,
      env,
      timeoutMs: 10_000,
    });
    // A second runner on the same registry shares the metrics instead of failing to register them again.
    createEngineRunner({ registry });
    const text = await registry.metrics();
    expect(text).toContain('tundra_engine_runs_total{engine="metered.sh",kind="exec",outcome="succeeded"} 1');
    expect(text).toContain(
      'tundra_engine_runs_total{engine="metered-fail.sh",kind="exec",outcome="failed"} 1',
    );
    expect(text).toContain(
      'tundra_engine_tokens_total{engine="metered.sh",kind="exec",project="",model="unknown",direction="input"} 7',
    );
    expect(text).toContain(
      'tundra_engine_tokens_total{engine="metered.sh",kind="exec",project="",model="unknown",direction="output"} 3',
    );
    expect(text).toContain(
      'tundra_engine_cost_usd_total{engine="metered.sh",kind="exec",project="",model="unknown"} 0.25',
    );
    expect(text).toContain('tundra_engine_duration_seconds_count{engine="metered.sh",kind="exec"} 1');
    expect(text).not.toContain('secret');
  });
});
