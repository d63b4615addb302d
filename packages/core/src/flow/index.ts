export * from './effect-dispatcher.js';
export * from './flow-metrics.js';
export * from './run-commands.js';
export * from './stop-signal.js';
