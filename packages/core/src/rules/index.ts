export * from './branch-name.js';
export * from './checklist-plan.js';
export * from './next-action.js';
export * from './retry-backoff.js';
export * from './run-comments.js';
