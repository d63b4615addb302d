import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineResult } from '../engine-result.js';
import {
  type EngineProcessOptions,
  type EngineProcessResult,
  type OutputStream,
  runEngineProcess,
} from '../run-engine-process.js';
import { CostSource, type EngineAccount, withEstimatedCost } from './engine-account.js';
import type { EnginePreset, PriceTable } from './engine-preset.js';
import { clip } from './log-text.js';
import { createOutputParser, type OutputParser } from './output-parser.js';
import { buildInvocation, createPresetParser, isAgentPreset } from './presets.js';
import { composePrompt, type PromptInput } from './prompt.js';

export interface PresetRunOptions extends Omit<EngineProcessOptions, 'command' | 'stdin' | 'onLine'> {
  /** The engine: an agent preset, or a command. */
  engine: EnginePreset;
  /** What the agent is asked; a command gets the instructions in `$TUNDRA_INSTRUCTIONS_FILE` (unless `instructions` says otherwise). */
  prompt: PromptInput;
  /** Run the tool in its read-only mode (plan engines). */
  readOnly?: boolean;
  /** Prices per model, for a cost the tool does not report. */
  prices?: PriceTable;
  /**
   * Each line for the step's log, in order per stream: an agent's JSON events turned into readable lines; a
   * command's lines as they are. Called synchronously: keep it cheap.
   */
  onLine?: (stream: OutputStream, line: string) => void;
  /** The running account after every output line: where a budget check and a stall watchdog look. */
  onAccount?: (account: EngineAccount) => void;
  /** The clock of `lastOutputAt` (epoch ms). */
  now?: () => number;
}

export interface PresetRunResult extends EngineProcessResult {
  /** What the engine reported (an agent's parsed output, or a command's result file) when it ended. */
  account: EngineAccount;
  /** The argv Tundra ran. */
  argv: string[];
}

/** A command's output is read as it is; only its result file says what it did. */
const plainReader = { stdout: (line: string, account: EngineAccount) => ({ log: [line], account }) };

const toolNames = { 'claude-code': 'Claude Code', codex: 'Codex', aider: 'aider', command: 'the engine' };

/**
 * Runs an engine as `runEngineProcess` does, building an agent preset's argv and reading its output as it
 * streams: the log gets readable lines, `onAccount` the running account, and the result the tool's summary,
 * tokens, cost, model and session id in the result file's shape. A tool that says it failed fails the run even
 * when it exits 0.
 */
export async function runPresetEngine(options: PresetRunOptions): Promise<PresetRunResult> {
  const { engine, prompt, readOnly, prices, onLine, onAccount, now = Date.now, ...processOptions } = options;
  const agent = isAgentPreset(engine);
  const dir = await mkdtemp(join(tmpdir(), 'tundra-prompt-'));
  try {
    const promptFile = join(dir, 'prompt.md');
    if (agent) await writeFile(promptFile, composePrompt(prompt), 'utf8');
    const invocation = buildInvocation(engine, { prompt, promptFile, ...(readOnly ? { readOnly } : {}) });
    const parser: OutputParser = agent
      ? createPresetParser(engine, prices ? { prices } : {})
      : createOutputParser(plainReader, prices ? { prices } : {});
    const tailLines = processOptions.tailLines ?? 50;
    const tail: string[] = [];
    const run = await runEngineProcess({
      // A command reads its instructions from `$TUNDRA_INSTRUCTIONS_FILE`, as before presets.
      instructions: prompt.instructions,
      ...processOptions,
      command: invocation.argv,
      ...(invocation.stdin === undefined ? {} : { stdin: invocation.stdin }),
      onLine: (stream, line) => {
        for (const readable of parser.push(stream, line, now())) {
          tail.push(readable);
          if (tail.length > tailLines) tail.shift();
          onLine?.(stream, readable);
        }
        onAccount?.(parser.account);
      },
    });
    const account = agent
      ? parser.account
      : withEstimatedCost(fromResultFile(parser.account, run.result), prices);
    return {
      ...judge(run, account, toolNames[engine.kind]),
      ...(agent ? { tail, result: toEngineResult(run, account) } : {}),
      account,
      argv: invocation.argv,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A tool that reported a failure fails the run, whatever its exit code; its words go into the reason. */
function judge(run: EngineProcessResult, account: EngineAccount, tool: string): EngineProcessResult {
  if (!account.error) return run;
  const error = clip(account.error, 500);
  if (run.outcome === 'succeeded') {
    return { ...run, outcome: 'failed', reason: `${tool} reported a failure: ${error}` };
  }
  if (run.outcome === 'failed') return { ...run, reason: `${run.reason ?? 'failed'}: ${error}` };
  return run;
}

function toEngineResult(run: EngineProcessResult, account: EngineAccount): EngineResult {
  const succeeded = run.outcome === 'succeeded' && !account.error;
  return {
    status: succeeded ? 'succeeded' : 'failed',
    ...(account.summary ? { summary: account.summary.slice(0, 20_000) } : {}),
    tokens: { input: account.tokens.input, output: account.tokens.output },
    ...(account.costUsd === null ? {} : { costUsd: account.costUsd }),
    ...(account.model ? { model: account.model } : {}),
    ...(account.sessionId ? { sessionId: account.sessionId } : {}),
  };
}

/** A command's account is what its result file says. */
function fromResultFile(account: EngineAccount, result: EngineResult | null): EngineAccount {
  if (!result) return account;
  const tokens = result.tokens
    ? { input: result.tokens.input, output: result.tokens.output, cachedInput: 0, cacheWrite: 0 }
    : account.tokens;
  return {
    ...account,
    model: result.model ?? account.model,
    sessionId: result.sessionId ?? account.sessionId,
    summary: result.summary ?? account.summary,
    tokens,
    ...(result.costUsd === undefined ? {} : { costUsd: result.costUsd, costSource: CostSource.Reported }),
  };
}
