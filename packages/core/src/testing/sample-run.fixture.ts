import type { ProtocolRun } from '../contracts/protocol-run.js';
import type { RunEvent } from '../contracts/run-event.js';
import type { StepRun } from '../contracts/step-run.js';

/** Records for core's pure tests (comments, the event catalog, the write-back plan); not built into the package. */
export const sampleAt = '2026-01-01T00:00:00.000Z';

export function sampleRun(overrides: Partial<ProtocolRun> = {}): ProtocolRun {
  return {
    id: 'run_aaaaaaaa',
    projectId: 'demo',
    status: 'running',
    version: 5,
    taigaItem: { type: 'userstory', id: 1, ref: 42 },
    title: 'Login page',
    branch: 'tundra/42-login-page',
    plan: null,
    correlationId: 'c',
    reason: null,
    createdAt: sampleAt,
    updatedAt: sampleAt,
    ...overrides,
  };
}

/** The run's step at `order`, shown on Taiga task `10 + order`. */
export function sampleStep(order: number, overrides: Partial<StepRun> = {}): StepRun {
  return {
    id: `step_bbbbbbb${order}`,
    protocolRunId: 'run_aaaaaaaa',
    projectId: 'demo',
    order,
    title: `step ${order}`,
    instructions: '',
    status: 'completed',
    version: 3,
    attempts: 1,
    taigaTaskId: 10 + order,
    resultSummary: null,
    commitSha: null,
    createdAt: sampleAt,
    updatedAt: sampleAt,
    ...overrides,
  };
}

export function sampleEvent(type: string, entityId: string, overrides: Partial<RunEvent> = {}): RunEvent {
  return {
    id: '1-0',
    type,
    entityId,
    from: null,
    to: null,
    version: 2,
    at: sampleAt,
    actor: { kind: 'system', name: 't' },
    correlationId: 'c',
    payload: {},
    ...overrides,
  };
}
