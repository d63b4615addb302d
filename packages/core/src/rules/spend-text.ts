import type { StepRun, StepSpend } from '../contracts/step-run.js';
import { formatUsd } from './budget.js';

/** Token counts as people read them: `12.3k`, `1.2M`. */
export function formatTokens(count: number): string {
  if (count < 1_000) return String(count);
  if (count < 1_000_000) return `${(count / 1_000).toFixed(1).replace(/\.0$/, '')}k`;
  return `${(count / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/** One line on spending for a Taiga comment: `Spent $0.42 (12.3k tokens in, 3.4k out) with claude-sonnet-4-5.` */
export function spendSentence(spend: StepSpend, model: string | null = null): string {
  const using = model ? ` with ${model}` : '';
  return `Spent ${formatUsd(spend.costUsd)} (${formatTokens(spend.tokensIn)} tokens in, ${formatTokens(spend.tokensOut)} out)${using}.`;
}

/** What a run's steps spent, all attempts; null when no engine reported anything. */
export function runSpend(steps: readonly StepRun[]): StepSpend | null {
  const spent = steps.flatMap((step) => (step.spend ? [step.spend] : []));
  if (spent.length === 0) return null;
  return spent.reduce((sum, s) => ({
    costUsd: sum.costUsd + s.costUsd,
    tokensIn: sum.tokensIn + s.tokensIn,
    tokensOut: sum.tokensOut + s.tokensOut,
  }));
}
