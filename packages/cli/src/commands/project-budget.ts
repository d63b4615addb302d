import { type BudgetSettings, formatUsd, type Project } from '@tundra/core';
import type { Command } from 'commander';
import { withContext } from '../context.js';
import { usageError } from '../errors.js';
import type { Io } from '../output.js';

/** The options of `tundra projects budget`, one per budget setting. */
const options = {
  maxCostUsdPerStep: '--max-cost-usd-per-step <usd>',
  maxCostUsdPerRun: '--max-cost-usd-per-run <usd>',
  maxTokensPerRun: '--max-tokens-per-run <n>',
  maxCostUsdPerDay: '--max-cost-usd-per-day <usd>',
} as const satisfies Record<keyof BudgetSettings, string>;

function amount(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw usageError(`not a positive amount: ${value}`);
  return parsed;
}

/** A budget as people read it: each limit set, or `none`. */
export function describeBudgets(budgets: BudgetSettings | undefined): string {
  const parts = Object.entries(budgets ?? {}).map(([name, value]) =>
    name === 'maxTokensPerRun' ? `${name} ${value}` : `${name} ${formatUsd(value as number)}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/**
 * `tundra projects budget <id> [--max-… <value>] [--clear <setting>]`: shows a project's spending limits, or changes
 * some (the others stay), as a PATCH of `budgets` on the version read (admin token). A run blocked by its budget
 * goes on with `tundra run resume` once the limit is raised.
 */
export function registerProjectBudget(
  projects: Command,
  io: Io,
  env: Record<string, string | undefined>,
): void {
  const command = projects
    .command('budget')
    .description("Show or change a project's spending limits (budgets); the settings not given stay")
    .argument('<id>', 'project id')
    .option('--clear <setting...>', 'remove these limits (maxCostUsdPerRun, …)');
  for (const flag of Object.values(options)) command.option(flag, 'the new limit', amount);
  command.action(
    withContext(io, env, async ({ api, out }, id: string, given: Record<string, unknown>) => {
      const path = `/projects/${encodeURIComponent(id)}`;
      const { project } = await api.request<{ project: Project }>('GET', path);
      const changes = Object.keys(options).filter((name) => given[name] !== undefined);
      const clear = (given.clear as string[] | undefined) ?? [];
      for (const name of clear) {
        if (!(name in options)) throw usageError(`not a budget setting: ${name}`);
      }
      if (changes.length === 0 && clear.length === 0) {
        out.result({ budgets: project.budgets ?? {} }, () => out.line(describeBudgets(project.budgets)));
        return;
      }
      const budgets: Record<string, number> = { ...(project.budgets ?? {}) };
      for (const name of changes) budgets[name] = given[name] as number;
      for (const name of clear) delete budgets[name];
      const patched = await api.request<{ project: Project }>('PATCH', path, {
        body: { budgets },
        headers: { 'if-match': `"${project.version}"` },
      });
      out.result({ budgets: patched.project.budgets ?? {} }, () =>
        out.line(`${id}: ${describeBudgets(patched.project.budgets)} (version ${patched.project.version})`),
      );
    }),
  );
}
