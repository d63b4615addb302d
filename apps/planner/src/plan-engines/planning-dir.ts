import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContextFile } from '@tundra/core';

/** Where a plan engine runs: a fresh directory holding the run's context file, and its variables. */
export interface PlanningDir {
  path: string;
  contextPath: string;
  /** `TUNDRA_CONTEXT_FILE` and `TUNDRA_PROMPT_VERSION`, as exec engines get them. */
  env: Record<string, string>;
}

/**
 * Runs `use` in a new temporary directory with the context file written in it, and removes the directory after.
 * The repository is not checked out for planning: the directory is empty but for the file.
 */
export async function inPlanningDir<T>(
  context: ContextFile,
  use: (dir: PlanningDir) => Promise<T>,
): Promise<T> {
  const path = await mkdtemp(join(tmpdir(), 'tundra-plan-'));
  try {
    const contextPath = join(path, 'context.md');
    await writeFile(contextPath, context.markdown, 'utf8');
    return await use({
      path,
      contextPath,
      env: { TUNDRA_CONTEXT_FILE: contextPath, TUNDRA_PROMPT_VERSION: context.version },
    });
  } finally {
    await rm(path, { recursive: true, force: true });
  }
}
