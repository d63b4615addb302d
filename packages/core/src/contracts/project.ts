import { z } from 'zod';
import { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import { StepRunStatus } from '../machine/step-run-machine.js';
import { ClaudeCodePreset, CodexPreset, CommandPreset, EnginePreset, ModelName } from './engine-preset.js';
import { ProjectId, Timestamp } from './ids.js';
import { ReportSettings } from './report-settings.js';

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

/**
 * The plan engine: the item's own Taiga tasks or checklist, a coding agent run read-only (the presets of
 * `execEngine` whose final message carries the plan: Claude Code, Codex; aider reports only the files it edited),
 * or any command (docs/engines.md#plan-engines).
 */
export const PlanEngineConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('taiga-tasks') }),
  z.object({ kind: z.literal('checklist') }),
  ClaudeCodePreset,
  CodexPreset,
  CommandPreset,
]);
export type PlanEngineConfig = z.infer<typeof PlanEngineConfig>;

/** The exec engine: a coding-agent preset (Claude Code, Codex, aider) or any command (docs/engines.md). */
export const ExecEngineConfig = EnginePreset;
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
  /** An engine that prints nothing for this long is stopped and its step fails as `stalled`; absent: never. */
  stallSeconds: z
    .number()
    .int()
    .min(1)
    .max(24 * 3600)
    .optional(),
  /** Pull-request delivery: review rounds (fix-up steps asked by people) before the run is blocked. Default 3. */
  reviewRounds: z.number().int().min(0).max(50).optional(),
  /** Pull-request delivery: fix-up steps a red CI run on the PR's head may start by itself. Default 0 (none). */
  ciFixAttempts: z.number().int().min(0).max(20).optional(),
});
export type ProjectLimits = z.infer<typeof ProjectLimits>;

/**
 * Which models a project's steps may run with. The model of a step is, most specific first: a Taiga tag
 * `model:<name>` on its task, then on its story, the plan step's, `default`, the preset's own `model`. A model
 * outside the allow-list (`allowed`, plus `default` and `fallbackModel`) blocks the run before the step starts.
 */
export const ModelSettings = z.object({
  default: ModelName.optional(),
  allowed: z.array(ModelName).max(100).optional(),
  /** The model of an attempt that follows a failed one. */
  fallbackModel: ModelName.optional(),
});
export type ModelSettings = z.infer<typeof ModelSettings>;

const usd = z.number().positive().max(1_000_000);

/**
 * Spending limits, each optional. A step's cost counts every attempt of the step; a run's, every step; a day's,
 * every run of the project in that UTC day. Enforced by the executor (docs/engines.md#budgets).
 */
export const BudgetSettings = z.object({
  maxCostUsdPerStep: usd.optional(),
  maxCostUsdPerRun: usd.optional(),
  maxTokensPerRun: z.number().int().positive().max(1_000_000_000_000).optional(),
  maxCostUsdPerDay: usd.optional(),
});
export type BudgetSettings = z.infer<typeof BudgetSettings>;

/** The name of an environment variable of the executor whose value must never be shown (an API key). */
export const SecretEnvName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name');

/**
 * The prefix of every variable a project may name as its webhook key. Any other name could point a project at a
 * value that is not a secret (`TUNDRA_INGESTER_PORT`) and make its webhooks forgeable, or at another secret.
 */
export const webhookKeyVariablePrefix = 'TUNDRA_WEBHOOK_KEY_';

const webhookKeyVariable = new RegExp(`^${webhookKeyVariablePrefix}[A-Z0-9_]+$`);

/** Whether a variable name may hold a project's webhook key. */
export function isWebhookKeyVariable(name: string): boolean {
  return webhookKeyVariable.test(name);
}

/**
 * `taiga.webhookSecretRef` as it is accepted when a project is registered or changed. Stored projects are read with
 * the looser name rule of `ProjectSpec` (projects saved before the prefix existed stay readable), and the ingester
 * refuses to take a webhook key from any variable outside the prefix.
 */
