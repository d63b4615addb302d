import { type FieldChange, type ItemKind, TrackedField, type TrackedItem } from '../model/taiga-data.js';

/** The fields of a Taiga story, task or issue (as `GET /userstories`, `/tasks`, `/issues` list them) reports read. */
export interface TaigaItemFields {
  id: number;
  ref: number;
  subject: string;
  created_date?: string;
  modified_date?: string;
  finish_date?: string | null;
  finished_date?: string | null;
  status: number;
  is_blocked: boolean;
  blocked_note: string;
  assigned_to: number | null;
  assigned_users?: number[];
  type?: number;
  severity?: number;
  priority?: number;
}

/** The fields of a Taiga history entry (`GET /history/{type}/{id}`) reports read. */
export interface TaigaHistoryFields {
  created_at: string;
  diff: Record<string, unknown>;
}

const tracked = new Set<string>(Object.values(TrackedField));

const iso = (value: string | null | undefined): string | null =>
  value === null || value === undefined ? null : new Date(value).toISOString();

/** The tracked-field changes of an item's history entries (any order in; oldest first out). */
export function fieldChanges(history: readonly TaigaHistoryFields[]): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const entry of history) {
    const at = new Date(entry.created_at).toISOString();
    for (const [field, pair] of Object.entries(entry.diff ?? {})) {
      if (!tracked.has(field) || !Array.isArray(pair) || pair.length !== 2) continue;
      changes.push({ at, field: field as TrackedField, from: pair[0], to: pair[1] });
    }
  }
  return changes.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

/** A Taiga item and its history, as the reports hold it. */
export function toTrackedItem(
  kind: ItemKind,
  item: TaigaItemFields,
  history: readonly TaigaHistoryFields[],
): TrackedItem {
  const createdAt = iso(item.created_date) ?? new Date(0).toISOString();
  return {
    kind,
    id: item.id,
    ref: item.ref,
    subject: item.subject,
    createdAt,
    modifiedAt: iso(item.modified_date) ?? createdAt,
    finishedAt: iso(item.finish_date ?? item.finished_date),
    statusId: item.status,
    isBlocked: item.is_blocked,
    blockedNote: item.blocked_note,
    assignedTo: item.assigned_to,
    assignedUsers: item.assigned_users ?? [],
    typeId: kind === 'issue' ? (item.type ?? null) : null,
    severityId: kind === 'issue' ? (item.severity ?? null) : null,
    priorityId: kind === 'issue' ? (item.priority ?? null) : null,
    changes: fieldChanges(history),
  };
}
