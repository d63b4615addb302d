import { checkMapping, type ProjectSpec, StatusMappingError } from '@tundra/core';
import type { TaigaClient } from './taiga-client.js';

/**
 * Start-up check: the project's status mapping names only statuses its Taiga project has. Throws a
 * StatusMappingError that names the project, each missing slug and the slugs that exist.
 */
export async function verifyProjectMapping(
  client: Pick<TaigaClient, 'listTaskStatuses' | 'listUserStoryStatuses'>,
  project: Pick<ProjectSpec, 'id' | 'taiga' | 'statusMapping'>,
): Promise<void> {
  const [taskStatuses, storyStatuses] = await Promise.all([
    client.listTaskStatuses(project.taiga.projectId),
    client.listUserStoryStatuses(project.taiga.projectId),
  ]);
  const problems = checkMapping(project.id, project.statusMapping, taskStatuses, storyStatuses);
  if (problems.length > 0) throw new StatusMappingError(problems);
}
