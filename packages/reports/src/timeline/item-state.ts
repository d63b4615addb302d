import {
  TrackedField as Field,
  type FieldChange,
  type StatusInfo,
  type TrackedField,
  type TrackedItem,
} from '../model/taiga-data.js';

/** Changes of one field, oldest first. */
function changesOf(item: TrackedItem, field: TrackedField): FieldChange[] {
  return item.changes.filter((change) => change.field === field);
}

/**
 * The value a tracked field had at instant `at`: the `to` of the last change at or before `at`, else the `from` of
 * the first change after it, else the item's current value. Before the item existed it has none (`undefined`).
 */
function valueAt<T>(item: TrackedItem, field: TrackedField, at: string, current: T): T | undefined {
  if (at < item.createdAt) return undefined;
  const changes = changesOf(item, field);
  let value: unknown = changes.length > 0 ? changes[0]?.from : current;
  for (const change of changes) {
    if (change.at > at) break;
    value = change.to;
  }
  return value as T;
}

export function statusAt(item: TrackedItem, at: string): number | undefined {
  return valueAt(item, Field.status, at, item.statusId);
}

export function blockedAt(item: TrackedItem, at: string): boolean {
  return valueAt(item, Field.blocked, at, item.isBlocked) === true;
}

export function unassignedAt(item: TrackedItem, at: string): boolean {
  const assignee = valueAt<number | null>(item, Field.assignedTo, at, item.assignedTo);
  const users = valueAt<number[]>(item, Field.assignedUsers, at, item.assignedUsers);
  return (assignee === null || assignee === undefined) && (!Array.isArray(users) || users.length === 0);
}

/** When the item last entered the status it has at `at` (its creation when it never moved). */
export function inStatusSince(item: TrackedItem, at: string): string {
  let since = item.createdAt;
  for (const change of changesOf(item, Field.status)) if (change.at <= at) since = change.at;
  return since;
}

/** When the item's current block (at `at`) started, or null when it is not blocked then. */
export function blockedSince(item: TrackedItem, at: string): string | null {
  if (!blockedAt(item, at)) return null;
  let since = item.createdAt;
  for (const change of changesOf(item, Field.blocked))
    if (change.at <= at && change.to === true) since = change.at;
  return since;
}

/**
 * When the item was closed, as of `at`: the last move from an open status into a closed one, or Taiga's finish
 * stamp when the history holds no such move (an item created closed, or a history cut short). Null while open.
 */
export function closedAt(
  item: TrackedItem,
  statuses: ReadonlyMap<number, StatusInfo>,
  at: string,
): string | null {
  const status = statusAt(item, at);
  if (status === undefined || !statuses.get(status)?.isClosed) return null;
  let closed: string | null = null;
  for (const change of changesOf(item, Field.status)) {
    if (change.at > at) break;
    const wasClosed = statuses.get(change.from as number)?.isClosed ?? false;
    const isClosed = statuses.get(change.to as number)?.isClosed ?? false;
    if (isClosed && !wasClosed) closed = change.at;
  }
  return closed ?? (item.finishedAt && item.finishedAt <= at ? item.finishedAt : item.createdAt);
}

/** The first time the item entered one of `started` statuses, or null. */
export function firstStartedAt(item: TrackedItem, started: ReadonlySet<number>): string | null {
  const statusChanges = changesOf(item, Field.status);
  const initial = statusChanges[0]?.from ?? item.statusId;
  if (started.has(initial as number)) return item.createdAt;
  return statusChanges.find((change) => started.has(change.to as number))?.at ?? null;
}
