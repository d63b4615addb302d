export * from './machine.js';
export * from './protocol-run-machine.js';
export * from './step-run-machine.js';
