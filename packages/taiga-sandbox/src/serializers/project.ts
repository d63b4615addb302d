import { membershipOf, permissionsIn } from '../state/permissions.js';
import { dueDateTemplates } from '../state/templates.js';
import type { NamedValueRecord, ProjectRecord, StatusRecord } from '../state/types.js';
import { isoDate, type SerializeContext } from './context.js';
import { serializeMember, serializeUserExtraInfo } from './users.js';

/** `/task-statuses` and `/issue-statuses` items. */
export function serializeStatus(status: StatusRecord): Record<string, unknown> {
  return {
    id: status.id,
    name: status.name,
    slug: status.slug,
    order: status.order,
    is_closed: status.isClosed,
    color: status.color,
    project: status.projectId,
  };
}

/** `/issue-types`, `/priorities` and `/severities` items (`IssueTypeSerializer` and friends). */
export function serializeNamedValue(value: NamedValueRecord): Record<string, unknown> {
  return { id: value.id, name: value.name, order: value.order, color: value.color, project: value.projectId };
}

/** `/userstory-statuses` items carry `is_archived` and `wip_limit` too. */
export function serializeUserStoryStatus(status: StatusRecord): Record<string, unknown> {
  return {
    id: status.id,
    name: status.name,
    slug: status.slug,
    order: status.order,
    is_closed: status.isClosed,
    is_archived: status.isArchived,
    color: status.color,
    wip_limit: status.wipLimit,
    project: status.projectId,
  };
}

function nestedStatus(status: StatusRecord): Record<string, unknown> {
  return {
    id: status.id,
    name: status.name,
    order: status.order,
    is_closed: status.isClosed,
    color: status.color,
    project_id: status.projectId,
    slug: status.slug,
  };
}

function nestedNamedValue(value: NamedValueRecord): Record<string, unknown> {
  return {
    id: value.id,
    name: value.name,
    order: value.order,
    color: value.color,
    project_id: value.projectId,
  };
}

function dueDates(projectId: number): Record<string, unknown>[] {
  return dueDateTemplates.map((template, index) => ({ id: index + 1, ...template, project_id: projectId }));
}

/** `ProjectDetailSerializer`: `/projects/{id}` and `/projects/by_slug`, shaped as the capture. */
export function serializeProjectDetail(
  ctx: SerializeContext,
  project: ProjectRecord,
): Record<string, unknown> {
  const { store, viewerId } = ctx;
  const membership = membershipOf(project, viewerId);
  const statuses = (kind: StatusRecord['kind']) => store.statusesOf(project.id, kind);
  const ofProject = (values: Map<number, NamedValueRecord>) =>
    [...values.values()].filter((value) => value.projectId === project.id);
  const members = project.members.flatMap((member) => {
    const user = store.users.get(member.userId);
    return user ? [serializeMember(user, store.roles.get(member.roleId))] : [];
  });
  const firstId = (list: { id: number }[]) => list[0]?.id ?? null;
  return {
    id: project.id,
    name: project.name,
    slug: project.slug,
    description: project.description,
    created_date: isoDate(project.createdDate),
    modified_date: isoDate(project.modifiedDate),
    owner: serializeUserExtraInfo(store.users.get(project.ownerId)),
    members,
    total_milestones: null,
    total_story_points: null,
    is_contact_activated: true,
    is_epics_activated: false,
    is_backlog_activated: true,
    is_kanban_activated: false,
    is_wiki_activated: true,
    is_issues_activated: true,
    videoconferences: null,
    videoconferences_extra_data: null,
    creation_template: 1,
    is_private: project.isPrivate,
    anon_permissions: [],
    public_permissions: [],
    is_featured: false,
    is_looking_for_people: false,
    looking_for_people_note: '',
    blocked_code: null,
    archived_code: null,
    totals_updated_datetime: isoDate(project.modifiedDate),
    total_fans: 0,
    total_fans_last_week: 0,
    total_fans_last_month: 0,
    total_fans_last_year: 0,
    total_activity: 1,
    total_activity_last_week: 1,
    total_activity_last_month: 1,
    total_activity_last_year: 1,
    tags: [],
    tags_colors: {},
    default_epic_status: firstId(statuses('epic')),
    default_points: firstId(store.pointsOf(project.id)),
    default_us_status: firstId(statuses('userStory')),
    default_task_status: firstId(statuses('task')),
    default_priority: ofProject(store.priorities)[1]?.id ?? null,
    default_severity: ofProject(store.severities)[2]?.id ?? null,
    default_issue_status: firstId(statuses('issue')),
    default_issue_type: firstId(ofProject(store.issueTypes)),
    default_swimlane: null,
    my_permissions: permissionsIn(store, project, viewerId),
    i_am_owner: viewerId === project.ownerId,
    i_am_admin: membership?.isAdmin ?? false,
    i_am_member: membership !== undefined,
    notify_level: membership ? 1 : null,
    total_closed_milestones: 0,
    is_watcher: membership !== undefined,
    total_watchers: project.members.length,
    logo_small_url: null,
    logo_big_url: null,
    is_fan: false,
    my_homepage: false,
    epic_statuses: statuses('epic').map((status) => ({
      id: status.id,
      name: status.name,
      slug: status.slug,
      order: status.order,
      is_closed: status.isClosed,
      color: status.color,
      project_id: status.projectId,
    })),
    swimlanes: null,
    us_statuses: statuses('userStory').map((status) => ({
      id: status.id,
      name: status.name,
      order: status.order,
      is_closed: status.isClosed,
      color: status.color,
      wip_limit: status.wipLimit,
      project_id: status.projectId,
      slug: status.slug,
      is_archived: status.isArchived,
    })),
    us_duedates: dueDates(project.id),
    points: store.pointsOf(project.id).map((points) => ({
      id: points.id,
      name: points.name,
      order: points.order,
      value: points.value,
      project_id: points.projectId,
    })),
    task_statuses: statuses('task').map(nestedStatus),
    task_duedates: dueDates(project.id),
    issue_statuses: statuses('issue').map(nestedStatus),
    issue_types: ofProject(store.issueTypes).map(nestedNamedValue),
    issue_duedates: dueDates(project.id),
    priorities: ofProject(store.priorities).map(nestedNamedValue),
    severities: ofProject(store.severities).map(nestedNamedValue),
    epic_custom_attributes: null,
    userstory_custom_attributes: null,
    task_custom_attributes: null,
    issue_custom_attributes: null,
    roles: store.rolesOf(project.id).map((role) => ({
      id: role.id,
      name: role.name,
      slug: role.slug,
      permissions: role.permissions,
      order: role.order,
      computable: role.computable,
      project_id: role.projectId,
    })),
    total_memberships: project.members.length,
    is_out_of_owner_limits: false,
    is_private_extra_info: { can_be_updated: true, reason: null },
    max_memberships: null,
    epics_csv_uuid: null,
    userstories_csv_uuid: null,
    tasks_csv_uuid: null,
    issues_csv_uuid: null,
    transfer_token: null,
    milestones: [],
  };
}
