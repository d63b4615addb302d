import { type PlannedStep, type PriceTable, spendDay } from '@tundra/core';
import type { SpendLedger } from '@tundra/core/server';
import type { EngineAccount, EngineRunner } from '@tundra/engine';
import type { Logger } from 'pino';
import { parsePlanOutput } from './command-engine.js';
import { type PlanEngine, PlanFailedError, type PlanRequest } from './plan-engine.js';
import { inPlanningDir } from './planning-dir.js';

const toolNames = { 'claude-code': 'Claude Code', codex: 'Codex' } as const;

export interface AgentPlanEngineOptions {
  /** The preset this engine runs: its name on the run's plan. */
  kind: keyof typeof toolNames;
  engines: EngineRunner;
  timeoutMs: number;
  /** The environment the tool inherits (PATH, HOME, its API key): `engineBaseEnv` of the planner's. */
  baseEnv: Record<string, string | undefined>;
  prices?: PriceTable;
  /** Where planning's spend is charged: the run's and the project's day totals, which the budgets read. */
  ledger: Pick<SpendLedger, 'charge'>;
  now: () => Date;
  logger: Logger;
}

/** The ledger's name for planning among a run's steps: step ids all start with `step_`. */
export const planningSpendId = 'plan';

/** What the agent is asked: the item is in the context that follows these instructions. */
export function planningInstructions(item: PlanRequest['item']): string {
  const what = item.type === 'userstory' ? 'user story' : 'task';
  return [
    `# Plan Taiga ${what} TG-${item.ref}: ${item.subject}`,
    '',
    `Break this ${what} (its text and what people said about it are in the context below) into steps that a`,
    'coding agent will carry out one after another, each step ending in one commit. Read the repository if you',
    'need to, but change nothing: this is planning only.',
    '',
    'Your final message is the plan as JSON and nothing else:',
    '',
    '```json',
    '{"steps": [{"title": "Add the form", "instructions": "What to do, in enough detail to do it"}]}',
    '```',
    '',
    '1 to 100 steps; a title has at most 500 characters. A step may name a `model` to run with.',
  ].join('\n');
}

/**
 * The plan JSON in an agent's final message: the message itself, else its last fenced block, else what lies
 * between its first `{` and its last `}`. Agents wrap JSON in prose or fences however they are asked.
 */
export function planJsonIn(answer: string): string {
  const text = answer.trim();
  if (text.startsWith('{') && text.endsWith('}')) return text;
  const fences = [...text.matchAll(/```[a-z]*\n([\s\S]*?)\n```/g)];
  const fenced = fences.at(-1)?.[1];
  if (fenced !== undefined) return fenced.trim();
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  return start >= 0 && end > start ? text.slice(start, end + 1) : text;
}

/**
 * `claude-code` / `codex`: the coding agent run in its read-only mode (Claude Code's `plan` permission mode,
 * Codex's `read-only` sandbox) in a temporary directory, with the run's context file in its prompt, as an exec
 * engine gets it. Its final message is the plan, as a `command` plan engine prints it.
 */
export function createAgentPlanEngine(options: AgentPlanEngineOptions): PlanEngine {
  const tool = toolNames[options.kind];
  return {
    name: options.kind,
    async plan({ project, run, item, context }: PlanRequest): Promise<PlannedStep[]> {
      const engine = project.planEngine;
      if (engine.kind !== options.kind)
        throw new Error(`the ${tool} plan engine needs a ${options.kind} plan engine`);
      const result = await inPlanningDir(context, (dir) =>
        options.engines.runPreset({
          kind: 'plan',
          project: project.id,
          engine,
          readOnly: true,
          prompt: {
            instructions: planningInstructions(item),
            context: { path: dir.contextPath, content: context.markdown },
          },
          ...(options.prices ? { prices: options.prices } : {}),
          cwd: dir.path,
          env: { ...options.baseEnv, ...dir.env, TUNDRA_RUN_ID: run.id, TUNDRA_PROJECT_ID: project.id },
          timeoutMs: options.timeoutMs,
        }),
      );
      // Planning spends as steps do, whether or not a plan comes of it: the run's and the day's budgets count it.
      // A charge that fails (Redis unreachable) is logged, not the plan's failure: planning again would pay twice.
      await chargePlanning(options, project.id, run.id, result.account).catch((error: unknown) =>
        options.logger.warn({ err: error, protocolRunId: run.id }, "could not charge planning's spend"),
      );
      if (result.outcome !== 'succeeded') {
        throw new PlanFailedError(
          `${tool} could not plan: ${result.reason ?? result.outcome}: ${result.tail.slice(-5).join(' | ')}`,
        );
      }
      const answer = result.account.summary ?? '';
      if (answer.trim() === '')
        throw new PlanFailedError(`${tool} ended without a final message to read a plan from`);
      return parsePlanOutput(planJsonIn(answer), tool);
    },
  };
}

async function chargePlanning(
  options: AgentPlanEngineOptions,
  projectId: string,
  runId: string,
  account: EngineAccount,
): Promise<void> {
  const spent = {
    costUsd: account.costUsd ?? 0,
    tokensIn: account.tokens.input,
    tokensOut: account.tokens.output,
  };
  if (spent.costUsd === 0 && spent.tokensIn === 0 && spent.tokensOut === 0) return;
  await options.ledger.charge({
    projectId,
    runId,
    stepId: planningSpendId,
    day: spendDay(options.now()),
    ...spent,
  });
}
