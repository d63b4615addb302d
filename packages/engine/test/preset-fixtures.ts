import { readFileSync } from 'node:fs';
import type { EngineAccount } from '../src/presets/engine-account.js';
import type { OutputParser } from '../src/presets/output-parser.js';

/** The lines of a recorded sample in `test/fixtures/presets/<tool>/<name>` (see its README). */
export function fixtureLines(tool: 'claude-code' | 'codex' | 'aider', name: string): string[] {
  const text = readFileSync(new URL(`./fixtures/presets/${tool}/${name}`, import.meta.url), 'utf8');
  return text.replace(/\n$/, '').split('\n');
}

/** Feeds every line to the parser as stdout, one millisecond apart from `start`. */
export function parseLines(parser: OutputParser, lines: string[], start = 1_000) {
  const log: string[] = [];
  const accounts: EngineAccount[] = [];
  lines.forEach((line, i) => {
    log.push(...parser.push('stdout', line, start + i));
    accounts.push(parser.account);
  });
  return { log, accounts, account: parser.account };
}
