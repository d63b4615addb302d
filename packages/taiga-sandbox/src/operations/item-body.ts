import type { SandboxStore } from '../state/store.js';
import type { ItemKind, ItemRecord, ProjectRecord, StatusKind } from '../state/types.js';
import { fail, failures, type Outcome, ok } from './failures.js';

/** One validated change, applied to the item once the version check has passed. */
type Change = (item: ItemRecord) => void;

export interface ParsedItemBody {
  changes: Change[];
  /** The `comment` of a PATCH: not a model field, it goes into the history entry. */
  comment: string;
  /**
   * The message of taiga-back's `pre_conditions_on_save` when a related object (status, user story) belongs to
   * another project: checked after the version, answered as WrongArguments.
   */
  foreignRelation: string | null;
}

const statusKindOf: Record<ItemKind, StatusKind> = { task: 'task', userstory: 'userStory', issue: 'issue' };
const itemNoun: Record<ItemKind, string> = { task: 'task', userstory: 'user story', issue: 'issue' };

const isInteger = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);
const dueDatePattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Validates a create or PATCH body the way taiga-back's validators do, collecting `{field: ["message"]}` errors.
 * Unknown fields are ignored, as Django REST framework does.
 */
export function parseItemBody(
  store: SandboxStore,
  project: ProjectRecord,
  kind: ItemKind,
  body: Record<string, unknown>,
): Outcome<ParsedItemBody> {
  const errors: Record<string, string[]> = {};
  const changes: Change[] = [];
  let foreignRelation: string | null = null;
  const error = (field: string, message: string) => {
    errors[field] = [message];
  };
  const has = (field: string) => Object.hasOwn(body, field);
  const isMember = (userId: number) => project.members.some((member) => member.userId === userId);

  /** A primary key field: `Invalid pk` when no such object exists at all, as Taiga's related fields answer. */
  const primaryKey = (field: string, exists: (id: number) => boolean): number | undefined => {
    const value = body[field];
    if (!isInteger(value)) {
      error(
        field,
        `Incorrect type.  Expected pk value, received ${value === null ? 'NoneType' : typeof value}.`,
      );
      return undefined;
    }
    if (!exists(value)) {
      error(field, `Invalid pk '${value}' - object does not exist.`);
      return undefined;
    }
    return value;
  };
  const text = (field: string, apply: (item: ItemRecord, value: string) => void, required = false) => {
    if (!has(field)) return;
    const value = body[field];
    if (typeof value !== 'string') return error(field, 'Not a valid string.');
    if (required && value.trim() === '') return error(field, 'This field is required.');
    changes.push((item) => apply(item, value));
  };
  const flag = (field: string, apply: (item: ItemRecord, value: boolean) => void) => {
    if (!has(field)) return;
    const value = body[field];
    if (typeof value !== 'boolean')
      return error(field, `'${String(value)}' value must be either True or False.`);
    changes.push((item) => apply(item, value));
  };
  const integer = (field: string, apply: (item: ItemRecord, value: number) => void) => {
    if (!has(field)) return;
    const value = body[field];
    if (!isInteger(value)) return error(field, 'Enter a whole number.');
    changes.push((item) => apply(item, value));
  };
  const userIds = (field: string, apply: (item: ItemRecord, value: number[]) => void) => {
    if (!has(field)) return;
    const value = body[field];
    if (!Array.isArray(value) || !value.every(isInteger)) return error(field, 'Enter a list of user ids.');
    if (!value.every((id) => store.users.has(id))) return error(field, 'Invalid user id.');
    if (!value.every(isMember)) return error(field, 'The user must be a project member.');
    changes.push((item) => apply(item, [...new Set(value)]));
  };

  text(
    'subject',
    (item, value) => {
      item.subject = value;
    },
    true,
  );
  text('description', (item, value) => {
    item.description = value;
  });
  text('blocked_note', (item, value) => {
    item.blockedNote = value;
  });
  text('due_date_reason', (item, value) => {
    item.dueDateReason = value;
  });
  flag('is_blocked', (item, value) => {
    item.isBlocked = value;
  });
  userIds('watchers', (item, value) => {
    item.watchers = value;
  });

  if (has('status')) {
    const statusId = primaryKey('status', (id) => store.statuses.get(id)?.kind === statusKindOf[kind]);
    if (statusId !== undefined) {
      if (store.statuses.get(statusId)?.projectId !== project.id) {
        foreignRelation = `You don't have permissions to set this status to this ${itemNoun[kind]}.`;
      }
      changes.push((item) => {
        item.statusId = statusId;
      });
    }
  }
  if (has('assigned_to')) {
    if (body.assigned_to === null) {
      changes.push((item) => {
        item.assignedTo = null;
      });
    } else {
      const userId = primaryKey('assigned_to', (id) => store.users.has(id));
      if (userId !== undefined && !isMember(userId))
        error('assigned_to', 'The user must be a project member.');
      else if (userId !== undefined)
        changes.push((item) => {
          item.assignedTo = userId;
        });
    }
  }
  if (has('tags')) {
    const tags = body.tags;
    if (!Array.isArray(tags) || !tags.every((tag) => typeof tag === 'string'))
      error('tags', 'Invalid tag list.');
    else {
      changes.push((item) => {
        item.tags = [...new Set(tags.map((tag) => tag.toLowerCase()))];
      });
    }
  }
  if (has('due_date')) {
    const dueDate = body.due_date;
    if (dueDate !== null && (typeof dueDate !== 'string' || !dueDatePattern.test(dueDate))) {
      error('due_date', 'Date has wrong format. Use one of these formats instead: YYYY[-MM[-DD]].');
    } else {
      changes.push((item) => {
        item.dueDate = dueDate;
      });
    }
  }

  if (kind === 'task') {
    if (has('user_story')) {
      if (body.user_story === null) {
        changes.push((item) => {
          if (item.kind === 'task') item.userStoryId = null;
        });
      } else {
        const storyId = primaryKey('user_story', (id) => store.userStories.has(id));
        if (storyId !== undefined) {
          if (store.userStories.get(storyId)?.projectId !== project.id) {
            foreignRelation ??= "You don't have permissions to set this user story to this task.";
          }
          changes.push((item) => {
            if (item.kind === 'task') item.userStoryId = storyId;
          });
        }
      }
    }
    integer('us_order', (item, value) => {
      if (item.kind === 'task') item.usOrder = value;
    });
    integer('taskboard_order', (item, value) => {
      if (item.kind === 'task') item.taskboardOrder = value;
    });
    flag('is_iocaine', (item, value) => {
      if (item.kind === 'task') item.isIocaine = value;
    });
  }
  if (kind === 'userstory') {
    userIds('assigned_users', (item, value) => {
      if (item.kind === 'userstory') item.assignedUsers = value;
    });
    integer('backlog_order', (item, value) => {
      if (item.kind === 'userstory') item.backlogOrder = value;
    });
    integer('sprint_order', (item, value) => {
      if (item.kind === 'userstory') item.sprintOrder = value;
    });
    integer('kanban_order', (item, value) => {
      if (item.kind === 'userstory') item.kanbanOrder = value;
    });
    flag('client_requirement', (item, value) => {
      if (item.kind === 'userstory') item.clientRequirement = value;
    });
    flag('team_requirement', (item, value) => {
      if (item.kind === 'userstory') item.teamRequirement = value;
    });
  }
  if (kind === 'issue') {
    const issueValue = (
      field: 'type' | 'priority' | 'severity',
      values: Map<number, { projectId: number }>,
    ) => {
      if (!has(field)) return;
      const id = primaryKey(field, (candidate) => values.get(candidate)?.projectId === project.id);
      if (id === undefined || !values.has(id)) return;
      changes.push((item) => {
        if (item.kind !== 'issue') return;
        if (field === 'type') item.typeId = id;
        else if (field === 'priority') item.priorityId = id;
        else item.severityId = id;
      });
    };
    issueValue('type', store.issueTypes);
    issueValue('priority', store.priorities);
    issueValue('severity', store.severities);
  }

  let comment = '';
  if (has('comment')) {
    if (typeof body.comment !== 'string') error('comment', 'Not a valid string.');
    else comment = body.comment;
  }

  if (Object.keys(errors).length > 0) return fail(failures.badRequest(errors));
  return ok({ changes, comment, foreignRelation });
}
