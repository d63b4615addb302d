export * from './engine-metrics.js';
export * from './engine-name.js';
export * from './engine-result.js';
export * from './engine-runner.js';
export * from './line-splitter.js';
export { killRunningEngines } from './process-group.js';
export * from './run-engine-process.js';
export * from './step-log-sink.js';
