import { basename } from 'node:path';

/** Programs that run the script named by their first operand: the script names the engine, not the interpreter. */
const interpreters = new Set([
  'sh',
  'bash',
  'zsh',
  'dash',
  'node',
  'python',
  'python3',
  'npx',
  'bunx',
  'uvx',
]);

/**
 * A bounded metrics label for an engine command: the basename of the program (or of the script an interpreter
 * runs), never its arguments, which may hold prompts, paths or secrets.
 */
export function engineName(command: readonly string[]): string {
  const [program = 'unknown', ...args] = command;
  let name = basename(program);
  if (interpreters.has(name)) {
    const script = args.find((arg) => !arg.startsWith('-'));
    if (script) name = basename(script);
  }
  return name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40) || 'unknown';
}
