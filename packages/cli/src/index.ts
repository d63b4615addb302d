// @tundra/cli as a library: the command tree and the API client (the `tundra` bin runs main.ts).
export * from './api-client.js';
export * from './cli.js';
export * from './errors.js';
export * from './exit-codes.js';
