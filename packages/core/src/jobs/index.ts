export * from './handover.js';
export * from './job-metrics.js';
export * from './job-queues.js';
export * from './worker-host.js';
