export * from './comment-texts.js';
export * from './event-catalog.js';
export * from './plan-transition.js';
export * from './run-comments.js';
