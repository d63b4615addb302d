import { type BudgetBreach, type BudgetSettings, budgetBreach, spendDay } from '@tundra/core';
import type { SpendLedger } from '@tundra/core/server';
import type { EngineAccount } from '@tundra/engine';

export interface StepBudgetOptions {
  ledger: SpendLedger;
  projectId: string;
  runId: string;
  stepId: string;
  budgets: BudgetSettings | undefined;
  now: () => Date;
  /** Called once, with the first limit the engine's spending passed. */
  onBreach: (breach: BudgetBreach) => void;
  /** A charge that failed (Redis unreachable): it is tried again with the next one. */
  onError: (error: unknown) => void;
}

/**
 * Charges what one engine run spends to the ledger as it streams: after each account, the difference from what was
 * charged so far (negative when a tool revised its estimate down), one charge at a time, so that the step, the run
 * and the project's day always hold the sum. The first total past a limit calls `onBreach`.
 */
export class StepBudget {
  private charged = { costUsd: 0, tokensIn: 0, tokensOut: 0 };
  private latest: EngineAccount | null = null;
  private chain: Promise<void> = Promise.resolve();
  private breached = false;

  constructor(private readonly options: StepBudgetOptions) {}

  /** Takes the engine's latest account; its charge goes after the ones before it. Cheap: call after every line. */
  observe(account: EngineAccount): void {
    this.latest = account;
    this.chain = this.chain.then(() => this.chargeLatest());
  }

  /** Waits for the charges in flight, and charges the final account. */
  async settle(account: EngineAccount): Promise<void> {
    this.observe(account);
    await this.chain;
  }

  private async chargeLatest(): Promise<void> {
    const account = this.latest;
    if (!account) return;
    const target = {
      costUsd: account.costUsd ?? 0,
      tokensIn: account.tokens.input,
      tokensOut: account.tokens.output,
    };
    const delta = {
      costUsd: target.costUsd - this.charged.costUsd,
      tokensIn: target.tokensIn - this.charged.tokensIn,
      tokensOut: target.tokensOut - this.charged.tokensOut,
    };
    if (delta.costUsd === 0 && delta.tokensIn === 0 && delta.tokensOut === 0) return;
    const { ledger, projectId, runId, stepId } = this.options;
    try {
      const spent = await ledger.charge({
        projectId,
        runId,
        stepId,
        day: spendDay(this.options.now()),
        ...delta,
      });
      this.charged = target;
      const breach = budgetBreach(spent, this.options.budgets, 'while_running');
      if (breach && !this.breached) {
        this.breached = true;
        this.options.onBreach(breach);
      }
    } catch (error) {
      this.options.onError(error);
    }
  }
}
