import { NonRetryableError } from '../errors.js';
import type { MappingProblem } from './check-mapping.js';

/** A project's status mapping names Taiga statuses that the project does not have. */
export class StatusMappingError extends NonRetryableError {
  readonly code = 'STATUS_MAPPING';
  constructor(readonly problems: readonly MappingProblem[]) {
    super(problems.map((problem) => problem.message).join('\n'));
  }
}
