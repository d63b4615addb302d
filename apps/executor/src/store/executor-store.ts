import { hostname } from 'node:os';
import { type Keys, type RedisClient, SpendLedger } from '@tundra/core/server';
import { EngineRecordStore } from './engine-record-store.js';
import { ProjectSlots } from './project-slots.js';
import { StepLeases } from './step-leases.js';
import { StepLogWriter } from './step-log-writer.js';

/** This executor's id, stored as the value of the leases it holds: host, pid and a random tail. */
export function leaseHolderId(): string {
  return `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * The executor's Redis state, one repository per kind, built once by the wiring and handed to the handlers: step
 * leases held in `holder`'s name, project slots, engine records, the spend ledger and step logs.
 */
export function createExecutorStore(redis: RedisClient, keys: Keys, holder: string = leaseHolderId()) {
  return {
    leases: new StepLeases(redis, keys, holder),
    slots: new ProjectSlots(redis, keys),
    engines: new EngineRecordStore(redis, keys),
    ledger: new SpendLedger(redis, keys),
    logs: new StepLogWriter(redis, keys),
  } as const;
}
export type ExecutorStore = ReturnType<typeof createExecutorStore>;
