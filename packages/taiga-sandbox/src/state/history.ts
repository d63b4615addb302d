import { htmlDiff } from './markdown.js';
import type { SandboxStore } from './store.js';
import type { FieldDiff, HistoryEntryRecord, ItemRecord, UserRecord } from './types.js';

/**
 * Taiga's history: every change writes an entry with the diff of the item's frozen snapshot ("freeze"), the display
 * values of the ids in it, and the comment. Webhooks and optimistic concurrency both read these entries.
 */

/** `str(datetime)` in Python, which Taiga's user story freezer stores for `finish_date`. */
function pythonStr(date: Date | null): string {
  if (!date) return 'None';
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000+00:00`;
}

/** The history key of an item, as taiga-back's `make_key_from_model_object` builds it. */
export function historyKey(item: ItemRecord): string {
  switch (item.kind) {
    case 'task':
      return `tasks.task:${item.id}`;
    case 'userstory':
      return `userstories.userstory:${item.id}`;
    case 'issue':
      return `issues.issue:${item.id}`;
    default: {
      const exhaustive: never = item;
      throw new Error(`unknown item ${String(exhaustive)}`);
    }
  }
}

/**
 * The snapshot Taiga's freezer (`freeze_impl.py`) takes of an item; diffs compare two of them. `render` is the
 * project's Markdown renderer (for the `*_html` fields).
 */
export function freezeItem(item: ItemRecord, render: (text: string) => string): Record<string, unknown> {
  const common = {
    ref: item.ref,
    owner: item.ownerId,
    status: item.statusId,
    milestone: null,
    subject: item.subject,
    description: item.description,
    description_html: render(item.description),
    assigned_to: item.assignedTo,
    attachments: [],
    tags: item.tags,
    is_blocked: item.isBlocked,
    blocked_note: item.blockedNote,
    blocked_note_html: render(item.blockedNote),
    custom_attributes: [],
    due_date: item.dueDate,
    due_date_reason: item.dueDateReason,
  };
  switch (item.kind) {
    case 'task':
      return {
        ...common,
        taskboard_order: item.taskboardOrder,
        us_order: item.usOrder,
        user_story: item.userStoryId,
        is_iocaine: item.isIocaine,
      };
    case 'userstory':
      return {
        ...common,
        is_closed: item.finishDate !== null,
        finish_date: pythonStr(item.finishDate),
        backlog_order: item.backlogOrder,
        sprint_order: item.sprintOrder,
        kanban_order: item.kanbanOrder,
        assigned_users: item.assignedUsers,
        client_requirement: item.clientRequirement,
        team_requirement: item.teamRequirement,
        points: item.rolePoints,
        from_issue: null,
        from_task: null,
      };
    case 'issue':
      return { ...common, priority: item.priorityId, severity: item.severityId, type: item.typeId };
    default: {
      const exhaustive: never = item;
      throw new Error(`unknown item ${String(exhaustive)}`);
    }
  }
}

function utf8Length(key: string): number {
  return Buffer.byteLength(key, 'utf8');
}

/**
 * Keys in PostgreSQL jsonb order (shorter first, then bytewise): Taiga stores diffs as jsonb, so that is the order
 * they come back in (the captured `{"status", "subject", "kanban_order"}` diff shows it).
 */
export function jsonbOrdered<T>(record: Record<string, T>): Record<string, T> {
  const keys = Object.keys(record).sort((a, b) => {
    const byLength = utf8Length(a) - utf8Length(b);
    if (byLength !== 0) return byLength;
    return Buffer.compare(Buffer.from(a), Buffer.from(b));
  });
  return Object.fromEntries(keys.map((key) => [key, record[key] as T]));
}

export function diffSnapshots(before: Record<string, unknown>, after: Record<string, unknown>): FieldDiff {
  const diff: FieldDiff = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const from = before[key] ?? null;
    const to = after[key] ?? null;
    if (JSON.stringify(from) !== JSON.stringify(to)) diff[key] = [from, to];
  }
  return jsonbOrdered(diff);
}

/** A user's display name in history values (`get_full_name()`: the full name, else the username). */
export function fullNameOf(user: UserRecord): string {
  return user.fullName || user.username;
}

/** The `values` of an entry: display names of the ids its diff mentions (users, statuses, user stories …). */
export function valuesForDiff(
  store: SandboxStore,
  item: ItemRecord,
  diff: FieldDiff,
): HistoryEntryRecord['values'] {
  const values: HistoryEntryRecord['values'] = {};
  const idsOf = (field: string): number[] =>
    (diff[field] ?? [])
      .flatMap((side) => (Array.isArray(side) ? side : [side]))
      .filter((id) => typeof id === 'number');
  const userIds = [...idsOf('owner'), ...idsOf('assigned_to'), ...idsOf('assigned_users')];
  if (userIds.length > 0) {
    values.users = Object.fromEntries(
      userIds.flatMap((id) => {
        const user = store.users.get(id);
        return user ? [[String(id), fullNameOf(user)]] : [];
      }),
    );
  }
  const named = (field: string, lookup: (id: number) => string | undefined): void => {
    if (!(field in diff)) return;
    values[field] = Object.fromEntries(
      idsOf(field).flatMap((id) => {
        const name = lookup(id);
        return name === undefined ? [] : [[String(id), name]];
      }),
    );
  };
  named('status', (id) => store.statuses.get(id)?.name);
  if (item.kind === 'task') {
    named('user_story', (id) => {
      const story = store.userStories.get(id);
      return story ? `#${story.ref} ${story.subject}` : undefined;
    });
  }
  if (item.kind === 'issue') {
    named('type', (id) => store.issueTypes.get(id)?.name);
    named('priority', (id) => store.priorities.get(id)?.name);
    named('severity', (id) => store.severities.get(id)?.name);
  }
  return values;
}

