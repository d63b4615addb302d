import type { UserStoryRecord } from '../state/types.js';
import { isoDate, markdownHtml, type SerializeContext } from './context.js';
import { serializeItemMixins, serializeNeighbors } from './item-common.js';

/** Taiga reports `assigned_users` as the set of the assigned users plus `assigned_to`. */
function assignedUsers(story: UserStoryRecord): number[] {
  const users = new Set(story.assignedUsers);
  if (story.assignedTo !== null) users.add(story.assignedTo);
  return [...users];
}

function totalPoints(ctx: SerializeContext, story: UserStoryRecord): number | null {
  const values = Object.values(story.rolePoints).map(
    (pointsId) => ctx.store.points.get(pointsId)?.value ?? null,
  );
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((sum, value) => sum + value, 0);
}

/** `UserStoryListSerializer`: the items of `GET /userstories`. */
export function serializeUserStoryListItem(
  ctx: SerializeContext,
  story: UserStoryRecord,
): Record<string, unknown> {
  return {
    ...serializeItemMixins(ctx, story),
    id: story.id,
    ref: story.ref,
    milestone: null,
    milestone_slug: null,
    milestone_name: null,
    is_closed: story.finishDate !== null,
    points: { ...story.rolePoints },
    backlog_order: story.backlogOrder,
    sprint_order: story.sprintOrder,
    kanban_order: story.kanbanOrder,
    created_date: isoDate(story.createdDate),
    modified_date: isoDate(story.modifiedDate),
    finish_date: isoDate(story.finishDate),
    subject: story.subject,
    client_requirement: story.clientRequirement,
    team_requirement: story.teamRequirement,
    generated_from_issue: null,
    generated_from_task: null,
    from_task_ref: null,
    external_reference: null,
    tribe_gig: null,
    version: story.version,
    watchers: [...story.watchers],
    is_blocked: story.isBlocked,
    blocked_note: story.blockedNote,
    total_points: totalPoints(ctx, story),
    comment: '',
    origin_issue: null,
    origin_task: null,
    epics: null,
    epic_order: null,
    tasks: [],
    total_attachments: 0,
    swimlane: null,
    assigned_users: assignedUsers(story),
  };
}

/** `UserStorySerializer`: the body of a create or a PATCH. */
export function serializeUserStoryDetail(
  ctx: SerializeContext,
  story: UserStoryRecord,
): Record<string, unknown> {
  return {
    ...serializeUserStoryListItem(ctx, story),
    blocked_note_html: markdownHtml(ctx, story.projectId, story.blockedNote),
    description: story.description,
    description_html: markdownHtml(ctx, story.projectId, story.description),
  };
}

/** `UserStoryNeighborsSerializer`: `GET /userstories/{id}` and `/userstories/by_ref`. */
export function serializeUserStoryWithNeighbors(
  ctx: SerializeContext,
  story: UserStoryRecord,
): Record<string, unknown> {
  return {
    ...serializeUserStoryDetail(ctx, story),
    neighbors: serializeNeighbors([...ctx.store.userStories.values()], story),
  };
}
