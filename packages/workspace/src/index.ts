export * from './git.js';
export * from './workspace-manager.js';
