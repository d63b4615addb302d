import type { Project, ProtocolRun, StepRun } from '@tundra/core';
import { canSee, type Principal } from '../auth/principal.js';
import { notFound } from '../errors.js';
import type { ApiServices } from '../services.js';

/**
 * Lookups that answer 404 both for what does not exist and for what the caller's token may not see, so a project
 * token cannot learn that another project's run exists.
 */
export async function visibleProject(
  services: ApiServices,
  principal: Principal,
  projectId: string,
): Promise<Project> {
  const project = canSee(principal, projectId) ? await services.store.projects.get(projectId) : null;
  if (!project) throw notFound('project', projectId);
  return project;
}

export async function visibleRun(
  services: ApiServices,
  principal: Principal,
  runId: string,
): Promise<ProtocolRun> {
  const run = await services.store.runs.getRun(runId);
  if (!run || !canSee(principal, run.projectId)) throw notFound('protocol run', runId);
  return run;
}

export async function visibleStep(
  services: ApiServices,
  principal: Principal,
  stepId: string,
): Promise<StepRun> {
  const step = await services.store.runs.findStep(stepId);
  if (!step || !canSee(principal, step.projectId)) throw notFound('step run', stepId);
  return step;
}
