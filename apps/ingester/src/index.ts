// @tundra/ingester: the webhook receiver. `main.ts` runs it; tests and benchmarks build it from here.
export { type AppDeps, createRequestListener } from './app.js';
export { type IngesterConfig, ingesterConfigSchema } from './config.js';
export { routingTable } from './ingest/routing.js';
export { type IngesterOptions, startIngester } from './ingester.js';
