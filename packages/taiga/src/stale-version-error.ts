import { NonRetryableError } from '@tundra/core';
import type { TaigaCallSite } from './errors.js';

/**
 * Taiga refused a PATCH for its stale `version` (HTTP 400). The optimistic-update loop catches it, re-reads and
 * re-applies; callers see `TaigaConflictError` once the loop gives up.
 */
export class StaleVersionError extends NonRetryableError {
  readonly code = 'TAIGA_STALE_VERSION';
  constructor(readonly site: TaigaCallSite) {
    super(`Taiga ${site.method} ${site.endpoint}: the version doesn't match the current one`);
  }
}
