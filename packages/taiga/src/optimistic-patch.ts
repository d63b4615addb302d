import type { Logger } from 'pino';
import { type TaigaCallSite, TaigaConflictError } from './errors.js';
import type { TaigaMetrics } from './metrics.js';
import { StaleVersionError } from './stale-version-error.js';

/** The result of a read-compute-write: whether a PATCH was sent, and the object as it now stands. */
export interface PatchOutcome<T> {
  readonly changed: boolean;
  readonly item: T;
  /** PATCHes sent (0 when `change` found nothing to do at once). */
  readonly attempts: number;
}

export interface OptimisticPatchDeps<T, B> {
  readonly resource: 'task' | 'userstory' | 'issue' | 'wiki';
  readonly site: TaigaCallSite;
  readonly conflictRetries: number;
  readonly metrics: TaigaMetrics;
  readonly logger: Logger;
  read(): Promise<T>;
  write(body: B & { version: number }): Promise<T>;
}

/**
 * Optimistic concurrency the way Taiga wants it: read the object, let `change` compute the fields to send from
 * it (null: nothing to do any more), PATCH them with the object's `version`; when Taiga answers that the version
 * is stale, read again and recompute, at most `conflictRetries` more times.
 */
export async function patchWithVersion<T extends { version: number }, B extends object>(
  deps: OptimisticPatchDeps<T, B>,
  change: (current: T) => B | null,
): Promise<PatchOutcome<T>> {
  let attempts = 0;
  for (;;) {
    const current = await deps.read();
    const body = change(current);
    if (body === null) return { changed: false, item: current, attempts };
    attempts += 1;
    try {
      return { changed: true, item: await deps.write({ ...body, version: current.version }), attempts };
    } catch (error) {
      if (!(error instanceof StaleVersionError)) throw error;
      deps.metrics.versionConflicts.inc({ resource: deps.resource });
      deps.logger.info({ resource: deps.resource, attempt: attempts }, 'Taiga version conflict; re-reading');
      if (attempts > deps.conflictRetries) throw new TaigaConflictError(deps.site, attempts);
    }
  }
}
