import type { EngineRunner } from '@tundra/engine';
import type { WorkspaceManager } from '@tundra/workspace';
import type { RunChecks } from './handlers/qa-step.js';

export interface RunChecksDeps {
  engines: EngineRunner;
  workspaces: WorkspaceManager;
  timeoutMs: number;
  baseEnv: Record<string, string | undefined>;
}

/**
 * The `command` QA policy: the project's checks (tests, linters) run in the run's worktree, at the step's commit;
 * exit code 0 passes. A failure's summary is the end of the checks' output, for the Taiga comment.
 */
export function createRunChecks(deps: RunChecksDeps): RunChecks {
  return async (project, run, step) => {
    if (project.qaPolicy.kind !== 'command') throw new Error(`project ${project.id} has no QA command`);
    const worktree = await deps.workspaces.ensureWorktree(project, run);
    const result = await deps.engines.run({
      kind: 'qa',
      command: project.qaPolicy.command,
      cwd: worktree.path,
      env: {
        ...deps.baseEnv,
        TUNDRA_STEP_ID: step.id,
        TUNDRA_RUN_ID: run.id,
        TUNDRA_WORKTREE: worktree.path,
      },
      timeoutMs: deps.timeoutMs,
    });
    if (result.outcome === 'succeeded')
      return { passed: true, summary: result.result?.summary ?? 'checks passed' };
    const tail = result.tail.slice(-10).join('\n');
    return { passed: false, summary: `${result.reason ?? 'checks failed'}${tail ? `\n${tail}` : ''}` };
  };
}
