import type { OutputStream } from '../run-engine-process.js';
import { type EngineAccount, emptyAccount, withEstimatedCost } from './engine-account.js';
import type { PriceTable } from './engine-preset.js';

/** What one line of a tool's output means: the lines to log, and the account after it. */
export interface LineReading {
  log: string[];
  account: EngineAccount;
}

/**
 * Reads one tool's output, line by line. Implementations keep what they need between lines (Claude Code's
 * usage per message, say), so one reader serves one run.
 */
export interface ToolReader {
  stdout(line: string, account: EngineAccount): LineReading;
}

/** Reads an engine's output as it streams: readable log lines out, a running account kept. */
export interface OutputParser {
  /** Reads one line the engine printed at `at` (epoch ms); returns the lines to show in the step's log. */
  push(stream: OutputStream, line: string, at: number): string[];
  /** The account so far: a new object after every line, never changed once returned. */
  readonly account: EngineAccount;
}

export interface OutputParserOptions {
  /** The model Tundra asked for, until the tool says which it runs. */
  model?: string | null;
  /** Prices for a cost the tool does not report (and an estimate until it does). */
  prices?: PriceTable;
}

/**
 * An output parser around a tool reader: stderr is logged as it is (the tools print progress and warnings
 * there), stdout goes through the reader, and every line moves `lastOutputAt` and re-prices the account.
 */
export function createOutputParser(reader: ToolReader, options: OutputParserOptions = {}): OutputParser {
  let account = emptyAccount(options.model ?? null);
  return {
    push(stream, line, at) {
      const reading: LineReading =
        stream === 'stdout' ? reader.stdout(line, account) : { log: [line], account };
      account = withEstimatedCost({ ...reading.account, lastOutputAt: at }, options.prices);
      return reading.log;
    },
    get account() {
      return account;
    },
  };
}
