import type { ModelPrice, PriceTable } from './engine-preset.js';

/**
 * Model tokens an engine used. `input` counts every prompt token, cached or not; `cachedInput` (read from the
 * provider's prompt cache) and `cacheWrite` (written to it) are the parts of `input` priced differently.
 */
export interface TokenCounts {
  input: number;
  output: number;
  cachedInput: number;
  cacheWrite: number;
}

/** Where a cost comes from: the tool's own figure, or tokens priced with the configured price table. */
export const CostSource = { Reported: 'reported', PriceTable: 'price_table' } as const;
export type CostSource = (typeof CostSource)[keyof typeof CostSource];

/**
 * What an engine has done so far, read from its output as it streams: what a budget check, a stall watchdog and
 * the step's record need. Every field is the latest known value; a snapshot is never changed once handed out.
 */
export interface EngineAccount {
  /** The model the tool says it runs (or the one Tundra asked for, when the tool does not say). */
  model: string | null;
  /** The tool's own id of the session (Claude Code's session, Codex's thread), to find or resume it. */
  sessionId: string | null;
  tokens: TokenCounts;
  /** Null while neither the tool reported a cost nor the price table knows the model. */
  costUsd: number | null;
  costSource: CostSource | null;
  /** The tool's final message (or what it did), for the step's summary. */
  summary: string | null;
  /** Why the tool says it failed, when it does (it may still exit 0: aider does). */
  error: string | null;
  /** When the engine last printed anything (epoch milliseconds), on either stream. */
  lastOutputAt: number | null;
}

export const noTokens: TokenCounts = { input: 0, output: 0, cachedInput: 0, cacheWrite: 0 };

export function emptyAccount(model: string | null = null): EngineAccount {
  return {
    model,
    sessionId: null,
    tokens: noTokens,
    costUsd: null,
    costSource: null,
    summary: null,
    error: null,
    lastOutputAt: null,
  };
}

export function addTokens(a: TokenCounts, b: TokenCounts): TokenCounts {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cachedInput: a.cachedInput + b.cachedInput,
    cacheWrite: a.cacheWrite + b.cacheWrite,
  };
}

/**
 * The price of a model: its entry in the table, or the entry of its name without a provider prefix
 * (`anthropic/claude-sonnet-4-5` → `claude-sonnet-4-5`, as aider and LiteLLM name models).
 */
export function modelPrice(prices: PriceTable | undefined, model: string | null): ModelPrice | null {
  if (!prices || !model) return null;
  const exact = prices[model];
  if (exact) return exact;
  const slash = model.lastIndexOf('/');
  return slash >= 0 ? (prices[model.slice(slash + 1)] ?? null) : null;
}

/** What `tokens` cost at `price`, in US dollars. */
export function priceTokens(price: ModelPrice, tokens: TokenCounts): number {
  const uncached = Math.max(0, tokens.input - tokens.cachedInput - tokens.cacheWrite);
  const perToken =
    uncached * price.inputPerMTok +
    tokens.cachedInput * (price.cachedInputPerMTok ?? price.inputPerMTok) +
    tokens.cacheWrite * (price.cacheWritePerMTok ?? price.inputPerMTok) +
    tokens.output * price.outputPerMTok;
  return perToken / 1_000_000;
}

/**
 * The account with its cost from the price table, unless the tool reported one: a reported cost always wins,
 * and an unknown model leaves the cost unknown rather than guessed.
 */
export function withEstimatedCost(account: EngineAccount, prices: PriceTable | undefined): EngineAccount {
  if (account.costSource === CostSource.Reported) return account;
  const price = modelPrice(prices, account.model);
  if (!price) return account;
  return { ...account, costUsd: priceTokens(price, account.tokens), costSource: CostSource.PriceTable };
}
