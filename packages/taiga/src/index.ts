// @tundra/taiga: Tundra's only way to talk to Taiga (the typed client), and Taiga's webhook signatures.
export * from './backoff.js';
export * from './config.js';
export * from './error-mapping.js';
export * from './errors.js';
export type { components as TaigaSchemas, paths as TaigaPaths } from './generated/schema.js';
export type { TaigaMetrics } from './metrics.js';
export { createTaigaMetrics } from './metrics.js';
export * from './optimistic-patch.js';
export * from './pagination.js';
export * from './stale-version-error.js';
export * from './taiga-client.js';
export * from './types.js';
export * from './verify-project-mapping.js';
export * from './webhook-signature.js';
