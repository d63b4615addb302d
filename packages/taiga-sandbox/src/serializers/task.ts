import type { TaskRecord } from '../state/types.js';
import { isoDate, markdownHtml, type SerializeContext } from './context.js';
import { isClosed, serializeItemMixins, serializeNeighbors } from './item-common.js';

/** `TaskListSerializer`: the items of `GET /tasks`. */
export function serializeTaskListItem(ctx: SerializeContext, task: TaskRecord): Record<string, unknown> {
  const story = task.userStoryId === null ? undefined : ctx.store.userStories.get(task.userStoryId);
  return {
    ...serializeItemMixins(ctx, task),
    id: task.id,
    user_story: task.userStoryId,
    ref: task.ref,
    milestone: null,
    milestone_slug: null,
    created_date: isoDate(task.createdDate),
    modified_date: isoDate(task.modifiedDate),
    finished_date: isoDate(task.finishedDate),
    subject: task.subject,
    us_order: task.usOrder,
    taskboard_order: task.taskboardOrder,
    is_iocaine: task.isIocaine,
    external_reference: null,
    version: task.version,
    watchers: [...task.watchers],
    is_blocked: task.isBlocked,
    blocked_note: task.blockedNote,
    is_closed: isClosed(ctx, task),
    user_story_extra_info: story
      ? { id: story.id, ref: story.ref, subject: story.subject, epics: null }
      : null,
  };
}

/** `TaskSerializer`: the body of a create or a PATCH. */
export function serializeTaskDetail(ctx: SerializeContext, task: TaskRecord): Record<string, unknown> {
  return {
    ...serializeTaskListItem(ctx, task),
    comment: '',
    generated_user_stories: null,
    blocked_note_html: markdownHtml(ctx, task.projectId, task.blockedNote),
    description: task.description,
    description_html: markdownHtml(ctx, task.projectId, task.description),
  };
}

/** `TaskNeighborsSerializer`: `GET /tasks/{id}` and `/tasks/by_ref`. */
export function serializeTaskWithNeighbors(ctx: SerializeContext, task: TaskRecord): Record<string, unknown> {
  return {
    ...serializeTaskDetail(ctx, task),
    neighbors: serializeNeighbors([...ctx.store.tasks.values()], task),
  };
}
