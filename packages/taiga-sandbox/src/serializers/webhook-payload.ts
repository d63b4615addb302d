import { valuesDiff } from '../state/history.js';
import type {
  HistoryEntryRecord,
  IssueRecord,
  ItemRecord,
  NamedValueRecord,
  ProjectRecord,
  StatusRecord,
  TaskRecord,
  UserStoryRecord,
} from '../state/types.js';
import { isoDate, type SerializeContext } from './context.js';
import { projectOf } from './item-common.js';
import { serializeWebhookUser } from './users.js';

/**
 * The `data` of webhook bodies: taiga-back's webhook serializers (`taiga/webhooks/serializers.py`), field for field
 * and in the order of the captured bodies. They differ from the REST shapes: nested objects, permalinks, no version.
 */

function webhookProject(ctx: SerializeContext, project: ProjectRecord): Record<string, unknown> {
  return {
    id: project.id,
    permalink: `${ctx.frontUrl}/project/${project.slug}`,
    name: project.name,
    logo_big_url: null,
  };
}

function webhookStatus(
  status: StatusRecord | undefined,
  withArchived: boolean,
): Record<string, unknown> | null {
  if (!status) return null;
  const nested = {
    id: status.id,
    name: status.name,
    slug: status.slug,
    color: status.color,
    is_closed: status.isClosed,
  };
  return withArchived ? { ...nested, is_archived: status.isArchived } : nested;
}

function webhookNamedValue(value: NamedValueRecord | undefined): Record<string, unknown> | null {
  return value ? { id: value.id, name: value.name, color: value.color } : null;
}

function permalink(ctx: SerializeContext, item: ItemRecord): string {
  const segment = item.kind === 'userstory' ? 'us' : item.kind;
  return `${ctx.frontUrl}/project/${projectOf(ctx, item).slug}/${segment}/${item.ref}`;
}

function user(ctx: SerializeContext, id: number | null): Record<string, unknown> | null {
  return id === null ? null : serializeWebhookUser(ctx.store.users.get(id), ctx.frontUrl);
}

export function webhookUserStory(ctx: SerializeContext, story: UserStoryRecord): Record<string, unknown> {
  const { store } = ctx;
  return {
    custom_attributes_values: {},
    id: story.id,
    ref: story.ref,
    project: webhookProject(ctx, projectOf(ctx, story)),
    is_closed: story.finishDate !== null,
    created_date: isoDate(story.createdDate),
    modified_date: isoDate(story.modifiedDate),
    finish_date: isoDate(story.finishDate),
    due_date: story.dueDate,
    due_date_reason: story.dueDateReason,
    subject: story.subject,
    client_requirement: story.clientRequirement,
    team_requirement: story.teamRequirement,
    generated_from_issue: null,
    generated_from_task: null,
    from_task_ref: null,
    external_reference: null,
    tribe_gig: null,
    watchers: [...story.watchers],
    is_blocked: story.isBlocked,
    blocked_note: story.blockedNote,
    description: story.description,
    tags: [...story.tags],
    permalink: permalink(ctx, story),
    owner: user(ctx, story.ownerId),
    assigned_to: user(ctx, story.assignedTo),
    assigned_users: [...story.assignedUsers],
    points: store
      .rolesOf(story.projectId)
      .filter((role) => role.computable)
      .map((role) => {
        const points = store.points.get(story.rolePoints[String(role.id)] ?? -1);
        return { role: role.name, name: points?.name ?? null, value: points?.value ?? null };
      }),
    status: webhookStatus(store.statuses.get(story.statusId), true),
    milestone: null,
  };
}

/**
 * The `data` of a task. Returns null for a task outside any user story: taiga-back's serializer fails on it (its
 * nested user story serializer does not accept None), so Taiga sends nothing for such tasks.
 */
export function webhookTask(ctx: SerializeContext, task: TaskRecord): Record<string, unknown> | null {
  const story = task.userStoryId === null ? undefined : ctx.store.userStories.get(task.userStoryId);
  if (!story) return null;
  return {
    custom_attributes_values: {},
    id: task.id,
    ref: task.ref,
    created_date: isoDate(task.createdDate),
    modified_date: isoDate(task.modifiedDate),
    finished_date: isoDate(task.finishedDate),
    due_date: task.dueDate,
    due_date_reason: task.dueDateReason,
    subject: task.subject,
    us_order: task.usOrder,
    taskboard_order: task.taskboardOrder,
    is_iocaine: task.isIocaine,
    external_reference: null,
    watchers: [...task.watchers],
    is_blocked: task.isBlocked,
    blocked_note: task.blockedNote,
    description: task.description,
    tags: [...task.tags],
    permalink: permalink(ctx, task),
    project: webhookProject(ctx, projectOf(ctx, task)),
    owner: user(ctx, task.ownerId),
    assigned_to: user(ctx, task.assignedTo),
    status: webhookStatus(ctx.store.statuses.get(task.statusId), false),
    user_story: webhookUserStory(ctx, story),
    milestone: null,
    promoted_to: [],
  };
}

export function webhookIssue(ctx: SerializeContext, issue: IssueRecord): Record<string, unknown> {
  const { store } = ctx;
  return {
    custom_attributes_values: {},
    id: issue.id,
    ref: issue.ref,
    created_date: isoDate(issue.createdDate),
    modified_date: isoDate(issue.modifiedDate),
    finished_date: isoDate(issue.finishedDate),
    due_date: issue.dueDate,
    due_date_reason: issue.dueDateReason,
    subject: issue.subject,
    external_reference: null,
    watchers: [...issue.watchers],
    description: issue.description,
    tags: [...issue.tags],
    permalink: permalink(ctx, issue),
    project: webhookProject(ctx, projectOf(ctx, issue)),
    milestone: null,
    owner: user(ctx, issue.ownerId),
    assigned_to: user(ctx, issue.assignedTo),
    status: webhookStatus(store.statuses.get(issue.statusId), false),
    type: webhookNamedValue(store.issueTypes.get(issue.typeId)),
    priority: webhookNamedValue(store.priorities.get(issue.priorityId)),
    severity: webhookNamedValue(store.severities.get(issue.severityId)),
    promoted_to: [],
  };
}

/** The `data` of any item, or null when Taiga would send nothing (see `webhookTask`). */
export function webhookItem(ctx: SerializeContext, item: ItemRecord): Record<string, unknown> | null {
  switch (item.kind) {
    case 'task':
      return webhookTask(ctx, item);
    case 'userstory':
      return webhookUserStory(ctx, item);
    case 'issue':
      return webhookIssue(ctx, item);
    default: {
      const exhaustive: never = item;
      throw new Error(`unknown item ${String(exhaustive)}`);
    }
  }
}

const rawDiffFields = new Set(['attachments', 'custom_attributes', 'description_diff']);

/** The webhook `change`: taiga-back's webhook `HistoryEntrySerializer` with its `HistoryDiffField`. */
export function webhookChange(entry: HistoryEntryRecord): Record<string, unknown> {
  const diff: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(valuesDiff(entry))) {
    if (rawDiffFields.has(field)) {
      diff[field] = value;
    } else {
      const [from, to] = value as [unknown, unknown];
      diff[field] = { from, to };
    }
  }
  return {
    comment: entry.comment,
    comment_html: entry.commentHtml,
    delete_comment_date: isoDate(entry.deleteCommentDate),
    comment_versions: entry.commentVersions,
    edit_comment_date: isoDate(entry.editCommentDate),
    diff,
  };
}
