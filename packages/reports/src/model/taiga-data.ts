/**
 * What the reports know of a Taiga project: its statuses and issue values, and every item with the history of the
 * fields reports look at. The reader (`@tundra/reports/server`) builds it from Taiga's API; tests build it by hand.
 * Times are ISO-8601 strings in UTC.
 */

export const ItemKind = { story: 'userstory', task: 'task', issue: 'issue' } as const;
export type ItemKind = (typeof ItemKind)[keyof typeof ItemKind];
export const itemKinds = Object.values(ItemKind);

export interface StatusInfo {
  id: number;
  name: string;
  slug: string;
  order: number;
  isClosed: boolean;
  /** Taiga's WIP limit of a user story status (null: none, and always null for other kinds). */
  wipLimit: number | null;
  color: string;
}

/** An issue type, severity or priority. */
export interface NamedValue {
  id: number;
  name: string;
  order: number;
  color: string;
}

/** The fields whose history the reports follow. */
export const TrackedField = {
  status: 'status',
  blocked: 'is_blocked',
  assignedTo: 'assigned_to',
  assignedUsers: 'assigned_users',
} as const;
export type TrackedField = (typeof TrackedField)[keyof typeof TrackedField];

/** One change of a tracked field, from a Taiga history entry (raw values: ids, booleans, id lists). */
export interface FieldChange {
  at: string;
  field: TrackedField;
  from: unknown;
  to: unknown;
}

export interface TrackedItem {
  kind: ItemKind;
  id: number;
  ref: number;
  subject: string;
  createdAt: string;
  modifiedAt: string;
  /** Taiga's own close stamp (`finish_date` of stories, `finished_date` of tasks and issues), null when open. */
  finishedAt: string | null;
  statusId: number;
  isBlocked: boolean;
  blockedNote: string;
  /** The assignee, and for stories the other assigned users. */
  assignedTo: number | null;
  assignedUsers: number[];
  /** Issues only (null otherwise). */
  typeId: number | null;
  severityId: number | null;
  priorityId: number | null;
  /** Changes of the tracked fields, oldest first. */
  changes: FieldChange[];
}

export interface ProjectData {
  project: { id: number; name: string; slug: string };
  statuses: Record<ItemKind, StatusInfo[]>;
  issueTypes: NamedValue[];
  severities: NamedValue[];
  priorities: NamedValue[];
  /** Members' display names by user id. */
  users: Record<string, string>;
  items: TrackedItem[];
}
