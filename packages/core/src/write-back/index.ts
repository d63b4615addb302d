export * from './desired-state.js';
export * from './taiga-item-port.js';
export * from './taiga-item-writer.js';
export * from './write-back-plan.js';
