import type { ProjectSpec } from '@tundra/core';
import { ApiError, ApiErrorCode } from '../errors.js';
import type { ApiServices } from '../services.js';
import type { ProjectCheckInput } from '../taiga/ports.js';

/**
 * Runs the Taiga check of a project's settings and returns the Taiga project's id and slug. Problems answer 422,
 * each naming the field at fault; a Taiga that cannot be asked answers 502 (nothing is saved either way).
 */
export async function checkAgainstTaiga(
  services: ApiServices,
  input: ProjectCheckInput,
): Promise<Pick<ProjectSpec['taiga'], 'projectId' | 'projectSlug'>> {
  let result: Awaited<ReturnType<ApiServices['validator']['check']>>;
  try {
    result = await services.validator.check(input);
  } catch (error) {
    services.logger.warn({ err: error, projectId: input.id }, 'Taiga check could not run');
    throw new ApiError(
      ApiErrorCode.TaigaUnavailable,
      `could not check project ${input.id} against Taiga: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!result.ok) {
    throw new ApiError(
      ApiErrorCode.TaigaCheckFailed,
      `project ${input.id} does not match Taiga: ${result.problems.map((p) => p.message).join('; ')}`,
      { problems: result.problems },
    );
  }
  return result.taiga;
}
