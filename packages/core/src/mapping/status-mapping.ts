import type { StatusMappingConfig } from '../contracts/project.js';
import { ProtocolRunStatus } from '../machine/protocol-run-machine.js';
import { StepRunStatus } from '../machine/step-run-machine.js';

export const StatusMappingPreset = { TaigaDefault: 'taiga-default', Tundra: 'tundra' } as const;
export type StatusMappingPreset = (typeof StatusMappingPreset)[keyof typeof StatusMappingPreset];

/**
 * A project's mapping with the preset and its overrides applied: every Tundra status has a Taiga slug, plus the
 * slugs a person moves an item to in order to decide something that no Tundra status stands for.
 */
export interface ResolvedStatusMapping {
  readonly preset: StatusMappingPreset;
  /** StepRun status → Taiga task status slug. */
  readonly task: Readonly<Record<StepRunStatus, string>>;
  /** ProtocolRun status → Taiga user story status slug. */
  readonly userStory: Readonly<Record<ProtocolRunStatus, string>>;
  /** Task slugs that mean "approved" besides the slug of `completed` (and any closed status). */
  readonly taskApproveSlugs: readonly string[];
  /** Task slugs that mean "rejected" besides the slug of `failed`. */
  readonly taskRejectSlugs: readonly string[];
}

type PresetDefinition = Omit<ResolvedStatusMapping, 'preset'>;

const T = StepRunStatus;
const P = ProtocolRunStatus;

/**
 * The presets. `taiga-default` fits Taiga's default Scrum/Kanban templates (task statuses new, in-progress,
 * ready-for-test, closed, needs-info; story statuses new, ready, in-progress, ready-for-test, done, archived).
 * `tundra` fits a project whose admin created the statuses pending, in_progress, completed, blocked, approved,
 * rejected, canceled for both tasks and stories (Taiga keeps the underscore: see `taigaSlugify`).
 */
export const statusMappingPresets = {
  'taiga-default': {
    task: {
      [T.Pending]: 'new',
      [T.Running]: 'in-progress',
      [T.NeedsQa]: 'ready-for-test',
      [T.Completed]: 'closed',
      [T.Failed]: 'needs-info',
      [T.Cancelled]: 'new',
      [T.Blocked]: 'needs-info',
    },
    userStory: {
      [P.Pending]: 'new',
      [P.Planning]: 'in-progress',
      [P.Planned]: 'in-progress',
      [P.Running]: 'in-progress',
      // Delivered as a pull request and waiting for people: Taiga's own "Ready for test".
      [P.InReview]: 'ready-for-test',
      // The only story status no other run status uses, so a person can pause a run by moving its story there.
      [P.Paused]: 'ready',
      [P.Blocked]: 'in-progress',
      [P.Failed]: 'new',
      [P.Cancelled]: 'new',
      [P.Completed]: 'done',
    },
    taskApproveSlugs: [],
    // Sending a task under review back to "In progress" is how Taiga teams ask for rework.
    taskRejectSlugs: ['in-progress'],
  },
  tundra: {
    task: {
      [T.Pending]: 'pending',
      [T.Running]: 'in_progress',
      [T.NeedsQa]: 'in_progress',
      [T.Completed]: 'completed',
      [T.Failed]: 'rejected',
      [T.Cancelled]: 'canceled',
      [T.Blocked]: 'blocked',
    },
    userStory: {
      [P.Pending]: 'pending',
      [P.Planning]: 'in_progress',
      [P.Planned]: 'in_progress',
      [P.Running]: 'in_progress',
      // The preset has no review status; a project that made one maps it with `userStory.in_review`.
      [P.InReview]: 'in_progress',
      [P.Paused]: 'pending',
      [P.Blocked]: 'blocked',
      [P.Failed]: 'rejected',
      [P.Cancelled]: 'canceled',
      [P.Completed]: 'completed',
    },
    taskApproveSlugs: ['approved'],
    taskRejectSlugs: [],
  },
} as const satisfies Record<StatusMappingPreset, PresetDefinition>;

/** The preset with the project's overrides on top. */
export function resolveStatusMapping(config: StatusMappingConfig): ResolvedStatusMapping {
  const preset = statusMappingPresets[config.preset];
  return {
    preset: config.preset,
    task: { ...preset.task, ...config.task },
    userStory: { ...preset.userStory, ...config.userStory },
    taskApproveSlugs: preset.taskApproveSlugs,
    taskRejectSlugs: preset.taskRejectSlugs,
  };
}

/** How Tundra wants a Taiga item to look: its status, and Taiga's separate "blocked" flag with its note. */
export interface TaigaItemState {
  readonly statusSlug: string;
  readonly isBlocked: boolean;
  readonly blockedNote: string;
}

/** The Taiga state of the task that shows a step in `status`. `blockedReason` is used only when blocked. */
export function desiredTaskState(
  mapping: ResolvedStatusMapping,
  status: StepRunStatus,
  blockedReason?: string,
): TaigaItemState {
  return itemState(mapping.task[status], status === T.Blocked, blockedReason);
}

/** The Taiga state of the user story that shows a run in `status`. `blockedReason` is used only when blocked. */
export function desiredUserStoryState(
  mapping: ResolvedStatusMapping,
  status: ProtocolRunStatus,
  blockedReason?: string,
): TaigaItemState {
  return itemState(mapping.userStory[status], status === P.Blocked, blockedReason);
}

function itemState(statusSlug: string, blocked: boolean, reason: string | undefined): TaigaItemState {
  // Leaving `blocked` clears Taiga's flag and note, so a stale reason never outlives the block.
  return blocked
    ? { statusSlug, isBlocked: true, blockedNote: reason?.trim() || 'Blocked by Tundra' }
    : { statusSlug, isBlocked: false, blockedNote: '' };
}

/** The Tundra statuses that map to `slug`. */
export function statusesMappedTo<S extends string>(map: Readonly<Record<S, string>>, slug: string): S[] {
  return (Object.keys(map) as S[]).filter((status) => map[status] === slug);
}
