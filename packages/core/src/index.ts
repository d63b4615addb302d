// The pure part of @tundra/core: no I/O, safe to import anywhere (see ./server for the Redis store and plumbing).
export * from './contracts/index.js';
export * from './errors.js';
export * from './events/index.js';
export * from './machine/index.js';
export * from './mapping/index.js';
export * from './rules/index.js';
export * from './write-back/index.js';
