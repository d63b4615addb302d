import { z } from 'zod';
import { ContractViolationError } from '../errors.js';
import type { BackoffPolicy } from '../rules/retry-backoff.js';
import { StartTrigger } from '../rules/run-start-gate.js';
import { CorrelationId, ProjectId, ProtocolRunId, StepRunId, Timestamp } from './ids.js';
import { reportKinds } from './report-settings.js';
import { Actor } from './run-event.js';
import { TaigaItemRef } from './taiga-item.js';

/** BullMQ queues, one per consuming concern. Names avoid ':' which BullMQ reserves for its own keys. */
export const QueueName = {
  Plan: 'tundra-plan',
  Execute: 'tundra-execute',
  Qa: 'tundra-qa',
  Control: 'tundra-control',
  // The queue's name predates the name write-back; queued jobs live under it, so it stays.
  WriteBack: 'tundra-taiga-sync',
  Reconcile: 'tundra-reconcile',
  Report: 'tundra-report',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

const base = { projectId: ProjectId, correlationId: CorrelationId };
const runKeyed = { ...base, protocolRunId: ProtocolRunId };
const stepKeyed = { ...runKeyed, stepRunId: StepRunId };

export const StartRunJob = z.object({
  ...base,
  taigaItem: TaigaItemRef,
  /**
   * The delivery (inbox entry) that caused it, for tracing back to the webhook: its `deliveryId`. The field keeps its
   * first name, as queued jobs and run events store it.
   */
  sourceEventId: z.string().nullable(),
  /** Who asked for the run when a person did (an operator through the API) and why: recorded on its first event. */
  requestedBy: z.object({ actor: Actor, reason: z.string().nullable() }).optional(),
  /**
   * The project trigger that asked for the run (the ingester's routing rule, or what the reconciler found): the
   * item must still meet the project's trigger when the run starts. Absent for an operator's start.
   */
  trigger: z.enum(Object.values(StartTrigger)).optional(),
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
  /** `merged` and `closed` (without a merge) are a pull/merge request's end, for the run on its head branch. */
  outcome: z.enum(['success', 'failure', 'merged', 'closed']),
  url: z.string().nullable(),
  /** The commit a merge made on the base branch, when the forge says. */
  mergeCommitSha: z.string().nullable().optional(),
});
/**
 * Someone reviewed or commented on a pull/merge request: the review loop reads what was said from the forge and
 * decides on a fix-up step. A nudge only: any number of them for the same review start one round.
 */
export const PullRequestFeedbackJob = z.object({
  ...base,
  sourceEventId: z.string(),
  repository: z.string().min(1),
  /** The PR's number (GitLab: the MR's iid). */
  number: z.number().int().positive(),
  /** The head branch, when the webhook names it (GitHub's issue comments do not). */
  branch: z.string().min(1).nullable(),
  /** `ci_failure`: the QA app saw CI fail on the head of a run in review (`limits.ciFixAttempts`). */
  kind: z.enum(['review', 'review_comment', 'comment', 'ci_failure']),
  author: z.string(),
  /** With `ci_failure`: the commit CI failed on. */
  sha: z.string().min(1).optional(),
});
export const TaigaItemChangedJob = z.object({
  ...base,
  sourceEventId: z.string(),
  /** `ref` is 0 when the sender knows only the id (the reconciler, asking for a step's task). */
  taigaItem: TaigaItemRef.extend({ ref: z.number().int().min(0) }),
  byUserId: z.number().int(),
  statusFrom: z.string().nullable(),
  statusTo: z.string().nullable(),
  /**
   * What else the person did besides a status move (absent in jobs from before these existed): wrote a comment
   * (read from the item's history: webhooks carry no history entry id), deleted the item, cleared its blocked flag,
   * or changed its assignees (`botAssigned`: whether the bot is still among them).
   */
  commented: z.boolean().optional(),
  deleted: z.boolean().optional(),
  unblocked: z.boolean().optional(),
  botAssigned: z.boolean().optional(),
});
export const WriteBackJob = z.object({
  ...runKeyed,
  stepRunId: StepRunId.nullable(),
  /** Make every item of the run match, events or not: the reconciler found Taiga showing an older write. */
  refresh: z.boolean().optional(),
});
export const ReconcileJob = z.object({ projectId: ProjectId.nullable() });
/**
 * Make one report of a project and send it to the schedule's destinations. `schedule` names the project's schedule
 * (its period and destinations); `until` is the end of the period, the moment the scheduler fired when absent.
 */
export const RunReportJob = z.object({
  ...base,
  report: z.enum(reportKinds),
  schedule: z.string().min(1),
  until: Timestamp.optional(),
});

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

/** The write-back's job spec, under its name and its deprecated one. */
const writeBack = job({
  queue: QueueName.WriteBack,
  schema: WriteBackJob,
  attempts: 12,
  backoff: { baseMs: 1_000, maxMs: 60_000 },
  timeoutMs: 120_000,
});

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
  'pr.feedback': job({
    queue: QueueName.Control,
    schema: PullRequestFeedbackJob,
    attempts: 8,
    backoff: { baseMs: 1_000, maxMs: 60_000 },
    timeoutMs: 300_000,
  }),
  'taiga.item_changed': job({
    queue: QueueName.Control,
    schema: TaigaItemChangedJob,
    attempts: 8,
    backoff: { baseMs: 1_000, maxMs: 30_000 },
    timeoutMs: 60_000,
  }),
  'taiga.write_back': writeBack,
  // The write-back's first name: jobs queued before the rename still carry it, and its handler still takes them.
  'taiga.sync': writeBack,
  reconcile: job({
    queue: QueueName.Reconcile,
    schema: ReconcileJob,
    attempts: 1,
    backoff: { baseMs: 1_000, maxMs: 1_000 },
    timeoutMs: 600_000,
  }),
  // A report reads Taiga (through the reporter's cache) and posts to Slack and Taiga: a Taiga or Slack outage is
  // waited out for about a quarter of an hour, then the period's report is given up and counted as failed.
  'report.run': job({
    queue: QueueName.Report,
    schema: RunReportJob,
    attempts: 5,
    backoff: { baseMs: 10_000, maxMs: 300_000 },
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
