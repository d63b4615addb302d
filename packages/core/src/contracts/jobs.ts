import { z } from 'zod';
import { ContractViolationError } from '../errors.js';
import type { BackoffPolicy } from '../rules/retry-backoff.js';
import { CorrelationId, ProjectId, ProtocolRunId, StepRunId } from './ids.js';
import { Actor } from './run-event.js';
import { TaigaItemRef } from './taiga-item.js';

/** BullMQ queues, one per consuming concern. Names avoid ':' which BullMQ reserves for its own keys. */
export const QueueName = {
  Plan: 'tundra-plan',
  Execute: 'tundra-execute',
  Qa: 'tundra-qa',
  Control: 'tundra-control',
  TaigaSync: 'tundra-taiga-sync',
  Reconcile: 'tundra-reconcile',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

const base = { projectId: ProjectId, correlationId: CorrelationId };
const runKeyed = { ...base, protocolRunId: ProtocolRunId };
const stepKeyed = { ...runKeyed, stepRunId: StepRunId };

export const StartRunJob = z.object({
  ...base,
  taigaItem: TaigaItemRef,
  /** The inbox event that caused it, for tracing back to the webhook. */
  sourceEventId: z.string().nullable(),
  /** Who asked for the run when a person did (an operator through the API) and why: recorded on its first event. */
  requestedBy: z.object({ actor: Actor, reason: z.string().nullable() }).optional(),
});
export const ReplanRunJob = z.object(runKeyed);
/** Look at a run and do what comes next (start the next step, complete the run); safe to enqueue any number of times. */
export const AdvanceRunJob = z.object(runKeyed);
/** Remove an ended run's git worktree (its branch stays in the clone and on the remote). */
export const CleanupRunJob = z.object(runKeyed);
export const ExecuteStepJob = z.object({ ...stepKeyed, attempt: z.number().int().min(1) });
export const QaStepJob = z.object({ ...stepKeyed, trigger: z.enum(['after_exec', 'ci', 'manual']) });
export const CiResultJob = z.object({
  ...base,
  sourceEventId: z.string(),
  repository: z.string().min(1),
  branch: z.string().min(1),
  sha: z.string().nullable(),
  outcome: z.enum(['success', 'failure', 'merged']),
  url: z.string().nullable(),
});
export const TaigaItemChangedJob = z.object({
  ...base,
  sourceEventId: z.string(),
  taigaItem: TaigaItemRef,
  byUserId: z.number().int(),
  statusFrom: z.string().nullable(),
  statusTo: z.string().nullable(),
});
export const TaigaSyncJob = z.object({ ...runKeyed, stepRunId: StepRunId.nullable() });
export const ReconcileJob = z.object({ projectId: ProjectId.nullable() });

interface JobDefinition<S extends z.ZodType> {
  readonly queue: QueueName;
  readonly schema: S;
  readonly attempts: number;
  /** The wait between attempts: exponential from `baseMs`, never more than `maxMs`. */
  readonly backoff: BackoffPolicy;
  /** Longest a handler may run before it is treated as stuck. */
  readonly timeoutMs: number;
}

const job = <S extends z.ZodType>(definition: JobDefinition<S>) => definition;

/**
 * The job catalog: every job name with its queue, payload schema and retry policy. Payloads are parsed when
 * enqueued and again when handled.
 */
export const jobCatalog = {
  'run.start': job({
    queue: QueueName.Plan,
    schema: StartRunJob,
    attempts: 5,
    backoff: { baseMs: 2_000, maxMs: 60_000 },
    timeoutMs: 600_000,
  }),
  'run.replan': job({
    queue: QueueName.Plan,
    schema: ReplanRunJob,
    attempts: 5,
    backoff: { baseMs: 2_000, maxMs: 60_000 },
    timeoutMs: 600_000,
  }),
  'run.advance': job({
    queue: QueueName.Plan,
    schema: AdvanceRunJob,
    attempts: 10,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    timeoutMs: 60_000,
  }),
  // A step's own attempts are counted on the StepRun and spaced by the planner (TUNDRA_STEP_RETRY_*): these job
  // attempts only cover an executor that failed before it could start the step or record its outcome (Redis, say).
  // A job that fails them all is found by the next `run.advance`, which blocks the run with its reason.
  'step.execute': job({
    queue: QueueName.Execute,
    schema: ExecuteStepJob,
    attempts: 3,
    backoff: { baseMs: 5_000, maxMs: 60_000 },
    timeoutMs: 6 * 3_600_000,
  }),
  'run.cleanup': job({
    queue: QueueName.Execute,
    schema: CleanupRunJob,
    attempts: 5,
    backoff: { baseMs: 5_000, maxMs: 300_000 },
    timeoutMs: 600_000,
  }),
  'step.qa': job({
    queue: QueueName.Qa,
    schema: QaStepJob,
    attempts: 5,
    backoff: { baseMs: 5_000, maxMs: 60_000 },
    timeoutMs: 3_600_000,
  }),
  'ci.result': job({
    queue: QueueName.Qa,
    schema: CiResultJob,
    attempts: 8,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    timeoutMs: 60_000,
  }),
  'taiga.item_changed': job({
    queue: QueueName.Control,
    schema: TaigaItemChangedJob,
    attempts: 8,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    timeoutMs: 60_000,
  }),
  'taiga.sync': job({
    queue: QueueName.TaigaSync,
    schema: TaigaSyncJob,
    attempts: 12,
    backoff: { baseMs: 1_000, maxMs: 60_000 },
    timeoutMs: 120_000,
  }),
  reconcile: job({
    queue: QueueName.Reconcile,
    schema: ReconcileJob,
    attempts: 1,
    backoff: { baseMs: 1_000, maxMs: 1_000 },
    timeoutMs: 600_000,
  }),
} as const;

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['schema']>;

/** Parses a job payload against its contract; a mismatch is a non-retryable ContractViolationError. */
export function parseJobPayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const result = jobCatalog[name].schema.safeParse(data);
  if (!result.success) {
    throw new ContractViolationError(`job '${name}' payload`, formatZodIssues(result.error));
  }
  return result.data as JobPayload<N>;
}

/** Zod issues as `path: message` lines, the form every Tundra error message uses. */
export function formatZodIssues(error: z.ZodError): string[] {
  return error.issues.map(
    (issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`,
  );
}
