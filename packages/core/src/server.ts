// The I/O part of @tundra/core: Redis store, config loading, logging, metrics and the service runtime.
export * from './config/load-config.js';
export * from './flow/index.js';
export * from './jobs/index.js';
export * from './logging/logger.js';
export * from './metrics/registry.js';
export * from './metrics/state-gauges.js';
export * from './runtime/app-main.js';
export * from './runtime/job-context.js';
export * from './runtime/ops-app.js';
export * from './runtime/redis.js';
export * from './runtime/run-service.js';
export * from './runtime/worker-app.js';
export * from './runtime/worker-main.js';
export * from './store/index.js';
