export * from './ids.js';
export * from './jobs.js';
export * from './plan-output.js';
export * from './project.js';
export * from './protocol-run.js';
export * from './run-event.js';
export * from './step-run.js';
export * from './taiga-item.js';
