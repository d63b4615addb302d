import { z } from 'zod';
import { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import { StepRunStatus } from '../machine/step-run-machine.js';
import { ProjectId, Timestamp } from './ids.js';

const slug = z.string().min(1).max(100);
const argv = z.array(z.string().min(1)).min(1);

/** Which Taiga moves start a ProtocolRun: assignment to the bot user, a move into one of the trigger statuses, or both. */
export const TriggerRule = z.object({
  onBotAssignment: z.boolean(),
  statusSlugs: z.array(slug),
});
export type TriggerRule = z.infer<typeof TriggerRule>;

/** Per-project overrides on top of a status-mapping preset: Tundra status → Taiga status slug. */
export const StatusMappingConfig = z.object({
  preset: z.enum(['taiga-default', 'tundra']),
  userStory: z.partialRecord(z.enum(Object.values(ProtocolRunStatus)), slug).optional(),
  task: z.partialRecord(z.enum(Object.values(StepRunStatus)), slug).optional(),
});
export type StatusMappingConfig = z.infer<typeof StatusMappingConfig>;

export const PlanEngineConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('taiga-tasks') }),
  z.object({ kind: z.literal('checklist') }),
  z.object({ kind: z.literal('command'), command: argv }),
]);
export type PlanEngineConfig = z.infer<typeof PlanEngineConfig>;

export const ExecEngineConfig = z.object({ kind: z.literal('command'), command: argv });
export type ExecEngineConfig = z.infer<typeof ExecEngineConfig>;

export const QaPolicyConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('command'), command: argv }),
  z.object({ kind: z.literal('ci') }),
  z.object({ kind: z.literal('manual') }),
]);
export type QaPolicyConfig = z.infer<typeof QaPolicyConfig>;

export const ProjectLimits = z.object({
  concurrentRuns: z.number().int().min(1).max(1000),
  stepTimeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600),
  maxAttempts: z.number().int().min(1).max(20),
});
export type ProjectLimits = z.infer<typeof ProjectLimits>;

/** What an operator registers. `webhookSecretRef` names the environment variable that holds the webhook key. */
export const ProjectSpec = z.object({
  id: ProjectId,
  name: z.string().min(1).max(200),
  taiga: z.object({
    projectId: z.number().int().positive(),
    projectSlug: slug,
    webhookSecretRef: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name'),
  }),
  repository: z.object({
    url: z.string().min(1),
    baseBranch: z.string().min(1),
    pushRemote: z.string().min(1).nullable(),
  }),
  trigger: TriggerRule,
  statusMapping: StatusMappingConfig,
  planEngine: PlanEngineConfig,
  execEngine: ExecEngineConfig,
  qaPolicy: QaPolicyConfig,
  waitForMerge: z.boolean(),
  limits: ProjectLimits,
});
export type ProjectSpec = z.infer<typeof ProjectSpec>;

/** A stored project: the spec plus bookkeeping. */
export const Project = ProjectSpec.extend({
  version: z.number().int().min(1),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Project = z.infer<typeof Project>;
