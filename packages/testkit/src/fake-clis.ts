import { fileURLToPath } from 'node:url';

/**
 * The directory of the fake coding-agent CLIs (`claude`, `codex`, `aider`): small Node scripts that print their
 * tool's real output format (recorded from the real CLIs), make a real change in their working directory and
 * need no API key. Put it first on an engine's PATH, as `fakeCliEnv` does.
 */
export const fakeCliBinDir = fileURLToPath(new URL('../fake-clis/bin', import.meta.url));

export const FakeCliMode = {
  /** Change the file, report tokens and cost, exit as the tool does on success. */
  Succeed: 'succeed',
  /** Fail as the tool does when the provider refuses the key (aider still exits 0, as it does). */
  Fail: 'fail',
  /** Print the first events, then nothing for `stallSeconds`, then go on. */
  Stall: 'stall',
  /** Stream `turns` model turns whose cost keeps growing, then finish (unless stopped first). */
  Overspend: 'overspend',
} as const;
export type FakeCliMode = (typeof FakeCliMode)[keyof typeof FakeCliMode];

export interface FakeCliBehaviour {
  mode?: FakeCliMode;
  stallSeconds?: number;
  /** Overspend: how many turns, and the pause between them. */
  turns?: number;
  turnDelayMs?: number;
  /** The name of a variable whose value the fake prints in its output (a secret-masking test). */
  printEnv?: string;
  /** The file the fake appends a line to, relative to its working directory (default `fake-<tool>.txt`). */
  file?: string;
  /** Where the fake writes the argv, prompt and working directory it got, as JSON. */
  recordTo?: string;
  /** The final message of a read-only run (Claude Code's plan mode, Codex's read-only sandbox): a plan engine's answer. */
  answer?: string;
}

/** An engine environment whose PATH finds the fake CLIs first, told how to behave. */
export function fakeCliEnv(
  behaviour: FakeCliBehaviour = {},
  base: Record<string, string | undefined> = { PATH: process.env.PATH },
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    ...base,
    PATH: [fakeCliBinDir, base.PATH ?? '/usr/bin:/bin'].join(':'),
  };
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) env[name] = String(value);
  };
  set('FAKE_CLI_MODE', behaviour.mode);
  set('FAKE_CLI_STALL_SECONDS', behaviour.stallSeconds);
  set('FAKE_CLI_TURNS', behaviour.turns);
  set('FAKE_CLI_TURN_DELAY_MS', behaviour.turnDelayMs);
  set('FAKE_CLI_PRINT_ENV', behaviour.printEnv);
  set('FAKE_CLI_FILE', behaviour.file);
  set('FAKE_CLI_RECORD', behaviour.recordTo);
  set('FAKE_CLI_ANSWER', behaviour.answer);
  return env;
}
