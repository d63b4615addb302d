import { createKeys } from '@tundra/core/server';

/**
 * The Redis keys the API writes or reads beyond the core store's (step logs are the core's `stepLog`), built from
 * the same prefix.
 */
export function createApiKeys(prefix: string) {
  const core = createKeys(prefix);
  return {
    ...core,
    /** Hash: SHA-256 (hex) of a project token → JSON `{name, createdAt}`. Only the hash is ever stored. */
    projectTokens: (projectId: string) => `${core.project(projectId)}:api-tokens`,
    /**
     * Hash: the idempotency record of a `POST /protocols` for the project, `{request, claim, status, body}`
     * (`idempotencyKey` as the routes scope it, `api:<Idempotency-Key>`).
     */
    startRequest: (projectId: string, idempotencyKey: string) =>
      `${core.project(projectId)}:idem:start:${idempotencyKey}`,
  } as const;
}
export type ApiKeys = ReturnType<typeof createApiKeys>;
