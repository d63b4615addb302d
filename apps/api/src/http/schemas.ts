import {
  Project,
  ProjectId,
  ProjectLimits,
  ProjectSpec,
  ProtocolRun,
  ProtocolRunId,
  ProtocolRunStatus,
  RunEvent,
  StatusMappingConfig,
  StepRun,
  StepRunId,
  StreamBefore,
  StreamCursor,
  StreamId,
  TaigaItemRef,
  WebhookSecretRef,
} from '@tundra/core';
import { z } from 'zod';

/** The one error shape of every endpoint. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
  }),
});

export const Pagination = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Where a live tail resumes: `?after=` (or the `Last-Event-ID` header, which wins). */
export const TailQuery = z.object({ after: StreamCursor.optional() });

export const StreamPage = z.object({
  after: StreamCursor.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const ProjectParams = z.object({ id: ProjectId });
export const RunParams = z.object({ runId: ProtocolRunId });
export const StepParams = z.object({ id: StepRunId });

const defaultLimits: ProjectLimits = { concurrentRuns: 1, stepTimeoutSeconds: 3600, maxAttempts: 3 };

/** A Taiga project named by its id, its slug, or both; registration fills in the other from Taiga. */
export const TaigaProjectInput = z
  .object({
    projectId: z.number().int().positive().optional(),
    projectSlug: z.string().min(1).max(100).optional(),
    webhookSecretRef: WebhookSecretRef,
  })
  .refine((taiga) => taiga.projectId !== undefined || taiga.projectSlug !== undefined, {
    message: 'name the Taiga project by projectId or projectSlug',
    path: ['projectId'],
  });
export type TaigaProjectInput = z.infer<typeof TaigaProjectInput>;

/** What `POST /projects` takes: a ProjectSpec, with defaults for what most projects leave alone. */
export const ProjectInput = ProjectSpec.extend({
  taiga: TaigaProjectInput,
  statusMapping: StatusMappingConfig.default({ preset: 'taiga-default' }),
  planEngine: ProjectSpec.shape.planEngine.default({ kind: 'taiga-tasks' }),
  waitForMerge: z.boolean().default(false),
  limits: ProjectLimits.default(defaultLimits),
});
export type ProjectInput = z.infer<typeof ProjectInput>;

/** What `PATCH /projects/{id}` takes: any top-level fields of the spec, each replacing the stored one whole. */
export const ProjectPatch = ProjectSpec.omit({ id: true })
  .extend({ taiga: TaigaProjectInput })
  .partial()
  .strict();
export type ProjectPatch = z.infer<typeof ProjectPatch>;

/**
 * A project as the API shows it. A project token reads the settings that run code or name secrets masked
 * (`***`): commands, the webhook key's variable, credentials in repository URLs.
 */
export const ProjectView = Project.extend({
  taiga: Project.shape.taiga.extend({
    webhookSecretRef: z.string().describe('The variable holding the webhook key; `***` for a project token'),
  }),
});
export const ProjectBody = z.object({ project: ProjectView });

export const TaigaLinks = z.object({
  /** The Taiga web page of the item, when TUNDRA_TAIGA_WEB_URL is set. */
  taigaItem: z.string().nullable(),
});
export const StepLinks = z.object({
  /**
   * The Taiga web page of the step's task, when TUNDRA_TAIGA_WEB_URL is set, the step has a task and Taiga told
   * its ref.
   */
  taigaTask: z.string().nullable(),
  /** The Taiga API resource of the step's task (`<TUNDRA_TAIGA_URL>/api/v1/tasks/<id>`), for programs. */
  taigaTaskApi: z.string().nullable(),
});

export const RunWithLinks = ProtocolRun.extend({ links: TaigaLinks });
export const StepWithLinks = StepRun.extend({ links: StepLinks });

export const RunListQuery = Pagination.extend({
  status: z.enum(Object.values(ProtocolRunStatus)).optional(),
  /** Only the runs of the Taiga item with this ref (user story or task). */
  ref: z.coerce.number().int().positive().optional(),
});

/** A run in a list: with its Taiga links and its steps' statuses in plan order (a progress bar's worth). */
export const RunSpend = z.object({
  costUsd: z.number(),
  tokensIn: z.number().int(),
  tokensOut: z.number().int(),
});

export const RunListItem = RunWithLinks.extend({
  stepStatuses: z.array(z.string()),
  spend: RunSpend,
});

export const RunList = z.object({
  protocols: z.array(RunListItem),
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
});

/** What a run's engines spent over all its steps and attempts. */
export const RunDetail = z.object({
  protocol: RunWithLinks,
  steps: z.array(StepWithLinks),
  spend: RunSpend,
});

export const EventPage = z.object({
  events: z.array(RunEvent),
  /** Pass as `after` to get the next page; null when this page was the last. */
  next: StreamId.nullable(),
});

export const LogLine = z.object({
  id: StreamId,
  stream: z.enum(['stdout', 'stderr']),
  line: z.string(),
  at: z.string(),
});
export type LogLine = z.infer<typeof LogLine>;
export const LogPage = z.object({ lines: z.array(LogLine), next: StreamId.nullable() });

/** Every action takes an optional reason (recorded in the event stream) and an optional expected version. */
export const ActionBody = z
  .object({
    reason: z.string().min(1).max(2000).optional(),
    /** Refuse the action (409 CONFLICT) unless the record is still at this version. */
    expectedVersion: z.number().int().min(1).optional(),
  })
  .strict()
  .default({});

export const StartRunBody = z
  .object({
    projectId: ProjectId,
    /** The item's ref, the number people see on the board (`#42`). */
    ref: z.number().int().positive(),
    reason: z.string().min(1).max(2000).optional(),
  })
  .strict();

export const StartRunAccepted = z.object({
  status: z.literal('accepted'),
  jobId: z.string(),
  projectId: ProjectId,
  taigaItem: TaigaItemRef,
  /** True when this is the stored first answer to the same request with the same Idempotency-Key. */
  replayed: z.boolean(),
});
export const StartRunExisting = z.object({
  status: z.literal('active'),
  protocol: ProtocolRun,
  replayed: z.boolean(),
});

export const ActionResult = z.object({
  /** The action's transition event; for `run`/`run_qa`, the audit event that recorded the request. */
  eventId: z.string(),
  replayed: z.boolean(),
});
export const RunActionResult = ActionResult.extend({ protocol: ProtocolRun });
export const StepActionResult = ActionResult.extend({
  step: StepRun,
  /** The job enqueued by `run` and `run_qa`. */
  jobId: z.string().nullable(),
});

export const AttentionQuery = z.object({ project: ProjectId.optional() });

/** What waits for a person: steps in QA under manual QA, blocked runs, plans waiting for approval. */
export const Attention = z.object({
  needsQa: z.array(z.object({ step: StepRun, run: ProtocolRun })),
  blocked: z.array(ProtocolRun),
  awaitingApproval: z.array(ProtocolRun),
});

export const InboxQuery = z.object({
  project: ProjectId.optional(),
  /** Entries older than this inbox id (the previous page's `next`). */
  before: StreamBefore.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const InboxDelivery = z.object({
  id: StreamId,
  receivedAt: z.string(),
  source: z.string(),
  projectKey: z.string().nullable(),
  /** What the sender says happened: Taiga's `type`/`action`, GitHub's or GitLab's event header. */
  event: z.string().nullable(),
  /** `type:id` of the Taiga item. */
  item: z.string().nullable(),
  /** `pending`: accepted, its jobs not confirmed yet (recovery re-drives it); `routed`: its jobs were enqueued. */
  verdict: z.enum(['pending', 'routed']),
  /** Where it was routed: the project and the item it concerns. */
  routes: z.array(z.string()),
  replayOf: StreamId.nullable(),
});
export const InboxPage = z.object({ deliveries: z.array(InboxDelivery), next: StreamId.nullable() });
export const InboxParams = z.object({ deliveryId: StreamId });

export const RunComment = z.object({
  eventId: StreamId,
  on: z.enum(['item', 'step']),
  stepRunId: z.string().nullable(),
  text: z.string(),
  /** Whether the write-back has written it to Taiga already. */
  posted: z.boolean(),
});
export const RunComments = z.object({ comments: z.array(RunComment) });