export const WebhookSecretRef = z
  .string()
  .regex(webhookKeyVariable, `an environment variable named ${webhookKeyVariablePrefix}<NAME> (A-Z, 0-9, _)`);

/**
 * The prefix of every variable a project may name as its forge token (`delivery.tokenRef`), for the same reason as
 * the webhook key's: any other name could hand the token of another project, or a value that is no token, to a
 * forge of the project's choosing.
 */
export const forgeTokenVariablePrefix = 'TUNDRA_FORGE_TOKEN_';

const forgeTokenVariable = new RegExp(`^${forgeTokenVariablePrefix}[A-Z0-9_]+$`);

/** Whether a variable name may hold a project's forge token. */
export function isForgeTokenVariable(name: string): boolean {
  return forgeTokenVariable.test(name);
}

const forgeLogin = z.string().min(1).max(100);

/**
 * How a run's work reaches the repository: `push` (the branch is pushed, the run completes when its last step passes
 * QA) or `pull-request` (the branch goes to GitHub or GitLab as a pull/merge request, and the run completes when it is
 * merged). The forge's API address comes from the apps' configuration, never from the project, so a project cannot
 * send its token elsewhere.
 */
export const DeliveryConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('push') }),
  z.object({
    kind: z.literal('pull-request'),
    forge: z.enum(['github', 'gitlab']),
    /** `owner/name` on GitHub; a project path (`group/sub/name`) or numeric id on GitLab. */
    repo: z.string().min(1).max(300),
    tokenRef: z
      .string()
      .regex(
        forgeTokenVariable,
        `an environment variable named ${forgeTokenVariablePrefix}<NAME> (A-Z, 0-9, _)`,
      ),
    draft: z.boolean().optional(),
    reviewers: z.array(forgeLogin).max(20).optional(),
    labels: z.array(z.string().min(1).max(100)).max(20).optional(),
    /** The branch the PR targets; the repository's `baseBranch` when absent. */
    baseBranch: z.string().min(1).max(250).optional(),
    /** Delete the run's branch once the PR is merged. */
    deleteBranch: z.boolean().optional(),
  }),
]);
export type DeliveryConfig = z.infer<typeof DeliveryConfig>;
export type PullRequestDelivery = Extract<DeliveryConfig, { kind: 'pull-request' }>;

/** A project's delivery, `push` when it says none (projects registered before delivery existed). */
export function deliveryOf(project: { delivery?: DeliveryConfig | undefined }): DeliveryConfig {
  return project.delivery ?? { kind: 'push' };
}

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
  /** `push` when absent (docs/delivery.md). */
  delivery: DeliveryConfig.optional(),
  limits: ProjectLimits,
  /**
   * `required`: a run's plan is posted and the run waits in `planned` until a person says `/tundra go` (or moves the
   * story to the running status). Absent means `none`: the run starts as soon as it is planned.
   */
  planApproval: z.enum(['none', 'required']).optional(),
  /** Keep one `tundra:*` tag on each run's story (running, needs-human, blocked, done); other tags are left alone. */
  stateTags: z.boolean().optional(),
  /** The models steps may use and the default one. */
  models: ModelSettings.optional(),
  /** Spending limits per step, run and day. */
  budgets: BudgetSettings.optional(),
  /**
   * Environment variables whose values are masked (`***`) wherever Tundra shows text an engine produced: step logs,
   * the context file, summaries, Taiga comments and API answers.
   */
  secretEnv: z.array(SecretEnvName).max(100).optional(),
  /** Reports from the project's Taiga data: where they go, when, and the exception rules (docs/reports.md). */
  reports: ReportSettings.optional(),
});
export type ProjectSpec = z.infer<typeof ProjectSpec>;

/** A stored project: the spec plus bookkeeping. */
export const Project = ProjectSpec.extend({
  version: z.number().int().min(1),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Project = z.infer<typeof Project>;
