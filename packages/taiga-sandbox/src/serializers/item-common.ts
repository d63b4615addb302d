import { historyKey } from '../state/history.js';
import type { ItemRecord, ProjectRecord } from '../state/types.js';
import type { SerializeContext } from './context.js';
import { serializeUserExtraInfo } from './users.js';

const dueSoonDays = 14;

/** `DueDateSerializerMixin.get_due_date_status`. */
function dueDateStatus(item: ItemRecord, isClosed: boolean, now: Date): string {
  if (!item.dueDate) return 'not_set';
  if (isClosed) return 'no_longer_applicable';
  const today = now.toISOString().slice(0, 10);
  if (item.dueDate < today) return 'past_due';
  const soon = new Date(now.getTime() + dueSoonDays * 24 * 3600 * 1000).toISOString().slice(0, 10);
  return item.dueDate <= soon ? 'due_soon' : 'set';
}

export function totalComments(ctx: SerializeContext, item: ItemRecord): number {
  return ctx.store
    .historyOf(historyKey(item))
    .filter((entry) => entry.comment !== '' && !entry.deleteCommentDate).length;
}

export function projectOf(ctx: SerializeContext, item: ItemRecord): ProjectRecord {
  const project = ctx.store.projects.get(item.projectId);
  if (!project) throw new Error(`item ${item.kind} ${item.id} belongs to no project`);
  return project;
}

export function isClosed(ctx: SerializeContext, item: ItemRecord): boolean {
  return ctx.store.statuses.get(item.statusId)?.isClosed ?? false;
}

/**
 * The fields every REST item body starts with (Taiga's serializer mixins: due dates, comments, tags, project,
 * status, assignee, owner, watchers, votes), in the order the captures show.
 */
export function serializeItemMixins(ctx: SerializeContext, item: ItemRecord): Record<string, unknown> {
  const { store } = ctx;
  const project = projectOf(ctx, item);
  const status = store.statuses.get(item.statusId);
  return {
    due_date: item.dueDate,
    due_date_reason: item.dueDateReason,
    due_date_status: dueDateStatus(item, isClosed(ctx, item), new Date()),
    total_comments: totalComments(ctx, item),
    tags: item.tags.map((tag) => [tag, null]),
    attachments: [],
    project: project.id,
    project_extra_info: { name: project.name, slug: project.slug, logo_small_url: null, id: project.id },
    status: item.statusId,
    status_extra_info: status ? { name: status.name, color: status.color, is_closed: status.isClosed } : null,
    assigned_to: item.assignedTo,
    assigned_to_extra_info:
      item.assignedTo === null ? null : serializeUserExtraInfo(store.users.get(item.assignedTo)),
    owner: item.ownerId,
    owner_extra_info: serializeUserExtraInfo(store.users.get(item.ownerId)),
    is_watcher: ctx.viewerId !== null && item.watchers.includes(ctx.viewerId),
    total_watchers: item.watchers.length,
    is_voter: false,
    total_voters: 0,
  };
}

/** `NeighborsSerializerMixin`: the previous and next item of the same kind in the project, by id. */
export function serializeNeighbors(
  items: readonly ItemRecord[],
  item: ItemRecord,
): { previous: Record<string, unknown> | null; next: Record<string, unknown> | null } {
  const siblings = items.filter((other) => other.projectId === item.projectId).sort((a, b) => a.id - b.id);
  const index = siblings.findIndex((other) => other.id === item.id);
  const neighbor = (other: ItemRecord | undefined) =>
    other ? { id: other.id, ref: other.ref, subject: other.subject } : null;
  return { previous: neighbor(siblings[index - 1]), next: neighbor(siblings[index + 1]) };
}
