import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  budgetExceededReason,
  type ContextRemark,
  type Project,
  type ProtocolRun,
  type RunEvent,
  type StepRun,
} from '@tundra/core';
import type { SpendLedger } from '@tundra/core/server';
import type { EngineGroup, EngineRunner, OutputStream, PresetRunResult } from '@tundra/engine';
import type { Logger } from 'pino';
import { type StepWatch, StopKind } from '../control/stop-signal-hub.js';
import type { ExecuteStepSettings } from '../handlers/execute-step.js';
import { excludeAiderFiles } from './aider-exclude.js';
import { type AttemptFigures, attemptFigures, withModel } from './attempt-figures.js';
import { watchForStall } from './stall-watchdog.js';
import { StepBudget } from './step-budget.js';
import { renderStepContext } from './step-context.js';

export interface GuardedRunInput {
  engine: EngineRunner;
  ledger: SpendLedger;
  project: Project;
  run: ProtocolRun;
  step: StepRun;
  steps: readonly StepRun[];
  events: readonly RunEvent[];
  /** What people said on the run's items for the agent (issue 13's conversation), oldest first. */
  remarks: readonly ContextRemark[];
  attempt: number;
  model: string | null;
  mask: (text: string) => string;
  /** Stopping it stops the engine: the guards below use it too. */
  watch: StepWatch;
  worktree: string;
  /** The engine's environment before the context file's variables. */
  env: Record<string, string | undefined>;
  settings: Pick<ExecuteStepSettings, 'prices' | 'contextMaxBytes' | 'conventionsFiles'>;
  logger: Logger;
  /** Each (masked) log line. */
  onLine: (stream: OutputStream, line: string) => void;
  onSpawn: (group: EngineGroup) => void;
}

/**
 * Runs one attempt's exec engine with its guardrails: the context file written outside the worktree, the model,
 * every output line masked, the spending charged to the ledger as it streams (past a limit: stopped with
 * `budget_exceeded`), and the stall watchdog (`stalled`). Why it was stopped is on `watch.reason`.
 */
export async function runGuardedEngine(
  input: GuardedRunInput,
): Promise<{ result: PresetRunResult; figures: AttemptFigures }> {
  const { project, run, step, watch, mask, logger } = input;
  const context = await renderStepContext({
    run,
    step,
    steps: input.steps,
    events: input.events,
    remarks: input.remarks,
    attempt: input.attempt,
    worktree: input.worktree,
    conventionsFiles: input.settings.conventionsFiles,
    maxBytes: input.settings.contextMaxBytes,
    mask,
  });
  if (project.execEngine.kind === 'aider') await excludeAiderFiles(input.worktree);
  // Outside the worktree, so that committing the step never picks it up.
  const contextDir = await mkdtemp(join(tmpdir(), 'tundra-context-'));
  const contextPath = join(contextDir, 'context.md');
  await writeFile(contextPath, context.markdown, 'utf8');
  const budget = new StepBudget({
    ledger: input.ledger,
    projectId: project.id,
    runId: run.id,
    stepId: step.id,
    budgets: project.budgets,
    now: () => new Date(),
    onBreach: (breach) =>
      watch.stop({ kind: StopKind.BudgetExceeded, message: budgetExceededReason(breach) }),
    onError: (error) => logger.warn({ err: error }, 'could not charge the engine’s spending: tried again'),
  });
  let lastOutputAt = Date.now();
  const stallSeconds = project.limits.stallSeconds;
  const stopWatching = stallSeconds
    ? watchForStall({
        stallMs: stallSeconds * 1000,
        lastOutputAt: () => lastOutputAt,
        now: Date.now,
        onStall: (silentMs) =>
          watch.stop({
            kind: StopKind.Stalled,
            message: `stalled: the engine printed nothing for ${Math.round(silentMs / 1000)} s (limits.stallSeconds is ${stallSeconds})`,
          }),
      })
    : () => undefined;
  let result: PresetRunResult;
  try {
    result = await input.engine.runPreset({
      kind: 'exec',
      project: project.id,
      engine: withModel(project.execEngine, input.model),
      prompt: {
        instructions: `# ${step.title}\n\n${step.instructions}\n`,
        context: { path: contextPath, content: context.markdown },
      },
      ...(input.settings.prices ? { prices: input.settings.prices } : {}),
      cwd: input.worktree,
      env: {
        ...input.env,
        TUNDRA_CONTEXT_FILE: contextPath,
        TUNDRA_PROMPT_VERSION: context.version,
        ...(input.model ? { TUNDRA_MODEL: input.model } : {}),
      },
      timeoutMs: project.limits.stepTimeoutSeconds * 1000,
      signal: watch.signal,
      onLine: (stream, line) => {
        lastOutputAt = Date.now();
        input.onLine(stream, mask(line));
      },
      onAccount: (account) => budget.observe(account),
      onSpawn: input.onSpawn,
    });
  } finally {
    stopWatching();
    await rm(contextDir, { recursive: true, force: true });
  }
  await budget.settle(result.account);
  return { result, figures: attemptFigures(result.account, input.model, context.version) };
}
