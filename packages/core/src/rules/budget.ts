import type { BudgetSettings } from '../contracts/project.js';

/** What a step, its run and its project's day have spent so far (every attempt counted). */
export interface Spent {
  readonly stepCostUsd: number;
  readonly runCostUsd: number;
  readonly runTokens: number;
  readonly dayCostUsd: number;
}

/** Which limit a spend reached, with the setting that raises it. */
export const BudgetScope = {
  Step: 'step',
  Run: 'run',
  RunTokens: 'run_tokens',
  Day: 'day',
} as const;
export type BudgetScope = (typeof BudgetScope)[keyof typeof BudgetScope];

export interface BudgetBreach {
  readonly scope: BudgetScope;
  readonly spent: number;
  readonly limit: number;
  /** The setting under `budgets` that raises it. */
  readonly setting: keyof BudgetSettings;
}

/** The limits in the order they are reported: the narrowest first, since raising it is what a person tries first. */
const limits: readonly {
  scope: BudgetScope;
  setting: keyof BudgetSettings;
  spent: (s: Spent) => number;
}[] = [
  { scope: BudgetScope.Step, setting: 'maxCostUsdPerStep', spent: (s) => s.stepCostUsd },
  { scope: BudgetScope.Run, setting: 'maxCostUsdPerRun', spent: (s) => s.runCostUsd },
  { scope: BudgetScope.RunTokens, setting: 'maxTokensPerRun', spent: (s) => s.runTokens },
  { scope: BudgetScope.Day, setting: 'maxCostUsdPerDay', spent: (s) => s.dayCostUsd },
];

/**
 * The first limit the spend has reached, or null. Before a step starts, a limit is reached when the spend is at
 * it (nothing more may be spent); while an engine runs, when the spend has passed it.
 */
export function budgetBreach(
  spent: Spent,
  budgets: BudgetSettings | undefined,
  when: 'before_start' | 'while_running',
): BudgetBreach | null {
  if (!budgets) return null;
  for (const limit of limits) {
    const max = budgets[limit.setting];
    if (max === undefined) continue;
    const value = limit.spent(spent);
    if (when === 'before_start' ? value >= max : value > max) {
      return { scope: limit.scope, spent: value, limit: max, setting: limit.setting };
    }
  }
  return null;
}

const scopeWords: Record<BudgetScope, string> = {
  step: 'for this step',
  run: 'for this run',
  run_tokens: 'for this run',
  day: "for the project's day (UTC)",
};

function amount(breach: BudgetBreach): string {
  if (breach.scope === BudgetScope.RunTokens) {
    return `${Math.round(breach.spent).toLocaleString('en-US')} of ${breach.limit.toLocaleString('en-US')} tokens`;
  }
  return `${formatUsd(breach.spent)} of ${formatUsd(breach.limit)}`;
}

/** US dollars as people read them: cents, and fractions of a cent when that is all there is. */
export function formatUsd(value: number): string {
  return value > 0 && value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

/**
 * Why a run is blocked before its next step starts, for Taiga and the API: what was spent of what, and how to go
 * on. The day's limit lifts by itself at midnight UTC.
 */
export function budgetBlockedReason(breach: BudgetBreach): string {
  const next =
    breach.scope === BudgetScope.Day
      ? `resume the run tomorrow (UTC) or after raising \`budgets.${breach.setting}\`, or cancel`
      : `resume the run (\`/tundra retry\`, or \`tundra run resume\`) after raising \`budgets.${breach.setting}\`, or cancel`;
  return `budget reached: ${amount(breach)} ${scopeWords[breach.scope]}; ${next}`;
}

/** Why a running engine was stopped: the step fails with this, and the run is blocked before it spends more. */
export function budgetExceededReason(breach: BudgetBreach): string {
  return `budget_exceeded: ${amount(breach)} ${scopeWords[breach.scope]}; the engine was stopped`;
}

/** The UTC day a spend is counted in (`2026-12-04`). */
export function spendDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
