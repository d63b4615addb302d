import type { TaigaItemState } from './status-mapping.js';
import { StatusMappingError } from './status-mapping-error.js';

/** The fields of a Taiga task, story or issue that carry its board state. */
export interface TaigaItemBoardFields {
  readonly status: number;
  readonly is_blocked: boolean;
  readonly blocked_note: string;
}

export interface StatusPatch {
  status?: number;
  is_blocked?: boolean;
  blocked_note?: string;
}

/**
 * The PATCH fields that bring `current` to `desired`, or null when it is there already. Only changed fields are
 * sent: Taiga merges a stale-version PATCH that touches no field changed since, so small patches conflict less.
 */
export function statusPatch(
  current: TaigaItemBoardFields,
  desired: TaigaItemState,
  statuses: readonly { readonly id: number; readonly slug: string }[],
  context: { projectId: string; kind: 'task' | 'userStory' },
): StatusPatch | null {
  const target = statuses.find((status) => status.slug === desired.statusSlug);
  if (target === undefined) {
    const available = statuses.map((status) => status.slug);
    throw new StatusMappingError([
      {
        ...context,
        slug: desired.statusSlug,
        usedFor: ['write-back'],
        available,
        message: `project ${context.projectId}: no ${context.kind === 'task' ? 'task' : 'user story'} status '${desired.statusSlug}'; it has: ${available.join(', ') || '(none)'}`,
      },
    ]);
  }
  const patch: StatusPatch = {};
  if (current.status !== target.id) patch.status = target.id;
  if (current.is_blocked !== desired.isBlocked) patch.is_blocked = desired.isBlocked;
  if (current.blocked_note !== desired.blockedNote) patch.blocked_note = desired.blockedNote;
  return Object.keys(patch).length > 0 ? patch : null;
}
