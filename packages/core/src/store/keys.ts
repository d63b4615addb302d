import type { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import type { StepRunStatus } from '../machine/step-run-machine.js';

/**
 * Every Redis key Tundra writes, built in one place. A run's keys share the `{runId}` hash tag so a run's record,
 * steps, stream and idempotency keys live in one slot. The prefix is configurable so tests (and several Tundra
 * installations on one Redis) never share keys by accident.
 *
 * The key layout is documented in docs/architecture.md; keep the two together.
 */
export function createKeys(prefix = 'tundra') {
  const run = (runId: string) => `${prefix}:run:{${runId}}`;
  const project = (projectId: string) => `${prefix}:project:${projectId}`;
  return {
    prefix,
    projects: () => `${prefix}:projects`,
    project,
    projectRuns: (projectId: string) => `${project(projectId)}:runs`,
    runsByStatus: (projectId: string, status: ProtocolRunStatus) => `${project(projectId)}:runs:${status}`,
    stepsByStatus: (projectId: string, status: StepRunStatus) => `${project(projectId)}:steps:${status}`,
    activeItems: (projectId: string) => `${project(projectId)}:active-items`,
    itemRuns: (projectId: string, itemKey: string) => `${project(projectId)}:item-runs:${itemKey}`,
    taskSteps: (projectId: string) => `${project(projectId)}:task-steps`,
    run,
    runSteps: (runId: string) => `${run(runId)}:steps`,
    runEvents: (runId: string) => `${run(runId)}:events`,
    step: (runId: string, stepId: string) => `${run(runId)}:step:${stepId}`,
    idempotency: (runId: string, key: string) => `${run(runId)}:idem:${key}`,
    /** The step's engine output: a capped stream of {stream: stdout|stderr, line, at}. */
    stepLog: (runId: string, stepId: string) => `${run(runId)}:step:${stepId}:log`,
    /** Held (with a TTL the executor keeps renewing) while a live executor works on the step. */
    stepLease: (runId: string, stepId: string) => `${run(runId)}:step:${stepId}:lease`,
    /** CI's last verdict on each commit of the run (SHA → JSON): a step that reaches QA after CI reported gets it. */
    runCiVerdicts: (runId: string) => `${run(runId)}:ci`,
    /** Which Taiga events the outbox has already reflected for the run (the last run-stream id). */
    outboxCursor: (runId: string) => `${run(runId)}:outbox-cursor`,
    /** Held while one write-back of the run is in progress: comments go out once and in order. */
    outboxLock: (runId: string) => `${run(runId)}:outbox-lock`,
    /** Runs executing now in the project, scored by lease expiry: the per-project concurrency limit. */
    projectSlots: (projectId: string) => `${project(projectId)}:slots`,
    stepIndex: () => `${prefix}:step-runs`,
    globalEvents: () => `${prefix}:events`,
    /** Pub/sub channel on which engine processes are told to stop (cancel, pause). */
    controlChannel: () => `${prefix}:control`,
  } as const;
}

export type Keys = ReturnType<typeof createKeys>;
