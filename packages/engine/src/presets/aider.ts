import { addTokens, CostSource, type EngineAccount } from './engine-account.js';
import type { AiderPreset } from './engine-preset.js';
import { contextToRead, type EngineInvocation, type InvocationInput } from './invocation.js';
import type { LineReading, ToolReader } from './output-parser.js';

/**
 * aider (checked against the source of 0.86.x): `--message-file` runs one request and exits; `--yes-always`
 * answers every question; `--no-pretty --no-stream` print plain lines. Tundra commits, so aider does not
 * (`--no-auto-commits --no-dirty-commits`), and aider's history files go to /dev/null rather than into the
 * worktree. aider has no structured output: its lines are logged as they are and its usage lines are read.
 */
export function aiderInvocation(preset: AiderPreset, input: InvocationInput): EngineInvocation {
  const argv = [
    'aider',
    '--message-file',
    input.promptFile,
    '--yes-always',
    '--no-pretty',
    '--no-stream',
    '--no-auto-commits',
    '--no-dirty-commits',
    '--no-check-update',
    '--analytics-disable',
    '--no-show-release-notes',
    '--chat-history-file',
    '/dev/null',
    '--input-history-file',
    '/dev/null',
  ];
  if (preset.model) argv.push('--model', preset.model);
  // Ask mode answers without editing; with no shell suggestions nothing runs either.
  if (input.readOnly) argv.push('--chat-mode', 'ask', '--no-suggest-shell-commands');
  const context = contextToRead(input.prompt);
  if (context) argv.push('--read', context);
  argv.push(...(preset.extraArgs ?? []));
  return { argv };
}

/**
 * A token count as aider prints it: `950`, `2.1k`, `12k` (utils.format_tokens), or `26,200` (older versions).
 */
export function parseAiderCount(text: string): number {
  const match = /^([\d,]+(?:\.\d+)?)(k)?$/.exec(text.trim());
  if (!match) return 0;
  const value = Number(match[1]!.replaceAll(',', ''));
  return Math.round(match[2] ? value * 1000 : value);
}

const modelLine = /^(?:Main model|Model): (\S+) with /;
const tokensLine =
  /Tokens: ([\d.,]+k?) sent(?:, ([\d.,]+k?) cache write)?(?:, ([\d.,]+k?) cache hit)?, ([\d.,]+k?) received\./;
const costLine = /Cost: \$([\d.]+) (?:message|request), \$([\d.]+) session\./;
const editLine = /^Applied edit to (.+)$/;
/** How LiteLLM's exceptions print (`litellm.AuthenticationError: ...`): aider shows them and still exits 0. */
const errorLine = /^litellm\.[A-Za-z]*Error: /;

/**
 * Reads aider's plain output. Each usage line is one request: tokens add up (aider rounds them, `2.1k`), and the
 * session cost it prints is the running total, reported when the model has prices in LiteLLM's table. An error
 * from the provider counts as the run's failure unless a later request went through.
 */
export function createAiderReader(): ToolReader {
  const edited: string[] = [];
  return {
    stdout(line, account): LineReading {
      let next: EngineAccount = account;
      const model = modelLine.exec(line);
      if (model) next = { ...next, model: model[1]! };
      const tokens = tokensLine.exec(line);
      if (tokens) {
        const cacheWrite = parseAiderCount(tokens[2] ?? '0');
        const cachedInput = parseAiderCount(tokens[3] ?? '0');
        // `sent` counts the uncached prompt and the cache writes; cache hits are printed apart.
        const input = parseAiderCount(tokens[1]!) + cachedInput;
        const output = parseAiderCount(tokens[4]!);
        next = {
          ...next,
          tokens: addTokens(next.tokens, { input, output, cachedInput, cacheWrite }),
          error: null,
        };
      }
      const cost = costLine.exec(line);
      if (cost) next = { ...next, costUsd: Number(cost[2]), costSource: CostSource.Reported };
      const edit = editLine.exec(line);
      if (edit && !edited.includes(edit[1]!)) {
        edited.push(edit[1]!);
        next = { ...next, summary: `aider edited ${edited.join(', ')}` };
      }
      if (errorLine.test(line)) next = { ...next, error: line.trim() };
      return { log: [line], account: next };
    },
  };
}
