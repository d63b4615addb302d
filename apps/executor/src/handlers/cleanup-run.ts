import type { JobHandler, StateStore } from '@tundra/core/server';
import type { WorkspaceManager } from '@tundra/workspace';

/**
 * `run.cleanup`: removes the git worktree of a run that has ended (completed or cancelled), so workspaces do not
 * grow with every run. The run's branch stays in the project's clone and on its remote.
 */
export function createCleanupRunHandler(deps: {
  store: StateStore;
  workspaces: WorkspaceManager;
}): JobHandler<'run.cleanup'> {
  return async (payload, { logger }) => {
    const run = await deps.store.runs.getRun(payload.protocolRunId);
    if (!run || (run.status !== 'completed' && run.status !== 'cancelled')) {
      return { outcome: 'kept', status: run?.status ?? 'missing' };
    }
    await deps.workspaces.removeWorktree({ id: run.projectId }, run);
    logger.info('worktree removed');
    return { outcome: 'removed' };
  };
}
