import type { StatusMappingConfig } from '../contracts/project.js';
import { type ResolvedStatusMapping, resolveStatusMapping } from './status-mapping.js';

/** A Taiga status as the status endpoints list it (only what the check needs). */
export interface LiveStatus {
  readonly slug: string;
  readonly name?: string;
}

/** One slug the mapping needs and the project lacks. */
export interface MappingProblem {
  readonly projectId: string;
  /** Which list of the project's `statusMapping` lacks it: its persisted field names, `task` or `userStory`. */
  readonly kind: 'task' | 'userStory';
  readonly slug: string;
  /** What the slug stands for, e.g. `running`, `needs_qa`, `approve`. */
  readonly usedFor: readonly string[];
  /** The slugs the project does have, in Taiga's order. */
  readonly available: readonly string[];
  readonly message: string;
}

/**
 * The slugs `mapping` needs that the project's live statuses lack. An empty list means the mapping fits.
 * Start-up refuses a project with problems: a write-back to a missing status would fail on every transition.
 */
export function checkMapping(
  projectId: string,
  mapping: StatusMappingConfig | ResolvedStatusMapping,
  liveTaskStatuses: readonly LiveStatus[],
  liveStoryStatuses: readonly LiveStatus[],
): MappingProblem[] {
  const resolved = 'taskApproveSlugs' in mapping ? mapping : resolveStatusMapping(mapping);
  const taskNeeds = needs(resolved.task, [
    ...resolved.taskApproveSlugs.map((slug) => [slug, 'approve'] as const),
    ...resolved.taskRejectSlugs.map((slug) => [slug, 'reject'] as const),
  ]);
  return [
    ...missing(projectId, 'task', resolved.preset, taskNeeds, liveTaskStatuses),
    ...missing(projectId, 'userStory', resolved.preset, needs(resolved.userStory, []), liveStoryStatuses),
  ];
}

function needs(map: Readonly<Record<string, string>>, extra: readonly (readonly [string, string])[]) {
  const uses = new Map<string, string[]>();
  for (const [usedFor, slug] of [
    ...Object.entries(map),
    ...extra.map(([slug, use]) => [use, slug] as const),
  ]) {
    uses.set(slug, [...(uses.get(slug) ?? []), usedFor]);
  }
  return uses;
}

function missing(
  projectId: string,
  kind: 'task' | 'userStory',
  preset: string,
  uses: ReadonlyMap<string, string[]>,
  live: readonly LiveStatus[],
): MappingProblem[] {
  const available = live.map((status) => status.slug);
  const label = kind === 'task' ? 'task' : 'user story';
  return [...uses]
    .filter(([slug]) => !available.includes(slug))
    .map(([slug, usedFor]) => ({
      projectId,
      kind,
      slug,
      usedFor,
      available,
      message:
        `project ${projectId}: the ${label} status mapping (preset '${preset}') uses slug '${slug}' ` +
        `for ${usedFor.join(', ')}, but the Taiga project has no such ${label} status; it has: ` +
        (available.length > 0 ? available.join(', ') : '(none)'),
    }));
}
