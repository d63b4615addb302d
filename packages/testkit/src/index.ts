export * from './app-process.js';
export * from './builders.js';
export * from './free-port.js';
export * from './git.js';
export * from './redis-server.js';
export * from './test-redis.js';
export * from './wait-for-job.js';
export * from './wait-for-stream.js';
