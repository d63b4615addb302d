// @tundra/api: the operator API as a library, for tests and for embedding (main.ts runs it as an app).
export * from './app.js';
export * from './config.js';
export * from './errors.js';
export * from './server.js';
export * from './taiga/ports.js';
export * from './taiga/taiga-adapters.js';
