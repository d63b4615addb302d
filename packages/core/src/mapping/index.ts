export * from './board-move.js';
export * from './check-mapping.js';
export * from './lone-task-move.js';
export * from './status-mapping.js';
export * from './status-mapping-error.js';
export * from './status-patch.js';
export * from './taiga-slug.js';
