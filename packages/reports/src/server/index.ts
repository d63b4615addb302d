// The I/O edge of the reports: Taiga through the Redis cache, Tundra's runs, the report service, the destinations
// (Slack, Taiga's wiki, a directory) and the schedules.

export * from './create-reports.js';
export * from './destinations/slack.js';
export * from './destinations/taiga-wiki.js';
export * from './errors.js';
export * from './metrics.js';
export * from './report-cache.js';
export * from './report-delivery.js';
export * from './report-service.js';
export * from './runs-reader.js';
export * from './schedules.js';
export * from './taiga-reader.js';
