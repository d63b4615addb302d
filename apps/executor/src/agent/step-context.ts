import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ContextConventions,
  type ContextFile,
  type ContextRemark,
  type ProtocolRun,
  type RunEvent,
  renderRunContext,
  type StepRun,
} from '@tundra/core';

/** The first of the conventions files that exists in the worktree. */
async function readConventions(
  worktree: string,
  files: readonly string[],
): Promise<ContextConventions | null> {
  for (const path of files) {
    try {
      return { path, text: await readFile(join(worktree, path), 'utf8') };
    } catch {
      // Not there: try the next name.
    }
  }
  return null;
}

export interface StepContextInput {
  run: ProtocolRun;
  step: StepRun;
  steps: readonly StepRun[];
  events: readonly RunEvent[];
  remarks: readonly ContextRemark[];
  attempt: number;
  worktree: string;
  conventionsFiles: readonly string[];
  maxBytes: number;
  /** Masks secrets in everything that goes into the file. */
  mask: (text: string) => string;
}

/**
 * The context file of one step attempt (`TUNDRA_CONTEXT_FILE`): the run's item, the plan with what earlier steps
 * did, this step's earlier attempts, people's remarks and the repository's conventions file. Rendered by core's
 * `renderRunContext`, which the planner's plan engines get theirs from too.
 */
export async function renderStepContext(input: StepContextInput): Promise<ContextFile> {
  const { run } = input;
  return renderRunContext({
    item: {
      type: run.taigaItem.type,
      ref: run.taigaItem.ref,
      subject: run.title,
      description: run.description ?? '',
    },
    steps: input.steps,
    attempt: { step: input.step, number: input.attempt, events: input.events },
    remarks: input.remarks,
    conventions: await readConventions(input.worktree, input.conventionsFiles),
    maxBytes: input.maxBytes,
    mask: input.mask,
  });
}
