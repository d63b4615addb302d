import type { ItemKind, ProjectData, StatusInfo } from '../model/taiga-data.js';

/** The slugs Taiga's templates give the status where work starts. */
const startSlugs = ['in-progress', 'in_progress'];

export function statusMap(statuses: readonly StatusInfo[]): Map<number, StatusInfo> {
  return new Map(statuses.map((status) => [status.id, status]));
}

export function allStatuses(data: ProjectData): Map<number, StatusInfo> {
  return statusMap([...data.statuses.userstory, ...data.statuses.task, ...data.statuses.issue]);
}

/**
 * The "active" statuses of a kind, where work is under way: the open statuses from the start status on, by Taiga's
 * order. The start status is `startSlug` when the kind has it, else `in-progress`/`in_progress`, else the second
 * status (the first is where new items wait).
 */
export function activeStatuses(data: ProjectData, kind: ItemKind, startSlug?: string): Set<number> {
  const ordered = [...data.statuses[kind]].sort((a, b) => a.order - b.order || a.id - b.id);
  const start =
    ordered.find((status) => status.slug === startSlug) ??
    ordered.find((status) => startSlugs.includes(status.slug)) ??
    ordered[1];
  if (!start) return new Set();
  return new Set(
    ordered.filter((status) => !status.isClosed && status.order >= start.order).map((status) => status.id),
  );
}
