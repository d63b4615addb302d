import type { PaginationOptions } from '../http/pagination.js';
import type { SandboxCore } from '../operations/core.js';

/** What every router gets. */
export interface RouteDeps {
  core: SandboxCore;
  pagination: PaginationOptions;
}