const ignoredDiffFields = new Set(['watchers', 'description_diff', 'content_diff', 'blocked_note_diff']);
const textDiffFields = new Set(['description', 'content', 'blocked_note']);
const userFields = new Set(['assigned_to', 'owner']);

/** taiga-back's `HistoryEntry.values_diff`: the diff with ids replaced by display values. */
export function valuesDiff(entry: HistoryEntryRecord): Record<string, unknown> {
  const resolve = (field: string, id: unknown): string | null => entry.values[field]?.[String(id)] ?? null;
  const result: Record<string, unknown> = {};
  for (const [field, [from, to]] of Object.entries(entry.diff)) {
    if (ignoredDiffFields.has(field)) continue;
    if (textDiffFields.has(field)) {
      const diff = htmlDiff(String(from ?? ''), String(to ?? ''));
      if (diff) result[`${field}_diff`] = [null, diff];
    } else if (userFields.has(field)) {
      result[field] = [resolve('users', from), resolve('users', to)];
    } else if (field === 'assigned_users') {
      const names = (ids: unknown): string | null =>
        Array.isArray(ids) && ids.length > 0
          ? ids
              .map((id) => resolve('users', id))
              .filter((name) => name)
              .join(', ')
          : null;
      result[field] = [names(from), names(to)];
    } else if (field in entry.values) {
      result[field] = [resolve(field, from), resolve(field, to)];
    } else if (field !== 'attachments' && field !== 'custom_attributes' && field !== 'points') {
      result[field] = [from, to];
    }
  }
  return jsonbOrdered(result);
}

/** taiga-back's `_not_important_fields`: a change of only these is hidden. */
const orderFields: Partial<Record<ItemRecord['kind'], ReadonlySet<string>>> = {
  userstory: new Set(['backlog_order', 'sprint_order', 'kanban_order']),
  task: new Set(['us_order', 'taskboard_order']),
};

/** taiga-back's `is_hidden_snapshot`: a diff that touches nothing but the kind's order fields. */
export function isOrderOnly(item: ItemRecord, diff: FieldDiff): boolean {
  const fields = Object.keys(diff);
  const hidden = orderFields[item.kind];
  return hidden !== undefined && fields.length > 0 && fields.every((field) => hidden.has(field));
}

/**
 * The fields changed by the last `count` history entries: what taiga-back's OCC check (`get_modified_fields`)
 * compares a stale PATCH against.
 */
export function fieldsModifiedByLastEntries(
  entries: readonly HistoryEntryRecord[],
  count: number,
): Set<string> {
  const fields = new Set<string>();
  for (const entry of entries.slice(Math.max(0, entries.length - count))) {
    for (const field of Object.keys(entry.diff)) fields.add(field);
  }
  return fields;
}
