// What the fake coding-agent CLIs share: their behaviour comes from FAKE_CLI_* variables, never from an API.
import { appendFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a fake behaves, from its environment. */
export function behaviour(tool) {
  const env = process.env;
  return {
    /** succeed | fail | stall | overspend */
    mode: env.FAKE_CLI_MODE || 'succeed',
    stallMs: Number(env.FAKE_CLI_STALL_SECONDS || 3600) * 1000,
    turns: Number(env.FAKE_CLI_TURNS || 200),
    turnDelayMs: Number(env.FAKE_CLI_TURN_DELAY_MS || 50),
    printEnv: env.FAKE_CLI_PRINT_ENV || null,
    file: resolve(env.FAKE_CLI_FILE || `fake-${tool}.txt`),
    record: env.FAKE_CLI_RECORD || null,
    /** A read-only run's final message (a plan engine's answer): no file is changed. */
    answer: env.FAKE_CLI_ANSWER || null,
  };
}

/** The value of the variable the fake was told to print (a secret-masking test looks for it in the logs). */
export function printedValue(how) {
  return how.printEnv ? (process.env[how.printEnv] ?? '') : null;
}

export function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

export function say(line) {
  process.stdout.write(`${line}\n`);
}

export function fail(message, code = 2) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** Reads stdin to its end; an empty string when it is a terminal or closed. */
export async function readStdin() {
  if (process.stdin.isTTY) return '';
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes what the fake received where the test asked, so it can check the argv Tundra built. */
export function record(how, tool, prompt) {
  if (!how.record) return;
  writeFileSync(
    how.record,
    JSON.stringify({ tool, argv: process.argv.slice(2), prompt, cwd: process.cwd() }, null, 2),
  );
}

/** The real change a run makes in its working directory, so that a commit follows. */
export function change(how, text) {
  appendFileSync(how.file, `${text}\n`);
}

/** Prints nothing for the stall time: what a hung agent looks like. */
export async function stall(how) {
  await sleep(how.stallMs);
}

export { sleep };

/** The value after `name` in argv (`--name value` or `--name=value`), or null. */
export function option(argv, ...names) {
  for (let i = 0; i < argv.length; i++) {
    for (const name of names) {
      if (argv[i] === name) return argv[i + 1] ?? null;
      if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
    }
  }
  return null;
}
