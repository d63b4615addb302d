import { CommandPlanOutput, formatZodIssues, type PlannedStep } from '@tundra/core';
import type { EngineRunner } from '@tundra/engine';
import { type PlanEngine, PlanFailedError, type PlanRequest } from './plan-engine.js';
import { inPlanningDir } from './planning-dir.js';

export interface CommandEngineOptions {
  engines: EngineRunner;
  timeoutMs: number;
  /** The environment every engine inherits (PATH, HOME, credentials of the tool): nothing else is passed. */
  baseEnv: Record<string, string | undefined>;
}

/**
 * `command`: an external program (an LLM planner, say) reads the item as JSON on stdin (`type`, `ref`, `subject`,
 * `description`) and prints `{"steps": [{"title", "instructions"}]}` on stdout. Output that is not such JSON fails
 * planning with the validation message, never the planner.
 */
export function createCommandEngine(options: CommandEngineOptions): PlanEngine {
  return {
    name: 'command',
    async plan({ project, item, run, context }: PlanRequest): Promise<PlannedStep[]> {
      const engine = project.planEngine;
      if (engine.kind !== 'command') throw new Error('the command engine needs a command plan engine');
      const result = await inPlanningDir(context, (dir) =>
        options.engines.run({
          kind: 'plan',
          command: engine.command,
          cwd: dir.path,
          env: {
            ...options.baseEnv,
            ...dir.env,
            TUNDRA_ITEM_REF: String(item.ref),
            TUNDRA_ITEM_SUBJECT: item.subject,
            TUNDRA_RUN_ID: run.id,
            TUNDRA_PROJECT_ID: project.id,
          },
          stdin: JSON.stringify({
            type: item.type,
            ref: item.ref,
            subject: item.subject,
            description: item.description,
          }),
          captureStdout: true,
          timeoutMs: options.timeoutMs,
        }),
      );
      if (result.outcome !== 'succeeded') {
        throw new PlanFailedError(
          `the plan command ${result.reason ?? result.outcome}: ${result.tail.slice(-5).join(' | ')}`,
        );
      }
      return parsePlanOutput(result.stdout ?? '');
    },
  };
}

/** Parses and validates a plan engine's output: a command's stdout, or the JSON in an agent's answer. */
export function parsePlanOutput(stdout: string, engine = 'the plan command'): PlannedStep[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (error) {
    throw new PlanFailedError(`${engine} did not print JSON: ${(error as Error).message}`);
  }
  const parsed = CommandPlanOutput.safeParse(json);
  if (!parsed.success) {
    throw new PlanFailedError(
      `${engine}'s output is not a plan: ${formatZodIssues(parsed.error).join('; ')}`,
    );
  }
  return parsed.data.steps.map(({ model, ...step }) => ({
    ...step,
    taigaTaskId: null,
    ...(model ? { plannedModel: model } : {}),
  }));
}
