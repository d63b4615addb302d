import type { ItemKind, ItemRecord, NamedValueRecord, ProjectRecord, UserRecord } from '../state/types.js';
import type { SandboxCore } from './core.js';

function valuesOf(values: Map<number, NamedValueRecord>, projectId: number): NamedValueRecord[] {
  return [...values.values()].filter((value) => value.projectId === projectId);
}

/**
 * A new item with Taiga's defaults: the project's default status (its first), version 1, orders from the clock
 * (milliseconds for tasks, microseconds for stories, as the captures show), "?" points for every computable role.
 * Its ref is assigned when it is stored.
 */
export function newItem(
  core: SandboxCore,
  project: ProjectRecord,
  owner: UserRecord,
  kind: ItemKind,
): ItemRecord {
  const { store } = core;
  const now = core.now();
  const statusKind = kind === 'userstory' ? 'userStory' : kind;
  const base = {
    id: store.nextId(kind),
    ref: 0,
    projectId: project.id,
    ownerId: owner.id,
    assignedTo: null,
    statusId: store.statusesOf(project.id, statusKind)[0]?.id ?? 0,
    subject: '',
    description: '',
    tags: [],
    watchers: [],
    isBlocked: false,
    blockedNote: '',
    dueDate: null,
    dueDateReason: '',
    createdDate: now,
    modifiedDate: now,
    version: 1,
  };
  switch (kind) {
    case 'task':
      return {
        ...base,
        kind,
        userStoryId: null,
        usOrder: now.getTime(),
        taskboardOrder: now.getTime(),
        isIocaine: false,
        finishedDate: null,
      };
    case 'userstory': {
      const unknownPoints = store.pointsOf(project.id).find((points) => points.value === null);
      const order = now.getTime() * 1000;
      return {
        ...base,
        kind,
        assignedUsers: [],
        backlogOrder: order,
        sprintOrder: order,
        kanbanOrder: order,
        finishDate: null,
        clientRequirement: false,
        teamRequirement: false,
        rolePoints: Object.fromEntries(
          store
            .rolesOf(project.id)
            .filter((role) => role.computable && unknownPoints)
            .map((role) => [String(role.id), unknownPoints?.id ?? 0]),
        ),
      };
    }
    case 'issue':
      return {
        ...base,
        kind,
        typeId: valuesOf(store.issueTypes, project.id)[0]?.id ?? 0,
        priorityId: valuesOf(store.priorities, project.id)[1]?.id ?? 0,
        severityId: valuesOf(store.severities, project.id)[2]?.id ?? 0,
        finishedDate: null,
      };
    default: {
      const exhaustive: never = kind;
      throw new Error(`unknown item kind ${String(exhaustive)}`);
    }
  }
}
